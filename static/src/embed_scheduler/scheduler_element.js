/**
 * Cronofy's <cronofy-scheduler-button> for one applicant, as the composer's
 * notice and the Send dialog both show it. Attributes are set one by one (never
 * as HTML): candidate names are user text.
 */

export const CREATED_EVENT = "cronofyschedulerrequestcreated";

export function buildSchedulerElement(embed) {
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
    return element;
}

/** The request the element reports, or null when its answer has no usable shape. */
export function createdSchedulingRequest(event) {
    const schedulingRequest = event.detail?.scheduling_request;
    return schedulingRequest && typeof schedulingRequest === "object" ? schedulingRequest : null;
}
