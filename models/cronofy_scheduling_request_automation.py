"""Scheduling requests as the queue of stage automation.

A request in state ``queued`` with a ``template_id`` is a job: the user's transaction
only inserts it (cheap, batched) and triggers the cron; the cron worker creates it at
Cronofy, stores the link and mails it. All coordination lives in PostgreSQL:

* a partial unique index allows one open request per (applicant, template), so
  concurrent moves and workers can never produce two links;
* workers claim rows with ``FOR UPDATE SKIP LOCKED`` and reserve each call against the
  per-application rate limit (``cronofy.rate.limiter``);
* before calling Cronofy the worker commits ``dispatch_started_at``: Cronofy has no
  idempotency key, so a row found later with that mark but without an answer may or may
  not exist at Cronofy. It is never created again automatically; it is marked failed
  ("outcome unknown") with an activity asking the recruiter to check Cronofy.
"""

import logging
import threading
import time
from datetime import timedelta

import psycopg2.errors
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, sql

from ..cronofy_protocol import (
    NO_RETRY,
    CronofyConnectionError,
    CronofyError,
    CronofyTimeoutError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    ValidationFailedError,
    recipient,
)
from .access import RECRUITMENT_OFFICER, check_groups
from .cronofy_scheduling_request import OPEN_STATES

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Transient failures (Cronofy unreachable before the request was sent) back off:
# 30 s, 2 min, 8 min, 32 min.
BACKOFF_BASE = timedelta(seconds=30)
# A create whose worker vanished for this long is treated as interrupted. Far longer
# than the client's timeouts (5 s connect + 30 s read).
IN_FLIGHT_LEASE = timedelta(minutes=5)
# One cron run stays well under Odoo's cron time limit, then triggers itself again.
RUN_BUDGET_SECONDS = 45.0
# Waiting for a rate-limit slot in-process is cheaper than a cron round trip when short.
MAX_INLINE_WAIT_SECONDS = 2.0

