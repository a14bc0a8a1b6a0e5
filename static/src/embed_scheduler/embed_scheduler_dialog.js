import { Component, onMounted, onWillUnmount, useRef, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { Dialog } from "@web/core/dialog/dialog";
import { rpc } from "@web/core/network/rpc";
import { useService } from "@web/core/utils/hooks";
import { loadEmbedScript } from "./load_embed_script";

const CREATED_EVENT = "cronofyschedulerrequestcreated";

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
        // Attributes are set one by one (never as HTML): candidate names are user text.
        const element = document.createElement("cronofy-scheduler-button");
        const attributes = {
            "embed-token": embed.embed_token,
            "correlation-id": embed.correlation_id,
            "recipient-email": embed.recipient_email,
            "recipient-name": embed.recipient_name,
            "event-summary": embed.event_summary,
            "event-duration-minutes": String(embed.event_duration_minutes || ""),
        };
        for (const [name, value] of Object.entries(attributes)) {
            if (value) {
                element.setAttribute(name, value);
            }
        }
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
        const schedulingRequest = event.detail?.scheduling_request;
        if (!schedulingRequest || typeof schedulingRequest !== "object") {
            this.fail(_t("The Embedded Scheduler returned an unexpected answer. Nothing was sent."));
            return;
        }
        this.state.status = "sending";
        this.state.error = "";
        let result;
        try {
            await rpc("/cronofy/embed/request_created", {
                applicant_id: this.props.applicantId,
                correlation_id: this.props.embed.correlation_id,
                scheduling_request: schedulingRequest,
            });
            result = await this.orm.call(
                "mail.compose.message",
                "action_send_mail",
                [[this.props.composerId]]
            );
        } catch (error) {
            this.fail(error.data?.message || error.message || String(error));
            return;
        }
        this.props.close();
        // Closes the composer (and lets its opener reload the chatter).
        await this.action.doAction(result || { type: "ir.actions.act_window_close" });
    }
}
