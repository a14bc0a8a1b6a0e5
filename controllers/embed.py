"""JSON routes behind the Embedded Scheduler dialog of the mail composer.

Only recruitment officers who may edit the applicant get an embed token or record a
request; the checks and validation live on ``cronofy.scheduling.request``.
"""

import logging

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

_logger = logging.getLogger(__name__)

RECRUITER_GROUP = "hr_recruitment.group_hr_recruitment_user"


class CronofyEmbedController(http.Controller):
    @http.route("/cronofy/embed/prepare", type="json", auth="user", methods=["POST"])
    def cronofy_embed_prepare(self, applicant_id=None, **kwargs):
        applicant = self._applicant_for_recruiter(applicant_id)
        return request.env["cronofy.scheduling.request"]._embed_prepare(applicant)

    @http.route("/cronofy/embed/request_created", type="json", auth="user", methods=["POST"])
    def cronofy_embed_request_created(
        self, applicant_id=None, correlation_id=None, scheduling_request=None, **kwargs
    ):
        applicant = self._applicant_for_recruiter(applicant_id)
        if not isinstance(correlation_id, str):
            raise UserError(request.env._("The scheduling session is missing."))
        record = request.env["cronofy.scheduling.request"]._record_from_embed(
            applicant, correlation_id, scheduling_request
        )
        return {"id": record.id, "candidate_url": record.candidate_url}

    def _applicant_for_recruiter(self, applicant_id):
        env = request.env
        if not env.user.has_group(RECRUITER_GROUP):
            _logger.info("Cronofy embed refused for user %s: not a recruiter", env.uid)
            raise AccessError(env._("Only recruitment officers can send scheduling links."))
        if isinstance(applicant_id, bool) or not isinstance(applicant_id, int):
            raise UserError(env._("No applicant was given."))
        applicant = env["hr.applicant"].browse(applicant_id).exists()
        if not applicant:
            raise UserError(env._("This applicant no longer exists."))
        applicant.check_access("write")
        return applicant
