import { registry } from "@web/core/registry";

const LOCATION = ".o_field_widget[name='location_note']";
const POPOVER = ".o_model_field_selector_popover";

// A recruitment manager inserts a placeholder with the picker (magic wand), saves and
// sees the preview filled in for the chosen applicant. (The preview also follows
// unsaved edits through onchange: see test_preview_updates_while_editing.)
registry.category("web_tour.tours").add("hr_recruitment_cronofy_template_placeholder_tour", {
    steps: () => [
        {
            content: "Type a location note",
            trigger: `${LOCATION} input`,
            run: "edit Room:",
        },
        {
            content: "Open the placeholder picker",
            trigger: `${LOCATION} button.fa-magic`,
            run: "click",
        },
        {
            content: "Follow the applicant's stage",
            trigger: `${POPOVER} .o_model_field_selector_popover_item[data-name='stage_id'] .o_model_field_selector_popover_item_relation`,
            run: "click",
        },
        {
            content: "Pick the stage's name",
            trigger: `${POPOVER} .o_model_field_selector_popover_item[data-name='name'] .o_model_field_selector_popover_item_name`,
            run: "click",
        },
        {
            content: "Insert it without a default value",
            trigger: `${POPOVER} .o_model_field_selector_default_value_input input`,
            run: "press Enter",
        },
        {
            content: "The placeholder is in the text",
            trigger: `${LOCATION} input:value(Room: {{object.stage_id.name}})`,
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Open the preview",
            trigger: ".o_notebook .nav-link:contains('Preview')",
            run: "click",
        },
        {
            content: "The preview shows the applicant's stage",
            trigger: ".o_field_widget[name='preview_location_note']:contains('Room: Tour Placeholder Stage')",
        },
    ],
});
