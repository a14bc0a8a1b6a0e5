import { Component, onMounted, onWillUnmount, useRef, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { Dialog } from "@web/core/dialog/dialog";
import { useService } from "@web/core/utils/hooks";
import { loadEmbedScript } from "./load_embed_script";
import { recordLinkAndSend } from "./link_and_send";
import { buildSchedulerElement, createdSchedulingRequest, CREATED_EVENT } from "./scheduler_element";

/**
 * Shows Cronofy's <cronofy-scheduler-button> for one applicant. When the element
 * reports the request it created, the server checks and records it, then the
 * composer's Send runs again and the message leaves with the link. Closing the
 * dialog sends nothing: the composer stays open as it was.
 */
export class EmbedSchedulerDialog extends Component {
    static template = "hr_recruitment_cronofy.EmbedSchedulerDialog";
    static components = { Dialog };
    static props = {
        applicantId: Number,
        composerId: Number,
        embed: Object,
        close: Function,
    };

    get title() {
        return _t("Create the scheduling link");
    }

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.container = useRef("embedContainer");
        this.state = useState({ status: "loading", error: "" });
        this.onRequestCreated = this.onRequestCreated.bind(this);
        onMounted(() => this.mountElement());
        onWillUnmount(() => {
            this.container.el?.removeEventListener(CREATED_EVENT, this.onRequestCreated);
        });
    }

    async mountElement() {
        const embed = this.props.embed;
        try {
            await loadEmbedScript(embed.script_url);
        } catch {
            this.fail(
                _t("The Embedded Scheduler could not be loaded from %(url)s.", {
                    url: embed.script_url,
                })
            );
            return;
        }
        if (!this.container.el) {
            return; // closed while loading
        }
        const element = buildSchedulerElement(embed);
        this.container.el.addEventListener(CREATED_EVENT, this.onRequestCreated);
        this.container.el.replaceChildren(element);
        this.state.status = "ready";
    }

    fail(message) {
        this.state.status = "error";
        this.state.error = message;
    }

    async onRequestCreated(event) {
        if (this.state.status === "sending") {
            return; // one link per dialog
        }
        const schedulingRequest = createdSchedulingRequest(event);
        if (!schedulingRequest) {
            this.fail(_t("The Embedded Scheduler returned an unexpected answer. Nothing was sent."));
            return;
        }
        this.state.status = "sending";
        this.state.error = "";
        let result;
        try {
            result = await recordLinkAndSend(this.orm, {
                applicantId: this.props.applicantId,
                correlationId: this.props.embed.correlation_id,
                composerId: this.props.composerId,
                schedulingRequest,
            });
        } catch (error) {
            this.fail(error.data?.message || error.message || String(error));
            return;
        }
        this.props.close();
        // Closes the composer (and lets its opener reload the chatter).
        await this.action.doAction(result || { type: "ir.actions.act_window_close" });
    }
}
