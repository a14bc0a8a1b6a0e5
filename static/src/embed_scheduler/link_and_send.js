import { rpc } from "@web/core/network/rpc";

/**
 * Records the request the Embedded Scheduler created for the applicant (the
 * server checks it against the correlation id it signed), then runs the
 * composer's Send, which now finds the link and sends the message with it.
 * Returns Send's action (or undefined).
 */
export async function recordLinkAndSend(orm, { applicantId, correlationId, composerId, schedulingRequest }) {
    await rpc("/cronofy/embed/request_created", {
        applicant_id: applicantId,
        correlation_id: correlationId,
        scheduling_request: schedulingRequest,
    });
    return orm.call("mail.compose.message", "action_send_mail", [[composerId]]);
}
