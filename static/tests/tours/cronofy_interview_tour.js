import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

// Opened on an applicant whose scheduling link is pending. The tour plays the
// candidate: it asks the Cronofy simulator (the candidate link's origin) to book
// the first free slot, then waits, without reloading, for the interview to
// appear on the form (push notification -> inbox -> interview -> bus).
registry.category("web_tour.tours").add("hr_recruitment_cronofy_interview_tour", {
    steps: () => [
        {
            content: "The applicant's link is pending, no interview yet",
            trigger: ".o_form_view .o_field_widget[name=cronofy_scheduling_state]:contains(Link sent)",
        },
        {
            content: "The candidate books a time on Cronofy",
            trigger: ".o_form_view",
            run: async () => {
                const applicantId = Number(window.location.pathname.split("/").pop());
                const [request] = await rpc("/web/dataset/call_kw/cronofy.scheduling.request/search_read", {
                    model: "cronofy.scheduling.request",
                    method: "search_read",
                    args: [[["applicant_id", "=", applicantId], ["state", "=", "pending"]]],
                    kwargs: { fields: ["cronofy_id", "candidate_url"], limit: 1 },
                });
                const simulator = new URL(request.candidate_url).origin;
                await fetch(`${simulator}/_sim/scheduling_requests/${request.cronofy_id}/choose`, {
                    method: "POST",
                    mode: "no-cors",
                });
            },
        },
        {
            content: "The interview appears on the open form",
            trigger: ".o_form_view .o_field_widget[name=cronofy_scheduling_state]:contains(Time chosen)",
            timeout: 30000,
        },
        {
            content: "with its time",
            trigger: ".o_form_view .o_field_widget[name=cronofy_interview_start]:not(:empty)",
        },
    ],
});
