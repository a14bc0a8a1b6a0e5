import { onWillUnmount } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";
import { FormController } from "@web/views/form/form_controller";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { ListController } from "@web/views/list/list_controller";

// Sent by cronofy.scheduling.request._notify_applicant_views(), once per transaction,
// whenever scheduling requests change state: a link queued or sent (by hand or by the
// stage cron), failed, cancelled, booked, moved or declined.
export const SCHEDULING_CHANGED = "hr_recruitment_cronofy/scheduling_changed";

function displayedApplicantIds(list) {
    if (list.groups) {
        return list.groups.flatMap((group) => (group.list ? displayedApplicantIds(group.list) : []));
    }
    return (list.records || []).map((record) => record.resId);
}

/**
 * Reload an open applicant view when one of its applicants' scheduling changed,
 * without ever discarding what the user is typing. Messages arriving while a reload
 * runs (a queue sending hundreds of links) are folded into one more reload.
 */
function useSchedulingLiveUpdate(controller, reload) {
    if (controller.props.resModel !== "hr.applicant") {
        return;
    }
    const busService = useService("bus_service");
    let waiting = null;
    let running = false;
    const run = async () => {
        running = true;
        try {
            while (waiting) {
                const applicantIds = [...waiting];
                waiting = null;
                await reload(applicantIds);
            }
        } finally {
            running = false;
        }
    };
    const onSchedulingChanged = ({ applicant_ids: applicantIds }) => {
        waiting = new Set([...(waiting || []), ...(applicantIds || [])]);
        if (!running) {
            run();
        }
    };
    busService.subscribe(SCHEDULING_CHANGED, onSchedulingChanged);
    onWillUnmount(() => busService.unsubscribe(SCHEDULING_CHANGED, onSchedulingChanged));
}

patch(FormController.prototype, {
    setup() {
        super.setup(...arguments);
        useSchedulingLiveUpdate(this, async (applicantIds) => {
            const record = this.model.root;
            if (!record || !applicantIds.includes(record.resId) || (await record.isDirty())) {
                return;
            }
            await record.load();
        });
    },
});

for (const Controller of [KanbanController, ListController]) {
    patch(Controller.prototype, {
        setup() {
            super.setup(...arguments);
            useSchedulingLiveUpdate(this, async (applicantIds) => {
                const root = this.model.root;
                if (!root || root.editedRecord) {
                    return;
                }
                const shown = displayedApplicantIds(root);
                if (applicantIds.some((id) => shown.includes(id))) {
                    await root.load();
                }
            });
        },
    });
}
