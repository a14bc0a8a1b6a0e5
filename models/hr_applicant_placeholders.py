"""What scheduling templates may read on the applicant, and two values made for them:
the interviewers' names (a many2many has no plain field path) and the rendered email
introduction of the template behind the applicant's current link."""

import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

# Plain paths a recruitment manager outside "Mail Template Editor" may use. They are
# rendered by the regex renderer (no evaluation) and hold nothing a recruiter cannot
# already read on the applicant. The placeholder picker shows a non-editor only listed
# paths, so the many2one steps are listed too, to be able to open them (as core lists
# object.partner_id); a placeholder ending on a record is refused on save.
SCHEDULING_TEMPLATE_PATHS = (
    "object.partner_name",
    "object.partner_id.lang",
    "object.job_id",
    "object.job_id.name",
    "object.department_id",
    "object.department_id.name",
    "object.company_id",
    "object.company_id.name",
    "object.stage_id",
    "object.stage_id.name",
    "object.cronofy_interviewer_names",
    "object.cronofy_scheduling_intro",
)


class HrApplicant(models.Model):
    _inherit = "hr.applicant"

    cronofy_interviewer_names = fields.Char(
        "Interviewer Names",
        compute="_compute_cronofy_interviewer_names",
        help="The interviewers' names, comma separated, for scheduling templates.",
    )
    cronofy_scheduling_intro = fields.Html(
        "Scheduling Email Introduction",
        compute="_compute_cronofy_scheduling_intro",
        sanitize=False,
        help="The email introduction of the scheduling template behind the current "
        "link, filled in for this applicant. Use it in mail templates as "
        '<t t-out="object.cronofy_scheduling_intro"/>.',
    )

    @api.depends("interviewer_ids.name")
    def _compute_cronofy_interviewer_names(self):
        for applicant in self:
            applicant.cronofy_interviewer_names = ", ".join(
                applicant.interviewer_ids.mapped("name")
            )

    @api.depends("cronofy_current_request_id.template_id.mail_intro")
    def _compute_cronofy_scheduling_intro(self):
        for applicant in self:
            # Which template is behind the link is not secret; the applicant's fields
            # are read with the rights of whoever renders the mail.
            template = applicant.cronofy_current_request_id.sudo().template_id.with_env(self.env)
            intro = False
            if template.mail_intro and applicant.id:
                try:
                    intro = template._cronofy_render_for(applicant).get("mail_intro") or False
                except Exception:  # noqa: BLE001 - a broken intro must not break the mail
                    _logger.info(
                        "Scheduling intro of template %s failed for applicant %s",
                        template.id,
                        applicant.id,
                        exc_info=True,
                    )
            applicant.cronofy_scheduling_intro = intro

    # @api.model like the base method: the placeholder picker calls it without ids
    # (an undecorated override, as in hr_applicant.py, breaks the picker on applicants).
    @api.model
    def mail_allowed_qweb_expressions(self):
        return super().mail_allowed_qweb_expressions() + SCHEDULING_TEMPLATE_PATHS
