"""The background work of scheduling requests, inherited by ``cronofy.scheduling.request``
(as google_calendar's ``google.calendar.sync`` is by ``calendar.event``). The crons in
data/ call these methods on the request model.

Stage automation. A request in state ``queued`` with a ``template_id`` is a job: the
user's transaction only inserts it (cheap, batched) and triggers the cron; the cron
worker creates it at Cronofy, stores the link and mails it. All coordination lives in
PostgreSQL:

* a partial unique index allows one open request per (applicant, template), so
  concurrent moves and workers can never produce two links;
* workers claim rows with ``FOR UPDATE SKIP LOCKED`` and reserve each call against the
  per-application rate limit (``cronofy.rate.limiter``);
* Odoo runs one cron record in one worker at a time, so the queue has several senders
  (cron records running the same method, ``hr_recruitment_cronofy.sending_lanes`` of
  them active): with as many cron workers, on one Odoo server or several, they drain it
  in parallel. Nothing else is shared between them: no lock is held across a Cronofy
  call (the claim's lock ends with the commit before it), and the only row they all
  write is the rate limiter's, in a cursor of its own, for a few milliseconds;
* the link's mail goes to Odoo's outgoing mail queue (``mail.mail``, sent by Odoo's
  mail cron, triggered at once): the sender goes on with the next link instead of
  talking SMTP, and the chatter shows the message immediately;
* before calling Cronofy the worker commits ``dispatch_started_at``: Cronofy has no
  idempotency key, so a row found later with that mark but without an answer may or may
  not exist at Cronofy. It is never created again automatically; it is marked failed
  ("outcome unknown") with an activity asking the recruiter to check Cronofy.

Cancellations. A request cancelled in Odoo is cancelled at Cronofy by the same cron,
never by an HTTP call in the user's transaction.

The reconciler: asking Cronofy instead of trusting a guess. Cronofy's answer to a
query describes a request as it is now. The reconciler asks for it in three cases and
turns every answer that shows a change into an inbox row, so it goes through exactly
the same processing (ordering and duplicate rules) as a push notification:

- a link still ``pending`` long after it was sent (a notification may be lost);
- a notification Odoo cannot read the meaning of (an unknown type);
- a connection that receives no push notifications at all while requests are open
  (whether Cronofy pushes for requests created with an Organization Connect token
  depends on the customer's Cronofy setup): then every open request is polled every
  few minutes, within the rate limiter's budget.

An answer Odoo cannot read either (an undocumented ``slot_selection`` without a booked
time) changes nothing: the recruiter gets an activity to check in Cronofy.

Unbooked links. Cronofy does not remind candidates (market notes: reminders n/f in its
Scheduler docs). After ``hr_recruitment_cronofy.follow_up_after_days`` (default 3; 0
turns it off) an open link with no time chosen gets one "Scheduling follow-up" activity
on the applicant, for the recruiter; it disappears by itself once the request leaves
"Link sent". Optionally, and off by default, after
``hr_recruitment_cronofy.reminder_after_days`` days the candidate gets the reminder mail
``mail_template_scheduling_reminder`` once, from the applicant's recruiter. It comes
before the recruiter's follow-up: a link the recruiter was already asked to follow up
gets no automatic reminder, so its delay should be shorter than the follow-up's.
"""

import json
import logging
import time
from datetime import UTC, timedelta

import psycopg2.errors
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..cronofy_protocol import (
    NO_RETRY,
    CronofyConnectionError,
    CronofyError,
    CronofyTimeoutError,
    NotFoundError,
    NotificationType,
    OutcomeUnknownError,
    RateLimitedError,
    RequestState,
    ServerError,
    UnauthorizedError,
    ValidationFailedError,
    read_request_state,
    recipient,
)
from ..cronofy_protocol.notifications import thaw
from .config_parameters import number_parameter
from .cron_wakeup import trigger_crons
from .cronofy_notification import RetryableProcessingError
from .queue_policy import REQUEST_RETRY, commit_unless_testing, is_testing
from .scheduling_states import BOOKED_STATES, OPEN_STATES

