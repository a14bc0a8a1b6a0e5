import { registry } from "@web/core/registry";

// A recruiter opens Recruitment > Reporting > Interview Scheduling: the graph of
// links per week by outcome, then the pivot with the time-to-schedule measures.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_analytics_tour", {
    steps: () => [
        {
            content: "Open Reporting",
            trigger: ".o_main_navbar button:contains('Reporting')",
            run: "click",
        },
        {
            content: "Open Interview Scheduling",
            trigger: ".dropdown-item:contains('Interview Scheduling')",
            run: "click",
        },
        {
            content: "The graph is drawn",
            trigger: ".o_graph_view .o_graph_canvas_container canvas",
        },
        {
            content: "Switch to the pivot",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "The pivot shows the median time to schedule",
            trigger: ".o_pivot th:contains('Median Time to Schedule (h)')",
        },
        {
            content: "and a job's row",
            trigger: ".o_pivot th:contains('Analytics Tour Job')",
        },
    ],
});
