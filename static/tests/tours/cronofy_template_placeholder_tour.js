import { registry } from "@web/core/registry";

const SUMMARY = ".o_field_widget[name='event_summary']";
const DESCRIPTION = ".o_field_widget[name='event_description']";
const LOCATION = ".o_field_widget[name='location_note']";
const POPOVER = ".o_model_field_selector_popover";
const UNSAVED = ".o_form_status_indicator_buttons:not(.invisible) .o_form_button_save";

function pickerItem(name, part) {
    return `${POPOVER} .o_model_field_selector_popover_item[data-name='${name}'] .o_model_field_selector_popover_item_${part}`;
}

// The steps of Odoo's magic-wand picker on `field`: follow each relation of `path`,
// pick its last field, insert it (with `defaultValue` when given).
function pickPlaceholder(field, path, defaultValue) {
    const names = path.split(".");
    const last = names.pop();
    return [
        { content: `Open the picker of ${field}`, trigger: `${field} button.fa-magic`, run: "click" },
        ...names.map((name) => ({
            content: `Follow ${name}`,
            trigger: pickerItem(name, "relation"),
            run: "click",
        })),
        { content: `Pick ${last}`, trigger: pickerItem(last, "name"), run: "click" },
        {
            content: "Insert the placeholder",
            trigger: `${POPOVER} .o_model_field_selector_default_value_input input`,
            run: defaultValue ? `edit ${defaultValue} && press Enter` : "press Enter",
        },
    ];
}

// A recruitment manager edits a template's texts with the placeholder picker and by
// typing, and the preview for the chosen applicant follows every edit before saving;
// a bad placeholder shows its error in the preview; then the template is saved.
registry.category("web_tour.tours").add("hr_recruitment_cronofy_template_placeholder_tour", {
    steps: () => [
        {
            content: "The preview shows the saved title for the applicant",
            trigger:
                ".o_field_widget[name='preview_event_summary']:contains('Tour Placeholder Job interview: Tour Placeholder Candidate')",
        },
        {
            content: "Type a location note",
            trigger: `${LOCATION} input`,
            run: "edit Room:",
        },
        ...pickPlaceholder(LOCATION, "stage_id.name"),
        {
            content: "The placeholder is in the text",
            trigger: `${LOCATION} input:value(Room: {{object.stage_id.name}})`,
        },
        {
            content: "The preview already shows the applicant's stage, before saving",
            trigger:
                ".o_field_widget[name='preview_location_note']:contains('Room: Tour Placeholder Stage')",
        },
        {
            content: "Nothing was saved yet",
            trigger: UNSAVED,
        },
        {
            content: "Go to the description",
            trigger: `${DESCRIPTION} textarea`,
            run: "click",
        },
        ...pickPlaceholder(DESCRIPTION, "partner_name", "the candidate"),
        {
            content: "The description preview shows the candidate's name",
            trigger:
                ".o_field_widget[name='preview_event_description']:contains('Tour Placeholder Candidate')",
        },
        {
            content: "Type a placeholder that does not exist in the title",
            trigger: `${SUMMARY} input`,
            run: "edit {{ object.no_such_field }} && press Tab",
        },
        {
            content: "The preview names the unknown field",
            trigger: ".o_field_widget[name='preview_error']:contains('no_such_field')",
        },
        {
            content: "Type a valid title",
            trigger: `${SUMMARY} input`,
            run: "edit Call with {{ object.partner_name }} && press Tab",
        },
        {
            content: "The preview shows the typed title for the applicant",
            trigger:
                ".o_field_widget[name='preview_event_summary']:contains('Call with Tour Placeholder Candidate')",
        },
        {
            content: "Still unsaved",
            trigger: UNSAVED,
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
    ],
});
