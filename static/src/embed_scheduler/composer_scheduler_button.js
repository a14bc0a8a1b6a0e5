import { Component, onMounted, onWillUnmount, useRef, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";
import { recordLinkAndSend } from "./link_and_send";
import { loadEmbedScript } from "./load_embed_script";
import { buildSchedulerElement, createdSchedulingRequest, CREATED_EVENT } from "./scheduler_element";

/**
 * Cronofy's scheduler button inside the mail composer, beside the notice that the
 * message holds a stand-in link: the recruiter creates the candidate's link there
 * and the message leaves with it, with no dialog in between. Send keeps working
 * (it opens the same scheduler in a dialog). Where the embed cannot be prepared
 * (not configured, no valid email), nothing shows here: Send then explains why.
 */
export class ComposerSchedulerButton extends Component {
    static template = "hr_recruitment_cronofy.ComposerSchedulerButton";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.container = useRef("embedContainer");
        this.state = useState({ status: "idle", error: "" });
        this.onRequestCreated = this.onRequestCreated.bind(this);
        onMounted(() => this.mountElement());
        onWillUnmount(() => {
            this.container.el?.removeEventListener(CREATED_EVENT, this.onRequestCreated);
        });
    }

    /** The one applicant the composer writes to, or null (mass mail, other models). */
    get applicantId() {
        const { model, res_ids: resIds } = this.props.record.data;
        if (model !== "hr.applicant") {
            return null;
        }
        try {
            const ids = JSON.parse(resIds || "[]");
            return ids.length === 1 && Number.isInteger(ids[0]) ? ids[0] : null;
        } catch {
            return null;
        }
    }

    async mountElement() {
        const applicantId = this.applicantId;
        if (!applicantId) {
            return;
        }
        let embed;
        try {
            embed = await rpc("/cronofy/embed/prepare", { applicant_id: applicantId });
            await loadEmbedScript(embed.script_url);
        } catch {
            return; // Send shows the reason in its own dialog.
        }
        if (!this.container.el) {
            return; // the composer closed, or the stand-in link was removed, meanwhile
        }
        this.embed = embed;
        this.container.el.addEventListener(CREATED_EVENT, this.onRequestCreated);
        this.container.el.replaceChildren(buildSchedulerElement(embed));
        this.state.status = "ready";
    }

    async onRequestCreated(event) {
        if (this.state.status === "sending") {
            return; // one link per composer
        }
        const schedulingRequest = createdSchedulingRequest(event);
        if (!schedulingRequest) {
            this.state.error = _t(
                "The Embedded Scheduler returned an unexpected answer. Nothing was sent."
            );
            return;
        }
        this.state.status = "sending";
        this.state.error = "";
        let result;
        try {
            // Send needs the composer saved, as the form's own Send button does.
            if (!(await this.props.record.save())) {
                throw new Error(_t("The message could not be saved; check the highlighted fields."));
            }
            result = await recordLinkAndSend(this.orm, {
                applicantId: this.applicantId,
                correlationId: this.embed.correlation_id,
                composerId: this.props.record.resId,
                schedulingRequest,
            });
        } catch (error) {
            this.state.status = "ready";
            this.state.error = error.data?.message || error.message || String(error);
            return;
        }
        // Closes the composer (and lets its opener reload the chatter).
        await this.action.doAction(result || { type: "ir.actions.act_window_close" });
    }
}

registry.category("view_widgets").add("cronofy_composer_scheduler", {
    component: ComposerSchedulerButton,
});
