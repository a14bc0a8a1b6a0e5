import { registry } from "@web/core/registry";

// A recruiter on an applicant whose candidate has not booked yet: the link can be
// copied, mailed again and cancelled from the applicant.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_link_actions_tour", {
    steps: () => [
        {
            content: "The applicant shows the link with a copy button",
            trigger: ".o_form_view .o_field_CopyClipboardChar[name=cronofy_scheduling_url]:contains(/rts/) .o_clipboard_button",
        },
        {
            content: "Mail the same link again",
            trigger: ".o_form_view .o_form_statusbar button[name=action_resend_cronofy_link]",
            run: "click",
        },
        {
            content: "The mail with the link is in the chatter",
            trigger: ".o-mail-Message:contains(Choose a time)",
        },
        {
            content: "Cancel the link",
            trigger: ".o_form_view .o_form_statusbar button[name=action_cancel_cronofy_link]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal:contains(stops working) .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The applicant shows the link as cancelled",
            trigger: ".o_form_view .o_field_widget[name=cronofy_scheduling_state]:contains(Cancelled)",
        },
        {
            content: "with nothing left to resend, cancel or copy",
            trigger: ".o_form_view:not(:has(button[name=action_resend_cronofy_link])):not(:has(button[name=action_cancel_cronofy_link])):not(:has(.o_field_widget[name=cronofy_scheduling_url]))",
        },
    ],
});
