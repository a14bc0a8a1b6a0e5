"""A nudge for the recruiter when a candidate leaves a scheduling link unbooked.

Cronofy does not remind candidates (market notes: reminders n/f in its Scheduler docs),
so after ``hr_recruitment_cronofy.follow_up_after_days`` (default 3; 0 turns it off) an
open link with no time chosen gets one "Scheduling follow-up" activity on the
applicant, for the recruiter. It disappears by itself once the request leaves "Link
sent" (time chosen, declined, cancelled, expired).
"""

import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models

from .config_parameters import number_parameter

_logger = logging.getLogger(__name__)

FOLLOW_UP_PARAM = "hr_recruitment_cronofy.follow_up_after_days"
DEFAULT_FOLLOW_UP_DAYS = 3
FOLLOW_UP_ACTIVITY = "hr_recruitment_cronofy.mail_activity_type_cronofy_follow_up"
FOLLOW_UP_BATCH_SIZE = 500


class CronofySchedulingRequest(models.Model):
    _inherit = "cronofy.scheduling.request"

    followed_up_at = fields.Datetime(
        "Follow-up Scheduled",
        readonly=True,
        copy=False,
        help="When the recruiter got an activity because the link was still unbooked.",
    )

    @api.model
    def _follow_up_after(self):
        """The delay before a follow-up, or None when follow-ups are off."""
        days = number_parameter(self.env, FOLLOW_UP_PARAM, DEFAULT_FOLLOW_UP_DAYS)
        return timedelta(days=days) if days else None

    @api.model
    def _cron_follow_up_unbooked(self):
        delay = self._follow_up_after()
        if delay is None:
            return
        unbooked = self.sudo().search(
            [
                ("state", "=", "pending"),
                ("followed_up_at", "=", False),
                ("create_date", "<=", fields.Datetime.now() - delay),
            ],
            order="create_date, id",
            limit=FOLLOW_UP_BATCH_SIZE,
        )
        for request in unbooked:
            request._schedule_follow_up()
        if unbooked:
            _logger.info("Scheduling follow-ups for %s unbooked links", len(unbooked))

    def _schedule_follow_up(self):
        self.ensure_one()
        applicant = self.applicant_id
        responsible = applicant.user_id or applicant.job_id.user_id or self.user_id
        candidate = applicant.partner_name or applicant.display_name
        days = (fields.Datetime.now() - self.create_date).days
        applicant.activity_schedule(
            FOLLOW_UP_ACTIVITY,
            summary=self.env._("No interview time chosen yet"),
            note=Markup("<p>{}</p>").format(
                self.env._(
                    "%(candidate)s received a scheduling link %(days)s days ago and has not "
                    "chosen a time. Remind them, or send a new link.",
                    candidate=candidate,
                    days=days,
                )
            ),
            user_id=(responsible or self.env.ref("base.user_admin")).id,
        )
        self.followed_up_at = fields.Datetime.now()

    def _set_state(self, new_state, values=None):
        result = super()._set_state(new_state, values)
        if new_state != "pending":
            answered = self.filtered("followed_up_at")
            if answered:
                answered.applicant_id.activity_unlink([FOLLOW_UP_ACTIVITY])
        return result
