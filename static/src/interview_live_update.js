import { onWillUnmount } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";
import { FormController } from "@web/views/form/form_controller";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { ListController } from "@web/views/list/list_controller";

// Sent by cronofy.scheduling.request._notify_interview_change() when a Cronofy
// notification creates, moves or cancels an applicant's interview.
export const INTERVIEW_UPDATED = "hr_recruitment_cronofy/interview_updated";

function displayedApplicantIds(list) {
    if (list.groups) {
        return list.groups.flatMap((group) => (group.list ? displayedApplicantIds(group.list) : []));
    }
    return (list.records || []).map((record) => record.resId);
}

/**
 * Reload an open applicant view when one of its applicants' interview changed,
 * without ever discarding what the user is typing.
 */
function useInterviewLiveUpdate(controller, reload) {
    if (controller.props.resModel !== "hr.applicant") {
        return;
    }
    const busService = useService("bus_service");
    const onInterviewUpdated = async ({ applicant_ids: applicantIds }) => {
        await reload(applicantIds || []);
    };
    busService.subscribe(INTERVIEW_UPDATED, onInterviewUpdated);
    onWillUnmount(() => busService.unsubscribe(INTERVIEW_UPDATED, onInterviewUpdated));
}

patch(FormController.prototype, {
    setup() {
        super.setup(...arguments);
        useInterviewLiveUpdate(this, async (applicantIds) => {
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
            useInterviewLiveUpdate(this, async (applicantIds) => {
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
