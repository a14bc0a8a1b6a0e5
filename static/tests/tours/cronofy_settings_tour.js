import { registry } from "@web/core/registry";

const SECRET_INPUT = ".o_field_widget[name='cronofy_client_secret'] input";
const TEST_BUTTON = "button[name='action_cronofy_test_connection']";
// The simulator's demo client secret (cronofy_simulator/seed.py).
const DEMO_SECRET = "CRN_sim_demo_client_secret_0000000001";

// An admin opens Settings > Recruitment, sees the setup checklist and the webhook
// URL, types a wrong client secret and clicks Test connection once: the edit is
// saved, tested, and the client line fails with its fix. The admin corrects it,
// clicks again, and every line passes.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_settings_tour", {
    url: "/odoo/action-hr_recruitment.action_hr_recruitment_configuration",
    steps: () => [
        {
            content: "The Cronofy section is in Settings > Recruitment",
            trigger: "#cronofy_application_setting",
        },
        {
            content: "The setup checklist highlights the next step",
            trigger: ".o_cronofy_setup_checklist .o_cronofy_step_next",
        },
        {
            content: "The webhook URL to paste into Cronofy is shown",
            trigger: ".o_cronofy_webhook_url:contains('/cronofy/webhook/')",
        },
        {
            content: "Type a wrong client secret",
            trigger: SECRET_INPUT,
            run: "edit CRN_a_wrong_client_secret_00000000000",
        },
        {
            content: "Test the connection (once: the edit is saved first)",
            trigger: TEST_BUTTON,
            run: "click",
        },
        {
            content: "The client line failed and says how to fix it",
            trigger:
                ".o_cronofy_check_client.o_cronofy_check_failed .o_cronofy_check_fix:contains('Developer Dashboard')",
        },
        {
            content: "The other credentials still pass",
            trigger: ".o_cronofy_check_api.o_cronofy_check_ok",
        },
        {
            content: "The status is not Connected",
            trigger: ".o_cronofy_state:contains('Error')",
        },
        {
            content: "Type the right client secret",
            trigger: SECRET_INPUT,
            run: `edit ${DEMO_SECRET}`,
        },
        {
            content: "Test again",
            trigger: TEST_BUTTON,
            run: "click",
        },
        {
            content: "The client line passes now",
            trigger: ".o_cronofy_check_client.o_cronofy_check_ok",
        },
        {
            content: "No line fails",
            trigger: ".o_cronofy_checks:not(:has(.o_cronofy_check_failed))",
        },
        {
            content: "The status says connected",
            trigger: ".o_cronofy_state:contains('Connected')",
        },
    ],
});
