from odoo import api, fields, models
from odoo.exceptions import UserError

from .access import RECRUITMENT_OFFICER, check_groups
from .scheduling_states import BOOKED_STATES


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    cronofy_request_id = fields.Many2one(
        "cronofy.scheduling.request",
        "Cronofy Scheduling Request",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The candidate booked this interview through this Cronofy request.",
    )
    cronofy_attendance = fields.Selection(
        related="cronofy_request_id.attendance", string="Candidate Attendance"
    )
    cronofy_attendance_due = fields.Boolean(
        "Attendance To Mark",
        compute="_compute_cronofy_attendance_due",
        help="The candidate booked this interview through Cronofy, it has started, and "
        "nobody said yet whether the candidate came.",
    )

    # The only stored link between a request and its interview (the request's
    # event_id is computed from it). One interview per request, enforced by
    # PostgreSQL: concurrent or repeated processing of the same booking can never
    # create a second event.
    _sql_constraints = [
        (
            "cronofy_request_unique",
            "unique(cronofy_request_id)",
            "A Cronofy scheduling request has one interview.",
        ),
    ]

    @api.depends("cronofy_request_id.state", "cronofy_request_id.attendance", "start")
    def _compute_cronofy_attendance_due(self):
        now = fields.Datetime.now()
        for event in self:
            request = event.sudo().cronofy_request_id
            event.cronofy_attendance_due = bool(
                request
                and request.state in BOOKED_STATES
                and not request.attendance
                and event.start
                and event.start <= now
            )

    def action_cronofy_mark_attended(self):
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Marking interview attendance"))
        return self._cronofy_requests().action_mark_attended()

    def action_cronofy_mark_no_show(self):
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Marking interview attendance"))
        return self._cronofy_requests().action_mark_no_show()

    def _cronofy_requests(self):
        # The pointer is read as superuser; the request's own rights (company rule,
        # write access) are checked by the request's action, as the caller.
        requests = self.env["cronofy.scheduling.request"].browse(self.sudo().cronofy_request_id.ids)
        if len(requests) != len(self):
            raise UserError(
                self.env._("Attendance is marked on interviews booked through Cronofy only.")
            )
        return requests
