import { registry } from "@web/core/registry";
import { CharField, charField } from "@web/views/fields/char/char_field";
import { TextField, textField } from "@web/views/fields/text/text_field";

/**
 * Text fields of a scheduling template whose preview follows what the user picks.
 *
 * Odoo's magic-wand picker writes the placeholder into the input and sends only an
 * "input" event: the value reaches the record (and the onchange that recomputes the
 * preview) when the input later sends "change" or the form saves. In a tour the
 * preview stayed on the saved text. These widgets commit right after the insertion,
 * as the "#" shortcut of the same picker already does.
 */
function commitAfterInsert(FieldClass, refName) {
    return class extends FieldClass {
        async onDynamicPlaceholderValidate(chain, defaultValue) {
            await super.onDynamicPlaceholderValidate(chain, defaultValue);
            if (chain) {
                this[refName].el.dispatchEvent(new Event("change"));
            }
        }
    };
}

export const PlaceholderCharField = commitAfterInsert(CharField, "input");
export const PlaceholderTextField = commitAfterInsert(TextField, "textareaRef");

registry.category("fields").add("cronofy_placeholder_char", {
    ...charField,
    component: PlaceholderCharField,
});
registry.category("fields").add("cronofy_placeholder_text", {
    ...textField,
    component: PlaceholderTextField,
});
