"""Asking Cronofy instead of trusting a guess: the reconciler.

Cronofy's answer to a query describes a request as it is now. The reconciler asks
for it in three cases and turns every answer that shows a change into an inbox row,
so it goes through exactly the same processing (ordering and duplicate rules) as a
push notification:

- a link still ``pending`` long after it was sent (a notification may be lost);
- a notification Odoo cannot read the meaning of (an unknown type);
- a connection that receives no push notifications at all while requests are open
  (whether Cronofy pushes for requests created with an Organization Connect token
  depends on the customer's Cronofy setup): then every open request is polled every
  few minutes, within the rate limiter's budget.

An answer Odoo cannot read either (an undocumented ``slot_selection`` without a
booked time) changes nothing: the recruiter gets an activity to check in Cronofy.
"""

import json
import logging
from datetime import UTC, timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..cronofy_protocol import CronofyError, NotificationType, RequestState, read_request_state
from ..cronofy_protocol.notifications import thaw
from .config_parameters import number_parameter
from .cronofy_notification import RetryableProcessingError
from .cronofy_scheduling_request import BOOKED_STATES

_logger = logging.getLogger(__name__)

RECONCILE_AGE_PARAM = "hr_recruitment_cronofy.reconcile_after_hours"
DEFAULT_RECONCILE_AGE_HOURS = 24
SILENT_POLL_PARAM = "hr_recruitment_cronofy.silent_poll_minutes"
DEFAULT_SILENT_POLL_MINUTES = 5
# A stale pending request is asked about at most this often.
STALE_REQUERY_INTERVAL = timedelta(hours=1)
RECONCILE_BATCH_SIZE = 100
# Ids per query call: one call of the rate limiter's budget each.
QUERY_CHUNK = 50
# Requests the poller follows: sent (Cronofy knows them) and not ended.
POLLED_STATES = ("pending", "time_chosen", "rescheduled")


