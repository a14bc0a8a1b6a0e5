"""What a recruiter does with a link already sent: mail it again (the same link) or
cancel it. Copying needs no server code: the forms show it with a copy button."""

from odoo import models
from odoo.exceptions import UserError

from .access import RECRUITMENT_OFFICER, check_groups

INVITATION_TEMPLATE = "hr_recruitment_cronofy.mail_template_schedule_interview"


class CronofySchedulingRequest(models.Model):
    _inherit = "cronofy.scheduling.request"

    def action_resend_link(self):
        """Mail the candidate the same link again, with the mail the stage's scheduling
        template sends, else the shipped invitation."""
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Resending scheduling links"))
        self.check_access("write")
        self.applicant_id.check_access("write")
        for request in self:
            request._check_can_resend()
        for request in self:
            request._post_link_mail(request._resend_mail_template())
        return True

    def _check_can_resend(self):
        self.ensure_one()
        candidate = self.applicant_id.partner_name or self.env._("The candidate")
        if self.state != "pending" or not self.candidate_url:
            raise UserError(
                self.env._(
                    "Only a link waiting for %(candidate)s to choose a time can be sent again "
                    "(this one is %(state)s).",
                    candidate=candidate,
                    state=self._state_label(self.state),
                )
            )
        if self.applicant_id.cronofy_current_request_id != self:
            # The mail's placeholders show the applicant's current link, not this one.
            raise UserError(
                self.env._(
                    "%(candidate)s has a newer scheduling link: resend that one from the "
                    "applicant, or cancel it first.",
                    candidate=candidate,
                )
            )
        self.applicant_id._check_cronofy_can_receive_link()

    def _resend_mail_template(self):
        self.ensure_one()
        mail_template = self.template_id.mail_template_id or self.env.ref(
            INVITATION_TEMPLATE, raise_if_not_found=False
        )
        if not mail_template:
            raise UserError(
                self.env._("The invitation email template is missing: update the module.")
            )
        return mail_template
