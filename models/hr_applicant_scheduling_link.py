"""Sending the scheduling link by hand: the applicant's "Send scheduling link" button
and what an applicant needs before the Embedded Scheduler can create a link."""

from odoo import models
from odoo.exceptions import UserError

from .access import RECRUITMENT_OFFICER, check_groups

SCHEDULING_LINK_TEMPLATE = "hr_recruitment_cronofy.mail_template_schedule_interview"


class HrApplicant(models.Model):
    _inherit = "hr.applicant"

    def action_send_cronofy_scheduling_link(self):
        """Open the mail composer with the invitation template. When the applicant
        has no open link yet, Send first opens the Embedded Scheduler to create one
        (see mail.compose.message)."""
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Sending scheduling links"))
        self.ensure_one()
        self.check_access("write")
        self._check_cronofy_can_receive_link()
        template = self.env.ref(SCHEDULING_LINK_TEMPLATE, raise_if_not_found=False)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send scheduling link"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_composition_mode": "comment",
                "default_template_id": template.id if template else False,
                "default_email_layout_xmlid": "mail.mail_notification_light",
            },
        }

    def _check_cronofy_can_receive_link(self):
        """A link is only useful to a candidate we can email."""
        for applicant in self:
            if not applicant.email_from:
                raise UserError(
                    self.env._(
                        "%(candidate)s has no email address: add one to the candidate "
                        "before sending a scheduling link.",
                        candidate=applicant.partner_name or applicant.display_name,
                    )
                )