class CronofySchedulingRequest(models.Model):
    _inherit = "cronofy.scheduling.request"

    # ------------------------------------------------------------------
    # The cron
    # ------------------------------------------------------------------

    @api.model
    def _reconcile_age(self):
        hours = number_parameter(self.env, RECONCILE_AGE_PARAM, DEFAULT_RECONCILE_AGE_HOURS)
        return timedelta(hours=hours)

    @api.model
    def _silent_poll_interval(self):
        minutes = number_parameter(self.env, SILENT_POLL_PARAM, DEFAULT_SILENT_POLL_MINUTES)
        return timedelta(minutes=max(minutes, 1))

    @api.model
    def _cron_reconcile_pending(self):
        """Every few minutes: stale pending links (hourly each), and every open
        request of a connection that hears nothing from Cronofy (every few minutes)."""
        # The transaction's clock, as create_date: a request created in this very
        # transaction is "0 hours old", not a fraction of a second in the future.
        now = self.env.cr.now()
        Request = self.sudo()
        due = Request.search(
            [
                ("state", "=", "pending"),
                ("cronofy_id", "!=", False),
                ("create_date", "<=", now - self._reconcile_age()),
                "|",
                ("reconciled_at", "=", False),
                ("reconciled_at", "<=", now - STALE_REQUERY_INTERVAL),
            ],
            order="reconciled_at asc nulls first, id",
            limit=RECONCILE_BATCH_SIZE,
        )
        for connection in self.env["cronofy.connection"].sudo().search([]):
            if connection._push_is_silent():
                due |= Request.search(
                    [
                        ("company_id", "=", connection.company_id.id),
                        ("state", "in", POLLED_STATES),
                        ("cronofy_id", "!=", False),
                        "|",
                        ("reconciled_at", "=", False),
                        ("reconciled_at", "<=", now - self._silent_poll_interval()),
                    ],
                    order="reconciled_at asc nulls first, id",
                    limit=RECONCILE_BATCH_SIZE,
                )
        for company, requests in due.grouped("company_id").items():
            connection = self.env["cronofy.connection"]._for_company(company)
            try:
                requests._reconcile_with_cronofy(connection, budgeted=True)
            except (CronofyError, UserError) as error:
                _logger.warning(
                    "Cronofy reconciler: company %s: query failed: %s", company.id, error
                )

    # ------------------------------------------------------------------
    # Asking and queueing
    # ------------------------------------------------------------------

    def _reconcile_with_cronofy(self, connection, budgeted=False):
        """Query these requests (one company) and queue what changed. Returns the
        number of inbox rows queued. Raises CronofyError / UserError when Cronofy
        cannot be asked. ``budgeted``: stop (quietly) when the rate limiter's budget
        is spent; the rest is asked on the next run."""
        queued = 0
        silent = connection._push_is_silent()
        for start in range(0, len(self), QUERY_CHUNK):
            chunk = self[start : start + QUERY_CHUNK]
            if budgeted and self.env["cronofy.rate.limiter"]._reserve(connection._rate_limit_key()):
                break
            with connection._scheduler_client() as client:
                found = client.query_scheduling_requests(chunk.mapped("cronofy_id"))
            chunk.write({"reconciled_at": fields.Datetime.now()})
            queued += chunk._queue_cronofy_answers(connection, found)
        if queued and silent:
            connection._note_missed_push()
        return queued

    def _queue_cronofy_answers(self, connection, found):
        """One reconciler inbox row per answer that shows a change."""
        by_cronofy_id = {request.cronofy_id: request for request in self}
        now = fields.Datetime.now()
        # The answer describes the request as it is now, so any notification
        # triggered earlier is older than this one and cannot undo it.
        triggered_at = now.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        queued = 0
        for scheduling_request in found:
            request = by_cronofy_id.get(scheduling_request.scheduling_request_id)
            if not request:
                continue
            notification_type = request._type_of_change(scheduling_request)
            if not notification_type:
                continue
            payload = {
                "notification": {"type": str(notification_type), "triggered_at": triggered_at},
                "scheduling_request": thaw(scheduling_request.raw),
            }
            body = json.dumps(payload).encode()
            stored = (
                self.env["cronofy.notification"]
                .sudo()
                ._store(connection, body, payload, source="reconciler")
            )
            queued += bool(stored)
        return queued

    def _type_of_change(self, scheduling_request):
        """The notification type Cronofy's answer amounts to for this request, or
        None when it shows nothing new (or nothing Odoo can read: then an activity)."""
        self.ensure_one()
        reading = read_request_state(scheduling_request)
        if reading.state is RequestState.BOOKED:
            if self.state not in BOOKED_STATES:
                return NotificationType.TIME_CHOSEN
            if reading.start and _naive(reading.start.time) != self.interview_start:
                return NotificationType.RESCHEDULED
            return None
        if reading.state is RequestState.DECLINED and self.state != "declined":
            return NotificationType.DECLINED
        if reading.state is RequestState.CANCELLED and self.state != "cancelled":
            return NotificationType.CANCELLED
        if reading.state is RequestState.UNKNOWN:
            self._ask_recruiter_to_check(reading.reason)
        return None

    def _ask_recruiter_to_check(self, reason):
        """Cronofy said something Odoo cannot read: leave the interview as it is and
        ask a person, once (an open activity with this summary is not repeated)."""
        self.ensure_one()
        applicant = self.applicant_id.sudo()
        summary = self.env._("Check this scheduling request in Cronofy")
        if applicant.activity_ids.filtered(lambda activity: activity.summary == summary):
            return
        _logger.warning("Cronofy request %s: %s", self.cronofy_id, reason)
        applicant.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=Markup("<p>{}</p><p>{}</p>").format(
                self.env._(
                    "Cronofy's answer about scheduling request %(request)s could not be "
                    "read, so Odoo changed nothing. Open it in Cronofy's dashboard and "
                    "update the interview by hand if needed.",
                    request=self.cronofy_id,
                ),
                reason,
            ),
            user_id=(self.user_id or applicant.user_id or self.env.ref("base.user_admin")).id,
        )

    # ------------------------------------------------------------------
    # A notification Odoo cannot read the meaning of
    # ------------------------------------------------------------------

    def _ask_cronofy_about(self, notification_row, why):
        """Apply what Cronofy says now about this request, in place of a notification
        whose meaning Odoo cannot derive. Returns (inbox state, message)."""
        self.ensure_one()
        connection = notification_row.connection_id
        if not connection:
            return "skipped", self.env._(
                "%(why)s No connection to ask Cronofy with any more.", why=why
            )
        if self.reconciled_at and self.reconciled_at > notification_row.received_at:
            return "done", self.env._(
                "%(why)s Cronofy was asked about this request after it arrived; its "
                "answer has been applied.",
                why=why,
            )
        if self.env["cronofy.rate.limiter"]._reserve(connection._rate_limit_key()):
            raise RetryableProcessingError(
                self.env._("%(why)s Cronofy's rate limit is reached; asking later.", why=why)
            )
        try:
            queued = self._reconcile_with_cronofy(connection)
        except (CronofyError, UserError) as error:
            raise RetryableProcessingError(
                self.env._("%(why)s Asking Cronofy failed: %(error)s", why=why, error=error)
            ) from None
        if queued:
            return "done", self.env._(
                "%(why)s Asked Cronofy: its answer is queued as a reconciler notification.",
                why=why,
            )
        return "done", self.env._("%(why)s Asked Cronofy: nothing changed.", why=why)


def _naive(moment_time):
    return moment_time.astimezone(UTC).replace(tzinfo=None)
