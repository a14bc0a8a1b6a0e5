import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

// Run one of the addon's crons now, as its "Run Manually" button does, behind the
// open view's back (the view only learns of it through the bus).
async function runCron(name) {
    const [cron] = await rpc("/web/dataset/call_kw/ir.model.data/search_read", {
        model: "ir.model.data",
        method: "search_read",
        args: [
            [
                ["module", "=", "hr_recruitment_cronofy"],
                ["name", "=", name],
            ],
            ["res_id"],
        ],
        kwargs: {},
    });
    await rpc("/web/dataset/call_kw/ir.cron/method_direct_trigger", {
        model: "ir.cron",
        method: "method_direct_trigger",
        args: [[cron.res_id]],
        kwargs: {},
    });
}

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
            content: "with its time, labelled, in the user's format without seconds",
            trigger: ".o_form_view .o_group:has(label:contains(Scheduling)) .o_field_widget[name=cronofy_interview_start]:not(:empty)",
            run() {
                const text = this.anchor.textContent.trim();
                if (!/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/.test(text)) {
                    throw new Error(`interview time shown as "${text}"`);
                }
            },
        },
        {
            content: "and the candidate's own zone beside it",
            trigger: ".o_form_view .o_field_widget[name=cronofy_interview_candidate_time]:contains((Europe/London))",
        },
        {
            content: "The header holds only buttons and the stage statusbar",
            trigger: ".o_form_statusbar:not(:has(.o_field_widget[name=cronofy_scheduling_state]))",
        },
        {
            content: "and the interview in the applicant's meetings",
            trigger: ".o_form_view button[name=action_create_meeting]:contains(1 Meeting)",
        },
    ],
});

// Opened on an applicant whose candidate has booked but whose notification still waits
// in the inbox. The administrator runs the notification job (as "Run Manually" does)
// without touching the form: the interview must appear on the open form by itself,
// through the bus message and the form's live reload.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_interview_live_tour", {
    steps: () => [
        {
            content: "The form shows the pending link",
            trigger: ".o_form_view .o_field_widget[name=cronofy_scheduling_state]:contains(Link sent)",
        },
        {
            content: "Run the notification job behind the form's back",
            trigger: ".o_form_view .o_field_widget[name=cronofy_scheduling_state]",
            run: () => runCron("ir_cron_cronofy_process_notifications"),
        },
        {
            content: "The open form now shows the booking",
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

// Opened on an applicant a stage has just queued a link for. The administrator runs
// the automation queue (as "Run Manually" does) without touching the form: the sent
// link and its mail must appear on the open form by themselves.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_link_sent_live_tour", {
    steps: () => [
        {
            content: "The form shows the queued link",
            trigger: ".o_form_view .o_field_widget[name=cronofy_scheduling_state]:contains(Queued)",
        },
        {
            content: "Run the automation queue behind the form's back",
            trigger: ".o_form_view .o-mail-Chatter",
            run: () => runCron("ir_cron_cronofy_automation_queue"),
        },
        {
            content: "The open form now says the link was sent",
            trigger: ".o_form_view .o_field_widget[name=cronofy_scheduling_state]:contains(Link sent)",
        },
        {
            content: "and its chatter shows the mail with the link",
            trigger: ".o-mail-Message:contains(Choose a time)",
        },
    ],
});
