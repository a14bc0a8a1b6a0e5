"""What the applicant search needs to find links across a pipeline.

"Awaiting booking" and "Booked" filter on the stored ``cronofy_scheduling_state``;
"Needs attention" on the stored flag below, computed from the same current request:
a link that failed, was declined or expired, or whose creation at Cronofy has an
unknown outcome (see the automation queue). Stored, so that searching and grouping a
job's applicants costs one query whatever their number.
"""

from odoo import api, fields, models

# The states after which a link will not lead to an interview without the recruiter.
ATTENTION_STATES = ("failed", "declined", "expired")


class HrApplicant(models.Model):
    _inherit = "hr.applicant"

    cronofy_needs_attention = fields.Boolean(
        "Scheduling Needs Attention",
        compute="_compute_cronofy_needs_attention",
        store=True,
        help="The current scheduling link failed, was declined or expired, or Odoo does "
        "not know whether Cronofy created it.",
    )

    @api.depends(
        "cronofy_current_request_id",
        "cronofy_request_ids.state",
        "cronofy_request_ids.outcome_unknown",
    )
    def _compute_cronofy_needs_attention(self):
        for applicant in self:
            current = applicant.cronofy_current_request_id
            # An unknown outcome is only ever recorded on a failed request; counted on
            # its own too, unless the recruiter has cancelled the request since.
            applicant.cronofy_needs_attention = current.state in ATTENTION_STATES or bool(
                current.outcome_unknown and current.state != "cancelled"
            )
