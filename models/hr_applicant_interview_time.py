"""The booked interview time in the candidate's own time zone, for the applicant form,
where it differs from the reader's (the form shows the time itself in the reader's)."""

from odoo import api, fields, models

from .cronofy_scheduling_request import BOOKED_STATES
from .interview_time_format import format_interview_time, valid_zone


class HrApplicant(models.Model):
    _inherit = "hr.applicant"

    cronofy_interview_candidate_time = fields.Char(
        "Candidate's Time",
        compute="_compute_cronofy_interview_candidate_time",
        help="The interview time in the time zone the candidate chose it in, shown where "
        "that zone is not yours.",
    )

    @api.depends("cronofy_interview_start", "cronofy_current_request_id.interview_tzid")
    @api.depends_context("tz", "lang")
    def _compute_cronofy_interview_candidate_time(self):
        reader_zone = valid_zone(self.env.context.get("tz")) or valid_zone(self.env.user.tz)
        for applicant in self:
            zone = valid_zone(applicant.cronofy_current_request_id.interview_tzid)
            booked = applicant.cronofy_scheduling_state in BOOKED_STATES
            applicant.cronofy_interview_candidate_time = (
                booked
                and applicant.cronofy_interview_start
                and zone
                and zone != reader_zone
                and format_interview_time(self.env, applicant.cronofy_interview_start, zone)
            ) or False
