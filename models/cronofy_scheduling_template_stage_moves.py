"""Optional stage moves that follow a booking, set per scheduling template: "when the
candidate chooses a time, move the applicant to stage X" and "when the interview is
declined or cancelled, move it back out to stage Y". The way back applies only to an
applicant still in X, so a recruiter's own move since the booking is never undone.

The moves never send another link (even into a stage with a scheduling template) and
skip refused or archived applicants and stages of another job.
"""

from odoo import fields, models


class CronofySchedulingTemplate(models.Model):
    _inherit = "cronofy.scheduling.template"

    booked_stage_id = fields.Many2one(
        "hr.recruitment.stage",
        "Stage Once Booked",
        ondelete="set null",
        help="When the candidate chooses a time, the applicant moves to this stage (empty: "
        "it stays where it is).",
    )
    unbooked_stage_id = fields.Many2one(
        "hr.recruitment.stage",
        "Stage If Declined",
        ondelete="set null",
        help="When the booked interview is declined or cancelled, an applicant still in "
        "the stage it moved to once booked moves on to this one.",
    )
