from odoo import fields, models


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
