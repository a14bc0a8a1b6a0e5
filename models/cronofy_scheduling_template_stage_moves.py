"""Optional stage moves that follow a booking, set per scheduling template: "when the
candidate chooses a time, move the applicant to stage X" and "when the interview is
declined or cancelled, move it back out to stage Y". The way back applies only to an
applicant still in X, so a recruiter's own move since the booking is never undone.

The moves never send another link (even into a stage with a scheduling template) and
skip refused or archived applicants and stages of another job.
"""

from odoo import models

from .applicant_context import NO_AUTOMATION_KEY
from .cronofy_scheduling_request import BOOKED_STATES

UNBOOKED_STATES = ("declined", "cancelled")


class CronofySchedulingRequest(models.Model):
    _inherit = "cronofy.scheduling.request"

    def _move_applicants_for_state(self, new_state, previous_states):
        """Called by _set_state (``previous_states``: {request id: state before}): the
        stage moves ``new_state`` asks for. Only the first booking moves the applicant
        in; a reschedule leaves it where the recruiter may have moved it since."""
        moves = {}
        for request in self.filtered("template_id"):
            template = request.template_id.sudo()
            applicant = request.applicant_id.sudo()
            if new_state in BOOKED_STATES:
                if previous_states.get(request.id) in BOOKED_STATES:
                    continue
                stage = template.booked_stage_id
            elif new_state in UNBOOKED_STATES and applicant.stage_id == template.booked_stage_id:
                stage = template.unbooked_stage_id
            else:
                continue
            job = applicant.job_id
            fits_job = not stage.job_ids or job in stage.job_ids
            if stage and fits_job and applicant.active and applicant.stage_id != stage:
                moves.setdefault(stage, applicant.browse())
                moves[stage] |= applicant
        for stage, applicants in moves.items():
            applicants.with_context(**{NO_AUTOMATION_KEY: True}).write({"stage_id": stage.id})
