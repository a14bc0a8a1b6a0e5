import { registry } from "@web/core/registry";

const AUTO_COLUMN = ".o_kanban_group:has(.o_column_title:contains('Automation: interview'))";

// A recruiter drags an applicant into a stage that has a Cronofy scheduling template:
// the move is instant and the card shows the link as queued.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_stage_move_tour", {
    steps: () => [
        {
            content: "Drag the applicant into the auto-scheduling stage",
            trigger: ".o_kanban_record:contains('Tour Candidate')",
            run: `drag_and_drop (${AUTO_COLUMN})`,
        },
        {
            content: "The card is in the new stage and its link is queued",
            trigger: `${AUTO_COLUMN} .o_kanban_record:contains('Tour Candidate') .o_cronofy_kanban_scheduling:contains('Queued')`,
        },
    ],
});

// After the cron worker ran: the applicant shows the link as sent, the mail with the
// link is in the chatter and the scheduling request is one click away.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_link_sent_tour", {
    steps: () => [
        {
            content: "The scheduling state says the link was sent",
            trigger: ".o_form_view .o_field_widget[name='cronofy_scheduling_state']:contains('Link sent')",
        },
        {
            content: "The candidate's mail with the link is in the chatter",
            trigger: ".o-mail-Message:contains('Choose a time')",
        },
        {
            content: "Open the applicant's scheduling requests",
            trigger: "button[name='action_open_cronofy_requests']",
            run: "click",
        },
        {
            content: "The request is listed as sent by the stage",
            trigger: ".o_data_row:contains('Link sent')",
        },
    ],
});
