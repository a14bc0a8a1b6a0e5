import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";
import { EmbedSchedulerDialog } from "./embed_scheduler_dialog";

/**
 * Client action returned by the mail composer's Send when the applicant has no
 * scheduling link yet. It asks the server for an embed token (errors such as a
 * missing configuration or email show in the usual error dialog) and opens the
 * Embedded Scheduler on top of the composer, which stays open.
 */
async function openEmbedScheduler(env, action) {
    const { applicant_id: applicantId, composer_id: composerId } = action.params;
    const embed = await rpc("/cronofy/embed/prepare", { applicant_id: applicantId });
    env.services.dialog.add(EmbedSchedulerDialog, {
        applicantId,
        composerId,
        embed,
    });
}

registry.category("actions").add("hr_recruitment_cronofy.embed_scheduler", openEmbedScheduler);
