import { registry } from "@web/core/registry";

// Opened on an applicant whose scheduling link is pending: the recruiter sees the
// link's state and no interview yet.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_interview_pending_tour", {
    steps: () => [
        {
            content: "The applicant's link is pending",
            trigger: ".o_form_view .o_field_widget[name=cronofy_scheduling_state]:contains(Link sent)",
        },
        {
            content: "No interview time yet",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=cronofy_interview_start]:not(:empty)))",
        },
    ],
});

// Opened on the same applicant after the simulated candidate booked and Odoo
// applied the push notification: the interview is on the applicant.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_interview_tour", {
    steps: () => [
        {
            content: "The booking shows on the applicant",
            trigger: ".o_form_view .o_field_widget[name=cronofy_scheduling_state]:contains(Time chosen)",
        },
        {
            content: "with its time",
            trigger: ".o_form_view .o_field_widget[name=cronofy_interview_start]:not(:empty)",
        },
        {
            content: "and the interview in the applicant's meetings",
            trigger: ".o_form_view button[name=action_create_meeting]:contains(1 Meeting)",
        },
    ],
});
