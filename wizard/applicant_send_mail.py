from odoo import models

from ..models.access import RECRUITMENT_INTERVIEWER, check_groups
from .mail_compose_message import LINK_FIELDS


class ApplicantSendMail(models.TransientModel):
    """hr_recruitment's "Send Email" wizard for several applicants.

    It has no way to create a scheduling link, so it must not send the invitation
    to applicants who have none: the candidate would get an empty link."""

    _inherit = "applicant.send.mail"

    def action_send(self):
        # The wizard's own ACL: interviewers and officers, for applicants they can read.
        check_groups(self, RECRUITMENT_INTERVIEWER, self.env._("Sending emails to applicants"))
        self.ensure_one()
        # As the wizard names them: reading applicant_ids as the caller would silently
        # drop the applicants they cannot read instead of refusing.
        self.env["hr.applicant"].browse(self.sudo().applicant_ids.ids).check_access("read")
        body = str(self.body or "") + str(self.template_id.body_html or "")
        uses_link = any(name in body for name in LINK_FIELDS)
        missing = uses_link and self.applicant_ids.filtered(
            lambda applicant: not applicant.cronofy_scheduling_url
        )
        if missing:
            names = ", ".join(missing.mapped(lambda a: a.partner_name or a.display_name))
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "danger",
                    "sticky": True,
                    "message": self.env._(
                        "These applicants have no scheduling link yet, so the e-mail "
                        "would carry an empty one: %(names)s. Use 'Send scheduling link' "
                        "on each applicant, or move them to a stage with a Cronofy "
                        "scheduling template.",
                        names=names,
                    ),
                },
            }
        return super().action_send()