CLAIM_CREATE_SQL = """
    SELECT id FROM cronofy_scheduling_request
     WHERE state = 'queued'
       AND template_id IS NOT NULL
       AND dispatch_started_at IS NULL
       AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
     ORDER BY next_attempt_at NULLS FIRST, id
     LIMIT 1
       FOR UPDATE SKIP LOCKED
"""
CLAIM_CANCEL_SQL = """
    SELECT id FROM cronofy_scheduling_request
     WHERE cronofy_cancel_pending
       AND cronofy_id IS NOT NULL
       AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
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
ONE_OPEN_INDEX = "cronofy_scheduling_request_one_open_per_template"


class AutomationFailure(Exception):
    """A request that cannot be created as it stands; ``str()`` is for the recruiter."""


def _in_test():
    return getattr(threading.current_thread(), "testing", False)


class CronofySchedulingRequest(models.Model):
    _inherit = "cronofy.scheduling.request"

    template_id = fields.Many2one(
        "cronofy.scheduling.template",
        "Scheduling Template",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    attempts = fields.Integer(readonly=True, copy=False)
    next_attempt_at = fields.Datetime("Next Attempt", readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)
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

    def init(self):
        res = super().init()
        # The guard rail "one open link per applicant and template" as a constraint the
        # database enforces for every worker and every transaction.
        if not sql.index_exists(self.env.cr, ONE_OPEN_INDEX):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX %s ON cronofy_scheduling_request "
                    "(applicant_id, template_id) "
                    "WHERE template_id IS NOT NULL AND state IN %s",
                    SQL.identifier(ONE_OPEN_INDEX),
                    OPEN_STATES,
                )
            )
        return res

    # ------------------------------------------------------------------
    # Chatter: a queued job is not news; its outcome is.
    # ------------------------------------------------------------------

    def _post_state_on_applicant(self):
        # A bulk move queues hundreds of jobs: one note each would make the move slow
        # and the chatter noisy. The applicant shows "Queued" as its scheduling state.
        return super(
            CronofySchedulingRequest,
            self.filtered(lambda request: not (request.template_id and request.state == "queued")),
        )._post_state_on_applicant()

    # ------------------------------------------------------------------
    # Queue actions (list and form)
    # ------------------------------------------------------------------

    def action_retry(self):
        """Queue failed automation requests again, e.g. after fixing the connection."""
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Retrying scheduling requests"))
        self.check_access("write")
        retryable = self.filtered(lambda request: request.state == "failed" and request.template_id)
        if not retryable:
            raise UserError(self.env._("Only failed requests sent by a stage can be retried."))
        for request in retryable:
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
        self.env.ref("hr_recruitment_cronofy.ir_cron_cronofy_automation_queue")._trigger()
        return True

    def action_cancel(self):
        """Cancel open requests; the Cronofy side is cancelled by the cron."""
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Cancelling scheduling requests"))
        self.check_access("write")
        self._cancel_open(reason=self.env._("Cancelled by %s.", self.env.user.name))
        return True

    def _cancel_open(self, reason=None):
        """Cancel in Odoo now, and queue the Cronofy cancellation for the cron (never an
        HTTP call in the user's transaction)."""
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
            self.env.ref("hr_recruitment_cronofy.ir_cron_cronofy_automation_queue")._trigger()
        return open_requests

    # ------------------------------------------------------------------
    # The cron worker
    # ------------------------------------------------------------------

    @api.model
    def _cron_process_automation_queue(self):
        """Create queued requests and send pending cancellations at Cronofy, one row
        per transaction, within Cronofy's rate limits. Safe to run in several workers."""
        commit = not _in_test()
        started = time.monotonic()
        self._reconcile_interrupted_creates(commit=commit)
        processed = 0
        wait = None
        while time.monotonic() - started < RUN_BUDGET_SECONDS:
            try:
                outcome = self._dispatch_next_cancel(commit=commit)
                if outcome is None:
                    outcome = self._dispatch_next_create(commit=commit)
            except psycopg2.errors.SerializationFailure:
                # Another worker updated the row after our snapshot: take a new one.
                if not commit:
                    raise
                self.env.cr.rollback()
                continue
            if outcome is None:
                break
            if isinstance(outcome, float):
                if outcome > MAX_INLINE_WAIT_SECONDS:
                    wait = outcome
                    break
                time.sleep(outcome)
                continue
            processed += 1
        self._schedule_next_run(wait)
        _logger.info("Cronofy automation queue: %s request(s) processed", processed)
        return processed

    @api.model
    def _schedule_next_run(self, wait=None):
        cron = self.env.ref("hr_recruitment_cronofy.ir_cron_cronofy_automation_queue")
        now = fields.Datetime.now()
        self.env.flush_all()
        if wait is not None:
            cron._trigger(now + timedelta(seconds=wait))
            return
        self.env.cr.execute(
            "SELECT min(coalesce(next_attempt_at, %s)) FROM cronofy_scheduling_request "
            "WHERE (state = 'queued' AND template_id IS NOT NULL AND dispatch_started_at IS NULL)"
            "   OR (cronofy_cancel_pending AND cronofy_id IS NOT NULL)",
            [now],
        )
        next_at = self.env.cr.fetchone()[0]
        if next_at:
            cron._trigger(max(next_at, now))

    @api.model
    def _claim(self, query):
        # Raw SQL sees only what was flushed (writes earlier in this transaction).
        self.env.flush_all()
        self.env.cr.execute(query, [fields.Datetime.now()])
        row = self.env.cr.fetchone()
        return self.sudo().browse(row[0]) if row else None

    @api.model
    def _dispatch_next_create(self, *, commit):
        """Create one due queued request. Returns None when none is due, a float (seconds
        to wait) when the rate limit is reached, True otherwise."""
        request = self._claim(CLAIM_CREATE_SQL)
        if request is None:
            return None
        try:
            connection = request._automation_preflight()
            rate_key = connection._rate_limit_key()
        except (AutomationFailure, UserError) as failure:
            request._automation_fail(failure.args[0])
            self._commit_or_flush(commit)
            return True
        wait = self.env["cronofy.rate.limiter"]._reserve(rate_key)
        if wait:
            self._release(commit)
            return wait
        # The point of no return: from here Cronofy may create the request, so the mark
        # must survive whatever happens to this worker.
        request.write({"dispatch_started_at": fields.Datetime.now()})
        self._commit_or_flush(commit)
        try:
            created = request._create_at_cronofy(connection)
        except RateLimitedError as error:
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
        self._commit_or_flush(commit)
        return True

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

    def _cronofy_create_extra(self):
        """Other top-level keys of the create body (see the template texts)."""
        return None

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
        self._post_link_mail(mail_template)

    def _postpone(self, delay_seconds, message, *, count_attempt):
        self.ensure_one()
        attempts = self.attempts + (1 if count_attempt else 0)
        if count_attempt and attempts >= MAX_ATTEMPTS:
            self.attempts = attempts
            self._automation_fail(
                self.env._(
                    "%(message)s (gave up after %(n)s attempts)", message=message, n=attempts
                )
            )
            return
        if delay_seconds is None:
            delay = BACKOFF_BASE * (4 ** max(attempts - 1, 0))
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
        """Give up: the reason goes on the request, the applicant's chatter and an
        activity for the recruiter, who can fix the cause and use Retry."""
        self.ensure_one()
        self._set_state(
            "failed",
            {
                "failure_reason": reason,
                "last_error": reason,
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

    def _release(self, commit):
        """Let go of a claimed row untouched (its lock, for another worker)."""
        if commit:
            self.env.cr.rollback()

    @api.model
    def _commit_or_flush(self, commit):
        if commit:
            # Cron code: each request is its own unit of work, so one failure or crash
            # never undoes (and never repeats) Cronofy calls already made.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        else:
            self.env.flush_all()

    # ------------------------------------------------------------------
    # Checks before any HTTP, and readable errors after
    # ------------------------------------------------------------------

    def _automation_preflight(self):
        """The company's connection if this request can be sent now; raise
        AutomationFailure with an actionable sentence otherwise."""
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
    # Interrupted creates and cancellations
    # ------------------------------------------------------------------

    @api.model
    def _reconcile_interrupted_creates(self, *, commit):
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
            self._commit_or_flush(commit)

    @api.model
    def _dispatch_next_cancel(self, *, commit):
        """Cancel one request at Cronofy that Odoo already cancelled. Idempotent, so
        retried with backoff; a 404 means there is nothing left to cancel."""
        request = self._claim(CLAIM_CANCEL_SQL)
        if request is None:
            return None
        connection = self.env["cronofy.connection"]._for_company(request.company_id)
        try:
            rate_key = connection._rate_limit_key()
        except UserError:
            rate_key = f"company:{request.company_id.id}"
        wait = self.env["cronofy.rate.limiter"]._reserve(rate_key)
        if wait:
            self._release(commit)
            return wait
        try:
            client = connection._scheduler_client()
            with client:
                client.cancel_scheduling_request(request.cronofy_id)
        except NotFoundError:
            request.write({"cronofy_cancel_pending": False, "last_error": False})
        except RateLimitedError as error:
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
            if attempts >= MAX_ATTEMPTS:
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
                values["next_attempt_at"] = fields.Datetime.now() + BACKOFF_BASE * (
                    4 ** (attempts - 1)
                )
            request.write(values)
        else:
            request.write({"cronofy_cancel_pending": False, "last_error": False})
        self._commit_or_flush(commit)
        return True
