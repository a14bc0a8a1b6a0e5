import { registry } from "@web/core/registry";

// What a recruiter sees once the message left with the candidate's own link.
function sentWithTheRealLink() {
    return [
        {
            content: "The message with the link is in the chatter",
            trigger: ".o-mail-Message-body a[href*='/rts/'][href*='correlation_id=']",
        },
        {
            content: "No stand-in link was sent",
            trigger: ".o-mail-Message-body:not(:contains('scheduling-link.invalid'))",
        },
        {
            content: "The applicant shows the link as sent",
            trigger: ".o_field_widget[name='cronofy_scheduling_state']:contains('Link sent')",
        },
    ];
}

// A recruiter sends a scheduling link from the applicant form: the composer opens
// with the invitation, Send opens Cronofy's Embedded Scheduler (the simulator's
// element), the recruiter creates the link there, and the email leaves with it.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_embed_tour", {
    steps: () => [
        {
            content: "Send scheduling link from the applicant",
            trigger: "button.o_cronofy_send_scheduling_link",
            run: "click",
        },
        {
            content: "The composer shows where the link will go",
            trigger: ".o_mail_composer_form_view .note-editable:contains('scheduling-link.invalid')",
        },
        {
            content: "and says that Send creates the real one",
            trigger: ".modal .o_cronofy_link_notice:contains(Send opens Cronofy's scheduler)",
        },
        {
            content: "Send",
            trigger: ".modal .o_mail_send",
            run: "click",
        },
        {
            content: "The Embedded Scheduler opens over the composer; open its dialog",
            trigger: ".o_cronofy_embed_dialog cronofy-scheduler-button .cronofy-sim-open",
            run: "click",
        },
        {
            content: "The embed is pre-filled with the job's interview",
            trigger: ".cronofy-sim-dialog .cronofy-sim-recipient:contains('ada@example.com')",
        },
        {
            content: "Create the link",
            trigger: ".cronofy-sim-dialog .cronofy-sim-create",
            run: "click",
        },
        ...sentWithTheRealLink(),
        {
            content: "The scheduling request is one click away",
            trigger: "button[name='action_open_cronofy_requests'] .o_stat_value:contains('1')",
        },
    ],
});

// Cancelling the Embedded Scheduler sends nothing and leaves the composer open.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_embed_cancel_tour", {
    steps: () => [
        {
            content: "Send scheduling link from the applicant",
            trigger: "button.o_cronofy_send_scheduling_link",
            run: "click",
        },
        {
            content: "Send",
            trigger: ".modal .o_mail_send",
            run: "click",
        },
        {
            content: "The Embedded Scheduler is shown",
            trigger: ".o_cronofy_embed_dialog cronofy-scheduler-button .cronofy-sim-open",
        },
        {
            content: "Cancel it",
            trigger: ".o_cronofy_embed_dialog .o_cronofy_embed_cancel",
            run: "click",
        },
        {
            content: "The composer is still open, unsent",
            trigger: "body:not(:has(.o_cronofy_embed_dialog)) .modal .o_mail_composer_form_view",
        },
        {
            content: "Discard it",
            trigger: ".modal-footer button:contains('Discard')",
            run: "click",
        },
        {
            content: "Back on the applicant",
            trigger: "body:not(:has(.modal)) button.o_cronofy_send_scheduling_link",
        },
    ],
});

// One click fewer: the composer holds Cronofy's scheduler button; the link made
// there sends the message at once, with no Send and no second dialog.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_composer_scheduler_tour", {
    steps: () => [
        {
            content: "Send scheduling link from the applicant",
            trigger: "button.o_cronofy_send_scheduling_link",
            run: "click",
        },
        {
            content: "The composer's notice holds Cronofy's scheduler button; open it",
            trigger: ".modal .o_cronofy_link_notice .o_cronofy_composer_scheduler cronofy-scheduler-button .cronofy-sim-open",
            run: "click",
        },
        {
            content: "The embed is pre-filled with the candidate",
            trigger: ".cronofy-sim-dialog .cronofy-sim-recipient:contains('ada@example.com')",
        },
        {
            content: "Create the link: the only click after the composer opened",
            trigger: ".cronofy-sim-dialog .cronofy-sim-create",
            run: "click",
        },
        {
            content: "The composer closed",
            trigger: "body:not(:has(.o_mail_composer_form_view))",
        },
        ...sentWithTheRealLink(),
    ],
});
