import { registry } from "@web/core/registry";

// An admin opens Settings > Recruitment, finds the Cronofy section with the webhook
// URL, tests the connection (the simulator answers) and sees it reported.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_settings_tour", {
    url: "/odoo/action-hr_recruitment.action_hr_recruitment_configuration",
    steps: () => [
        {
            content: "The Cronofy section is in Settings > Recruitment",
            trigger: "#cronofy_application_setting",
        },
        {
            content: "The webhook URL to paste into Cronofy is shown",
            trigger: ".o_cronofy_webhook_url:contains('/cronofy/webhook/')",
        },
        {
            content: "Test the connection",
            trigger: "button[name='action_cronofy_test_connection']",
            run: "click",
        },
        {
            content: "Cronofy accepted the credentials",
            trigger: ".o_notification:contains('the connection works')",
        },
        {
            content: "The status now says connected",
            trigger: ".o_cronofy_state:contains('Connected')",
        },
    ],
});
