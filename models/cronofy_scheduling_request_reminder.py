"""An optional reminder mail for the candidate when a scheduling link stays unbooked.

Off by default: after ``hr_recruitment_cronofy.reminder_after_days`` days (system
parameter; 0 or unset keeps it off) a link still waiting for a booking gets the mail
template ``mail_template_scheduling_reminder`` once, sent to the candidate from the
applicant's recruiter. It comes before the recruiter's follow-up (see
cronofy_scheduling_request_follow_up): a link the recruiter was already asked to follow
up gets no automatic reminder, so the delay should be shorter than the follow-up's.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models

from .config_parameters import number_parameter

_logger = logging.getLogger(__name__)

REMINDER_PARAM = "hr_recruitment_cronofy.reminder_after_days"
REMINDER_TEMPLATE = "hr_recruitment_cronofy.mail_template_scheduling_reminder"
REMINDER_BATCH_SIZE = 200


class CronofySchedulingRequest(models.Model):
    _inherit = "cronofy.scheduling.request"

    reminded_at = fields.Datetime(
        "Candidate Reminded",
        readonly=True,
        copy=False,
        help="When the candidate was reminded by mail that the link is still unbooked.",
    )

    @api.model
    def _cron_remind_unbooked(self):
        days = number_parameter(self.env, REMINDER_PARAM, 0)
        template = self.env.ref(REMINDER_TEMPLATE, raise_if_not_found=False)
        if not days or not template:
            return 0
        due = self.sudo().search(
            [
                ("state", "=", "pending"),
                ("reminded_at", "=", False),
                ("followed_up_at", "=", False),
                ("candidate_url", "!=", False),
                ("create_date", "<=", fields.Datetime.now() - timedelta(days=days)),
            ],
            order="create_date, id",
            limit=REMINDER_BATCH_SIZE,
        )
        # Marked first: whatever happens to one mail, no candidate gets two.
        due.write({"reminded_at": fields.Datetime.now()})
        reminded = due.filtered(lambda request: request._should_remind())
        for request in reminded:
            author = request.applicant_id.user_id or request.user_id
            request._post_link_mail(template, author_id=author.partner_id.id or None)
        if reminded:
            _logger.info("Scheduling reminders sent to %s candidates", len(reminded))
        return len(reminded)

    def _should_remind(self):
        """The mail shows the applicant's current link: remind only about that one, to
        a candidate with an email address on an applicant still in the process."""
        self.ensure_one()
        applicant = self.applicant_id
        return bool(
            applicant.active
            and applicant.email_from
            and applicant.cronofy_current_request_id == self
        )