_logger = logging.getLogger(__name__)

AUTOMATION_CRON = "hr_recruitment_cronofy.ir_cron_cronofy_automation_queue"
# Senders 2..MAX_SENDING_LANES (data/cronofy_automation_data.xml); sender 1 is AUTOMATION_CRON.
SENDER_XMLID = "hr_recruitment_cronofy.ir_cron_cronofy_automation_queue_lane_%d"
SENDING_LANES_PARAM = "hr_recruitment_cronofy.sending_lanes"
MAX_SENDING_LANES = 8
MAIL_QUEUE_CRON = "mail.ir_cron_mail_scheduler_action"
# A create whose worker vanished for this long is treated as interrupted. Far longer
# than the client's timeouts (5 s connect + 30 s read).
IN_FLIGHT_LEASE = timedelta(minutes=5)
# One cron run stays well under Odoo's cron time limit, then triggers itself again.
RUN_BUDGET_SECONDS = 45.0
# When every due row waits for its application's rate window, the sender sleeps until
# the first window opens, if the run (work and sleep) ends within this: Odoo's cron
# wakes a sender for a trigger in the future only on its next poll, up to a minute
# late, while a window of 500/min reopens to the second. Longer waits (a long
# Retry-After) are left to such a trigger.
MAX_RUN_WITH_WAIT_SECONDS = 65.0
# Work a sender still does after such a sleep (a run stays under 80 s, well inside
# Odoo's default cron time limit of 120 s).
WORK_AFTER_WAIT_SECONDS = 10.0

# company_id <> ALL(...): companies whose application has no slot now are skipped, so
# one company at its rate limit never holds up another's links.
CLAIM_CREATE_SQL = """
    SELECT id FROM cronofy_scheduling_request
     WHERE state = 'queued'
       AND template_id IS NOT NULL
       AND dispatch_started_at IS NULL
       AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
       AND company_id <> ALL(%s::int[])
     ORDER BY next_attempt_at NULLS FIRST, id
     LIMIT 1
       FOR UPDATE SKIP LOCKED
"""
CLAIM_CANCEL_SQL = """
    SELECT id FROM cronofy_scheduling_request
     WHERE cronofy_cancel_pending
       AND cronofy_id IS NOT NULL
       AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
       AND company_id <> ALL(%s::int[])
     ORDER BY next_attempt_at NULLS FIRST, id
     LIMIT 1
       FOR UPDATE SKIP LOCKED
"""
CLAIM_INTERRUPTED_SQL = """
    SELECT id FROM cronofy_scheduling_request
     WHERE state = 'queued'
       AND dispatch_started_at IS NOT NULL
       AND dispatch_started_at < %s
       FOR UPDATE SKIP LOCKED
"""

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

FOLLOW_UP_PARAM = "hr_recruitment_cronofy.follow_up_after_days"
DEFAULT_FOLLOW_UP_DAYS = 3
FOLLOW_UP_ACTIVITY = "hr_recruitment_cronofy.mail_activity_type_cronofy_follow_up"
FOLLOW_UP_BATCH_SIZE = 500

REMINDER_PARAM = "hr_recruitment_cronofy.reminder_after_days"
REMINDER_TEMPLATE = "hr_recruitment_cronofy.mail_template_scheduling_reminder"
REMINDER_BATCH_SIZE = 200


class AutomationFailure(Exception):
    """A request that cannot be created as it stands; ``str()`` is for the recruiter.
    Raised by the checks before sending (the queue's and the record's texts); the
    worker turns it into a failed request with an activity."""


def _naive_utc(moment_time):
    return moment_time.astimezone(UTC).replace(tzinfo=None)


