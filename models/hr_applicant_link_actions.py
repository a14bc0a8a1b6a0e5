"""Resend and cancel the applicant's current scheduling link from the applicant."""

from odoo import models
from odoo.exceptions import UserError

from .access import RECRUITMENT_OFFICER, check_groups
from .cronofy_scheduling_request import OPEN_STATES


class HrApplicant(models.Model):
    _inherit = "hr.applicant"

    def action_resend_cronofy_link(self):
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Resending scheduling links"))
        self.check_access("write")
        requests = self._cronofy_current_requests(
            ("pending",), self.env._("%(candidate)s has no link waiting for a booking to resend.")
        )
        return requests.action_resend_link()

    def action_cancel_cronofy_link(self):
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Cancelling scheduling requests"))
        self.check_access("write")
        requests = self._cronofy_current_requests(
            OPEN_STATES, self.env._("%(candidate)s has no open scheduling link to cancel.")
        )
        return requests.action_cancel()

    def _cronofy_current_requests(self, states, refusal):
        """The applicants' current requests, each in one of ``states``; else a
        UserError (``refusal``, with %(candidate)s) naming the first one without."""
        for applicant in self:
            if applicant.cronofy_current_request_id.state not in states:
                raise UserError(
                    refusal % {"candidate": applicant.partner_name or applicant.display_name}
                )
        return self.cronofy_current_request_id