class CronofySchedulingQueue(models.AbstractModel):
    _name = "cronofy.scheduling.queue"
    _description = "Cronofy Scheduling Request Queue"

    # Bookkeeping of the queue, not of the request's story.
    attempts = fields.Integer(readonly=True, copy=False)
    next_attempt_at = fields.Datetime("Next Attempt", readonly=True, copy=False)
    last_error = fields.Text(
        readonly=True,
        copy=False,
        help="The last attempt's error while Odoo is still retrying (a failed request "
        "shows why in its failure reason instead).",
    )
    dispatch_started_at = fields.Datetime(
        "Sending Since",
        readonly=True,
        copy=False,
        help="Set (and committed) just before Odoo asks Cronofy to create the request.",
    )
    outcome_unknown = fields.Boolean(
        readonly=True,
        copy=False,
        help="Cronofy may have created this request although Odoo got no answer: check "
        "Cronofy's dashboard before retrying.",
    )
    cronofy_cancel_pending = fields.Boolean(
        "Cancel at Cronofy",
        readonly=True,
        copy=False,
        help="Cancelled in Odoo; the cron still has to cancel it at Cronofy.",
    )
    reconciled_at = fields.Datetime(
        readonly=True, help="When the reconciler last asked Cronofy about this request."
    )
    followed_up_at = fields.Datetime(
        "Follow-up Scheduled",
        readonly=True,
        copy=False,
        help="When the recruiter got an activity because the link was still unbooked.",
    )
    reminded_at = fields.Datetime(
        "Candidate Reminded",
        readonly=True,
        copy=False,
        help="When the candidate was reminded by mail that the link is still unbooked.",
    )

    # ------------------------------------------------------------------
    # Queueing again and cancelling (called by the user actions)
    # ------------------------------------------------------------------

    def _requeue(self):
        """Queue these failed automation requests again, from a clean slate."""
        for request in self:
            request._set_state(
                "queued",
                {
                    "attempts": 0,
                    "next_attempt_at": False,
                    "dispatch_started_at": False,
                    "outcome_unknown": False,
                    "failure_reason": False,
                    "last_error": False,
                },
            )
        self._trigger_link_senders()

    def _cancel_open(self, reason=None):
        """Cancel in Odoo now, and queue the Cronofy cancellation for the cron (never an
        HTTP call in the user's transaction). Returns the requests cancelled."""
        open_requests = self.filtered(lambda request: request.state in OPEN_STATES)
        if not open_requests:
            return open_requests
        for request in open_requests:
            request._set_state(
                "cancelled",
                {
                    "cronofy_cancel_pending": bool(request.cronofy_id),
                    "next_attempt_at": False,
                    "attempts": 0,
                    "last_error": reason or False,
                },
            )
        if open_requests.filtered("cronofy_cancel_pending"):
            self._trigger_link_senders()
        return open_requests

    # ------------------------------------------------------------------
    # The senders: cron records that drain the queue in parallel
    # ------------------------------------------------------------------

    @api.model
    def _sending_lanes_wanted(self):
        wanted = int(number_parameter(self.env, SENDING_LANES_PARAM, 1))
        return min(max(wanted, 1), MAX_SENDING_LANES)

    @api.model
    def _sender_crons(self):
        """``{sender number: its cron}`` (sudo), active or not, for those that exist."""
        senders = {1: self.env.ref(AUTOMATION_CRON)}
        for lane in range(2, MAX_SENDING_LANES + 1):
            senders[lane] = self.env.ref(SENDER_XMLID % lane, raise_if_not_found=False)
        return {lane: cron.sudo() for lane, cron in senders.items() if cron}

    @api.model
    def _link_senders(self):
        """The active sender crons."""
        crons = self.env["ir.cron"].sudo()
        for cron in self._sender_crons().values():
            crons |= cron
        return crons.filtered("active")

    @api.model
    def _trigger_link_senders(self, at=None):
        """Wake every active sender (at ``at``, else now). Those that find nothing
        left to claim end at once."""
        trigger_crons(self.env, self._link_senders(), at)

    @api.model
    def _sync_sending_lanes(self):
        """Activate senders 2..N for ``hr_recruitment_cronofy.sending_lanes`` = N and
        deactivate the others (Settings calls this on save). Sender 1 keeps the state
        the admin gave it: deactivating it stops sending links altogether."""
        wanted = self._sending_lanes_wanted()
        for lane, cron in self._sender_crons().items():
            if lane > 1 and cron.active != (lane <= wanted):
                cron.active = lane <= wanted
        return wanted

    # ------------------------------------------------------------------
    # The automation cron worker
    # ------------------------------------------------------------------

    @api.model
    def _cron_process_automation_queue(self):
        """Create queued requests and send pending cancellations at Cronofy, one row
        per transaction, within Cronofy's rate limits. Safe to run in several workers.
        Returns the number of rows handled."""
        testing = is_testing(self.env)
        started = time.monotonic()
        self._reconcile_interrupted_creates()
        processed = 0
        wait = None
        # company id -> monotonic time its application has a slot again
        waiting = {}
        deadline = started + RUN_BUDGET_SECONDS
        while time.monotonic() < deadline:
            now = time.monotonic()
            held = [company for company, ready in waiting.items() if ready > now]
            try:
                outcome = self._dispatch_next_cancel(held)
                if outcome is None:
                    outcome = self._dispatch_next_create(held)
            except psycopg2.errors.SerializationFailure:
                # Another worker updated the row after our snapshot: take a new one.
                if testing:
                    raise
                self.env.cr.rollback()
                continue
            if outcome is None:
                if not held:
                    break
                # Only rows of applications without a slot are due.
                wait = max(min(waiting[company] for company in held) - time.monotonic(), 0.0)
                if time.monotonic() - started + wait > MAX_RUN_WITH_WAIT_SECONDS:
                    # Too late in this run: a new run starting now waits it out,
                    # unless the wait is longer than any run may take.
                    if wait <= MAX_RUN_WITH_WAIT_SECONDS:
                        wait = 0.0
                    break
                time.sleep(wait)
                wait = None
                deadline = max(deadline, time.monotonic() + WORK_AFTER_WAIT_SECONDS)
                continue
            if isinstance(outcome, tuple):
                company_id, seconds = outcome
                waiting[company_id] = time.monotonic() + seconds
                continue
            processed += 1
        self._schedule_next_run(wait)
        _logger.info("Cronofy automation queue: %s request(s) processed", processed)
        return processed

    @api.model
    def _schedule_next_run(self, wait=None):
        now = fields.Datetime.now()
        self.env.flush_all()
        if wait is not None:
            self._trigger_link_senders(now + timedelta(seconds=wait))
            return
        self.env.cr.execute(
            "SELECT min(coalesce(next_attempt_at, %s)) FROM cronofy_scheduling_request "
            "WHERE (state = 'queued' AND template_id IS NOT NULL AND dispatch_started_at IS NULL)"
            "   OR (cronofy_cancel_pending AND cronofy_id IS NOT NULL)",
            [now],
        )
        next_at = self.env.cr.fetchone()[0]
        if next_at:
            self._trigger_link_senders(max(next_at, now))

    @api.model
    def _claim(self, query, held_company_ids=()):
        # Raw SQL sees only what was flushed (writes earlier in this transaction).
        self.env.flush_all()
        # A row another sender took and committed after this transaction's snapshot
        # raises a serialization failure (Odoo runs REPEATABLE READ): expected with
        # several senders, the worker loop starts over with a fresh snapshot, so it
        # is not logged as an ERROR.
        self.env.cr.execute(
            query, [fields.Datetime.now(), list(held_company_ids)], log_exceptions=False
        )
        row = self.env.cr.fetchone()
        return self.sudo().browse(row[0]) if row else None

    @api.model
    def _dispatch_next_create(self, held_company_ids=()):
        """Create one due queued request at Cronofy, as one unit of work, skipping
        the companies in ``held_company_ids``.

        Like ``_dispatch_next_cancel``, returns None when no row is due, 0.0 once a
        row was handled (whatever its outcome), and ``(company id, seconds)`` when
        that company's application has no slot yet for that long (the row was left
        untouched for later)."""
        request = self._claim(CLAIM_CREATE_SQL, held_company_ids)
        if request is None:
            return None
        try:
            connection = request._automation_preflight()
            rate_key = connection._rate_limit_key()
        except (AutomationFailure, UserError) as failure:
            request._automation_fail(failure.args[0])
            commit_unless_testing(self.env)
            return 0.0
        wait = self.env["cronofy.rate.limiter"]._reserve(rate_key)
        if wait:
            return self._set_aside(request, wait)
        # The point of no return: from here Cronofy may create the request, so the mark
        # must survive whatever happens to this worker.
        request.write({"dispatch_started_at": fields.Datetime.now()})
        commit_unless_testing(self.env)
        try:
            created = request._create_at_cronofy(connection)
        except RateLimitedError as error:
            self.env["cronofy.rate.limiter"]._hold(rate_key, error.retry_after)
            request._postpone(
                error.retry_after or 1.0,
                self.env._("Cronofy's rate limit was reached; retrying automatically."),
                count_attempt=False,
            )
        except OutcomeUnknownError as error:
            request._automation_fail(
                self.env._(
                    "Cronofy did not confirm the request (%(error)s). It may have been created "
                    "anyway: check Cronofy's dashboard for a request to %(email)s before "
                    "using Retry, so the candidate does not get two links.",
                    error=error,
                    email=request.applicant_id.email_from,
                ),
                outcome_unknown=True,
            )
        except (CronofyTimeoutError, CronofyConnectionError, ServerError) as error:
            # Only raised for a create when Cronofy did not get it (else: unknown).
            request._postpone(
                None, self.env._("Cronofy could not be reached: %s", error), count_attempt=True
            )
        except ValidationFailedError as error:
            if request._cronofy_refused_only_texts(error):
                request._cronofy_send_without_texts(error)
            else:
                request._automation_fail(request._describe_validation_error(error))
        except (CronofyError, UserError) as error:
            request._automation_fail(request._describe_api_error(error, connection))
        else:
            request._store_created_safely(created)
        commit_unless_testing(self.env)
        return 0.0

    def _create_at_cronofy(self, connection):
        """The one HTTP call that creates the request. A 401 in Organization Connect
        mode means the access token died early: refresh once and send again (a 401
        proves nothing was created)."""
        self.ensure_one()
        applicant = self.applicant_id
        recipients = [recipient(applicant.email_from, applicant.partner_name or None)]
        try:
            return self._create_with(connection._scheduler_client(NO_RETRY), recipients)
        except UnauthorizedError:
            if connection.sudo().api_access_mode != "organization_connect":
                raise
            connection._valid_access_token(force_refresh=True)
            return self._create_with(connection._scheduler_client(NO_RETRY), recipients)

    def _create_with(self, client, recipients):
        # The client comes without retries (NO_RETRY): on a 429 the queue postpones
        # the row instead of sleeping, so the worker serves other companies meanwhile.
        with client:
            return client.create_from_template(
                self.template_id.cronofy_template_id, recipients, extra=self._cronofy_create_extra()
            )

    def _store_created_safely(self, created):
        """Store Cronofy's answer. If storing fails, the answer is still known here:
        keep its id on a failed request (in a fresh savepoint) rather than losing it."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._store_created(created)
        except Exception as error:  # noqa: BLE001 - any bug here must not lose the answer
            _logger.exception("Cronofy: storing created request %s failed", self.id)
            self.invalidate_recordset()
            with self.env.cr.savepoint():
                self._automation_fail(
                    self.env._(
                        "Cronofy created request %(srq)s but Odoo could not store it "
                        "(%(error)s). Cancel it in Cronofy's dashboard or send the link "
                        "by hand; do not retry.",
                        srq=created.scheduling_request_id,
                        error=error,
                    ),
                    outcome_unknown=True,
                )

    def _store_created(self, created):
        """Record the link, mail it, or (when the applicant was refused meanwhile) keep
        the id only to cancel it at Cronofy."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT state FROM cronofy_scheduling_request WHERE id = %s FOR UPDATE", [self.id]
        )
        self.invalidate_recordset(["state"])
        connection = self.env["cronofy.connection"]._for_company(self.company_id)
        values = self._values_from_cronofy(created, connection)
        if values.get("candidate_url"):
            values["candidate_url"] = self._link_with_correlation(
                values["candidate_url"], self.correlation_id
            )
        values.update(dispatch_started_at=False, next_attempt_at=False, last_error=False)
        if self.state != "queued":
            # Cancelled while Cronofy was creating it: cancel it there too.
            self.write(dict(values, cronofy_cancel_pending=True))
            return
        self._set_state("pending", values)
        self._send_link_mail()

    def _send_link_mail(self):
        self.ensure_one()
        applicant = self.applicant_id
        mail_template = self.template_id.mail_template_id
        if not mail_template:
            applicant.message_post(
                body=Markup("<p>{}</p>").format(
                    self.env._(
                        "The scheduling link is ready but the scheduling template %(name)s "
                        "has no email template: send it to the candidate by hand.",
                        name=self.template_id.name,
                    )
                ),
                subtype_xmlid="mail.mt_note",
            )
            return
        self._queue_link_mail(mail_template)

    def _queue_link_mail(self, mail_template, **kwargs):
        """Post the link mail for Odoo's mail cron to send (mail.mail), and wake it:
        the candidate gets it within moments, and the sender is not held up by SMTP."""
        self.with_context(mail_notify_force_send=False)._post_link_mail(mail_template, **kwargs)
        mail_cron = self.env.ref(MAIL_QUEUE_CRON, raise_if_not_found=False)
        if mail_cron:
            trigger_crons(self.env, mail_cron)

    def _postpone(self, delay_seconds, message, *, count_attempt):
        """Try again later: after ``delay_seconds``, or (None) the back-off of the
        attempts so far. ``message`` stays visible as the last error meanwhile."""
        self.ensure_one()
        attempts = self.attempts + (1 if count_attempt else 0)
        if count_attempt and REQUEST_RETRY.gives_up(attempts):
            self.attempts = attempts
            self._automation_fail(
                self.env._(
                    "%(message)s (gave up after %(n)s attempts)", message=message, n=attempts
                )
            )
            return
        if delay_seconds is None:
            delay = REQUEST_RETRY.delay(attempts)
        else:
            delay = timedelta(seconds=delay_seconds)
        self.write(
            {
                "attempts": attempts,
                "next_attempt_at": fields.Datetime.now() + delay,
                "dispatch_started_at": False,
                "last_error": message,
            }
        )

    def _automation_fail(self, reason, *, outcome_unknown=False):
        """Give up: the reason goes on the request (its failure reason; the last
        transient error is cleared, it no longer applies), the applicant's chatter and
        an activity for the recruiter, who can fix the cause and use Retry."""
        self.ensure_one()
        self._set_state(
            "failed",
            {
                "failure_reason": reason,
                "last_error": False,
                "dispatch_started_at": False,
                "next_attempt_at": False,
                "outcome_unknown": outcome_unknown,
            },
        )
        applicant = self.applicant_id
        responsible = applicant.user_id or applicant.job_id.user_id or self.user_id
        applicant.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Scheduling link not sent"),
            note=Markup("<p>{}</p>").format(reason),
            user_id=(responsible or self.env.ref("base.user_admin")).id,
        )

    def _set_aside(self, request, wait):
        """Leave the claimed ``request`` untouched for later: its company's application
        has no slot for ``wait`` seconds. Returns ``(company id, wait)`` for the loop."""
        company_id = request.company_id.id
        self._release()
        return company_id, wait

    def _release(self):
        """Let go of a claimed row untouched (its lock, for another worker). Under test
        the row stays locked by the test's own transaction, which is harmless."""
        if not is_testing(self.env):
            self.env.cr.rollback()

    # ------------------------------------------------------------------
    # Checks before any HTTP, and readable errors after
    # ------------------------------------------------------------------

    def _automation_preflight(self):
        """The company's connection if this request can be sent now, with the
        template's texts rendered onto the request; raise AutomationFailure with an
        actionable sentence otherwise."""
        self.ensure_one()
        applicant = self.applicant_id.with_context(active_test=False)
        skip_reason = applicant._cronofy_skip_reason()
        if skip_reason:
            raise AutomationFailure(skip_reason)
        template = self.template_id
        if not template.cronofy_template_id:
            raise AutomationFailure(
                self.env._(
                    "The scheduling template '%(name)s' has no Cronofy template ID. A "
                    "recruitment manager should copy it (sgr_...) from Cronofy into "
                    "Recruitment > Configuration > Scheduling Templates, then use Retry.",
                    name=template.name,
                )
            )
        if template.company_id != self.company_id:
            raise AutomationFailure(
                self.env._(
                    "The scheduling template '%(name)s' belongs to %(company)s, not to the "
                    "applicant's company.",
                    name=template.name,
                    company=template.company_id.name,
                )
            )
        connection = self.env["cronofy.connection"]._for_company(self.company_id)
        missing = connection._missing_settings(embed=False, api=True)
        not_authorized = (
            connection.api_access_mode == "organization_connect" and not connection.refresh_token
        )
        if missing or not_authorized:
            raise AutomationFailure(
                self.env._(
                    "%(company)s is not connected to Cronofy (%(detail)s). An administrator "
                    "should complete Settings > Recruitment > Cronofy, then use Retry.",
                    company=self.company_id.name,
                    detail=", ".join(missing)
                    if missing
                    else self.env._("API access is not authorized"),
                )
            )
        self._cronofy_fill_texts()
        return connection

    def _describe_validation_error(self, error):
        details = "; ".join(
            f"{field}: {', '.join(item.description or item.key for item in items)}"
            for field, items in (error.field_errors or {}).items()
        )
        return self.env._(
            "Cronofy refused the request (422): %(details)s. Check the Cronofy template ID "
            "of '%(template)s' and the candidate's email, then use Retry.",
            details=details or str(error),
            template=self.template_id.name,
        )

    def _describe_api_error(self, error, connection):
        return connection._describe_error(
            error, action=self.env._("Creating the scheduling request")
        )

    # ------------------------------------------------------------------
    # Interrupted creates and cancellations at Cronofy
    # ------------------------------------------------------------------

    @api.model
    def _reconcile_interrupted_creates(self):
        """A worker marked these as being created and never came back (crash, kill,
        timeout). Cronofy may have created them and offers no search by our data
        (contract 4.4 [U]), so they are never re-created blindly."""
        cutoff = fields.Datetime.now() - IN_FLIGHT_LEASE
        self.env.flush_all()
        self.env.cr.execute(CLAIM_INTERRUPTED_SQL, [cutoff])
        for (request_id,) in self.env.cr.fetchall():
            request = self.sudo().browse(request_id)
            request._automation_fail(
                self.env._(
                    "Odoo was interrupted while asking Cronofy to create this request (at "
                    "%(when)s UTC), so it may exist at Cronofy. Check Cronofy's dashboard for "
                    "a request to %(email)s; use Retry only if there is none.",
                    when=fields.Datetime.to_string(request.dispatch_started_at),
                    email=request.applicant_id.email_from,
                ),
                outcome_unknown=True,
            )
            commit_unless_testing(self.env)

    @api.model
    def _dispatch_next_cancel(self, held_company_ids=()):
        """Cancel one request at Cronofy that Odoo already cancelled. Idempotent, so
        retried with back-off; a 404 means there is nothing left to cancel.

        Returns as ``_dispatch_next_create`` does: None when no row is due, 0.0 once a
        row was handled, the seconds to wait when the rate limit has no slot yet."""
        request = self._claim(CLAIM_CANCEL_SQL, held_company_ids)
        if request is None:
            return None
        connection = self.env["cronofy.connection"]._for_company(request.company_id)
        try:
            rate_key = connection._rate_limit_key()
        except UserError:
            rate_key = f"company:{request.company_id.id}"
        wait = self.env["cronofy.rate.limiter"]._reserve(rate_key)
        if wait:
            return self._set_aside(request, wait)
        try:
            client = connection._scheduler_client()
            with client:
                client.cancel_scheduling_request(request.cronofy_id)
        except NotFoundError:
            request.write({"cronofy_cancel_pending": False, "last_error": False})
        except RateLimitedError as error:
            self.env["cronofy.rate.limiter"]._hold(rate_key, error.retry_after)
            request.write(
                {
                    "next_attempt_at": fields.Datetime.now()
                    + timedelta(seconds=error.retry_after or 1.0),
                    "last_error": self.env._("Cronofy's rate limit was reached; retrying."),
                }
            )
        except (CronofyError, UserError) as error:
            attempts = request.attempts + 1
            message = connection._describe_error(
                error, action=self.env._("Cancelling the request at Cronofy")
            )
            values = {"attempts": attempts, "last_error": message}
            if REQUEST_RETRY.gives_up(attempts):
                values["cronofy_cancel_pending"] = False
                request.applicant_id.message_post(
                    body=Markup("<p>{}</p>").format(
                        self.env._(
                            "%(message)s The candidate's link may still work: cancel it in "
                            "Cronofy's dashboard.",
                            message=message,
                        )
                    ),
                    subtype_xmlid="mail.mt_note",
                )
            else:
                values["next_attempt_at"] = fields.Datetime.now() + REQUEST_RETRY.delay(attempts)
            request.write(values)
        else:
            request.write({"cronofy_cancel_pending": False, "last_error": False})
        commit_unless_testing(self.env)
        return 0.0

    # ------------------------------------------------------------------
    # The reconciler
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
            try:
                with connection._scheduler_client() as client:
                    found = client.query_scheduling_requests(chunk.mapped("cronofy_id"))
            except RateLimitedError as error:
                limiter = self.env["cronofy.rate.limiter"]
                limiter._hold(connection._rate_limit_key(), error.retry_after)
                raise
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
                ._store(connection.id, body, payload, source="reconciler")
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
            if reading.start and _naive_utc(reading.start.time) != self.interview_start:
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

    # ------------------------------------------------------------------
    # Unbooked links: the recruiter's follow-up and the candidate's reminder
    # ------------------------------------------------------------------

    @api.model
    def _follow_up_after(self):
        """The delay before a follow-up, or None when follow-ups are off."""
        days = number_parameter(self.env, FOLLOW_UP_PARAM, DEFAULT_FOLLOW_UP_DAYS)
        return timedelta(days=days) if days else None

    @api.model
    def _cron_follow_up_unbooked(self):
        # A scheduling template's service level decides when to follow up; the
        # follow-up delay applies to links without one.
        now = fields.Datetime.now()
        due = [("sla_due_at", "<=", now)]
        delay = self._follow_up_after()
        if delay is not None:
            due = ["|", *due, "&", ("sla_due_at", "=", False), ("create_date", "<=", now - delay)]
        unbooked = self.sudo().search(
            [("state", "=", "pending"), ("followed_up_at", "=", False), *due],
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
        if self.sla_due_at:
            note = self.env._(
                "%(candidate)s has not chosen a time within the %(hours)s hours the "
                "scheduling template allows. Remind them, or send a new link.",
                candidate=candidate,
                hours=self.template_id.booking_sla_hours,
            )
        else:
            note = self.env._(
                "%(candidate)s received a scheduling link %(days)s days ago and has not "
                "chosen a time. Remind them, or send a new link.",
                candidate=candidate,
                days=(fields.Datetime.now() - self.create_date).days,
            )
        applicant.activity_schedule(
            FOLLOW_UP_ACTIVITY,
            summary=self.env._("No interview time chosen yet"),
            note=Markup("<p>{}</p>").format(note),
            user_id=(responsible or self.env.ref("base.user_admin")).id,
        )
        self.followed_up_at = fields.Datetime.now()

    def _end_follow_ups(self):
        """The link was answered (or ended): the recruiter's follow-up activity, if
        any, has nothing left to ask. Called by _set_state on leaving "Link sent"."""
        answered = self.filtered("followed_up_at")
        if answered:
            answered.applicant_id.activity_unlink([FOLLOW_UP_ACTIVITY])

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
            request._queue_link_mail(template, author_id=author.partner_id.id or None)
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
