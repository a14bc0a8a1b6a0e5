"""The notification inbox: every verified Cronofy push notification, stored first.

The webhook controller only verifies, stores a row here and answers; nothing is
processed in the request. The processing cron (``_cron_process_notifications``)
claims rows with ``FOR UPDATE SKIP LOCKED`` and applies each one in its own
savepoint, so a crash or a bug loses nothing: the row stays, with its error, and
can be replayed. Duplicate deliveries to one connection collapse onto one row
(unique dedupe key per connection: a body another company's URL and secret
received is that company's row, and never hides ours).

A notification body holds the candidate's name and email. The inbox keeps it while it
serves (auditing a booking, replaying a failure) and then forgets it: Odoo's daily
autovacuum deletes handled notifications older than the retention period. Rows still
waiting to be processed are never deleted. A very late duplicate of a deleted row would
be stored and processed again, which the processing tolerates (it skips anything older
than what the request already shows).
"""

import dataclasses
import hashlib
import json
import logging
from datetime import UTC, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..cronofy_protocol import (
    NotificationParseError,
    NotificationType,
    RequestState,
    parse_notification_payload,
    read_request_state,
)
from ..cronofy_protocol.notifications import decode_json_body
from .access import RECRUITMENT_MANAGER, SYSTEM, check_groups
from .config_parameters import number_parameter
from .cron_wakeup import CronTriggerInsert, trigger_crons
from .queue_policy import NOTIFICATION_RETRY, commit_unless_testing

_logger = logging.getLogger(__name__)

NOTIFICATION_STATES = [
    ("received", "Received"),
    ("done", "Done"),
    ("skipped", "Skipped"),
    ("orphan", "Orphan"),
    ("failed", "Failed"),
]
SOURCES = [("webhook", "Push notification"), ("reconciler", "Reconciler query")]
# Only these request headers are kept: enough to audit a delivery, nothing
# that could carry credentials of ours.
KEPT_HEADERS = ("Content-Type", "Content-Length", "User-Agent", "Cronofy-HMAC-SHA256")
BATCH_SIZE = 50
MAX_BATCHES_PER_RUN = 20
# Automatic retries of a processing failure follow queue_policy.NOTIFICATION_RETRY;
# after the last one the row stays failed until an admin replays it.
# A notification claiming to come from further in the future than this is dated
# when it arrived instead: otherwise one body dated 2099 would make every genuine
# later notification of its request look older, and be skipped.
MAX_CLOCK_SKEW = timedelta(minutes=5)

RETENTION_PARAM = "hr_recruitment_cronofy.notification_retention_days"
DEFAULT_RETENTION_DAYS = 90
# One autovacuum run deletes at most this many rows; the rest go on the next days.
GC_BATCH_SIZE = 10000
# Rows the processing cron has still to handle: never deleted, however old.
UNHANDLED_STATES = ("received",)


def storable_text(text):
    """``text`` as PostgreSQL can store it: no NUL, no unpaired surrogate (both can
    be spelt in JSON, and reach an error message through a field name)."""
    if not text:
        return text
    return str(text).encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


class RetryableProcessingError(Exception):
    """Processing cannot complete now but may later (e.g. time not known yet)."""


class RecipientGone(Exception):
    """The connection a notification was sent to is not there any more (its
    company was deleted, or its webhook key rotated meanwhile)."""


class CronofyNotification(models.Model):
    _name = "cronofy.notification"
    _description = "Cronofy Notification"
    _order = "received_at desc, id desc"
    _rec_name = "dedupe_key"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    # No index of their own for connection_id and dedupe_key: the unique index on
    # (connection_id, dedupe_key) serves the lookups there are (by connection, and
    # the intake's by both; the inbox's name search is an ilike no btree helps), and
    # each index is one more write on the webhook's answer path.
    connection_id = fields.Many2one("cronofy.connection", readonly=True, ondelete="set null")
    source = fields.Selection(SOURCES, required=True, default="webhook", readonly=True)
    raw_body = fields.Text(readonly=True, help="The exact body Cronofy sent (UTF-8).")
    headers = fields.Json(readonly=True)
    dedupe_key = fields.Char(required=True, readonly=True, copy=False)
    notification_type = fields.Char("Type", readonly=True)
    cronofy_request_ref = fields.Char("Cronofy Request ID", readonly=True, index="btree_not_null")
    correlation_id = fields.Char(readonly=True)
    triggered_at = fields.Datetime(readonly=True)
    received_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    state = fields.Selection(
        NOTIFICATION_STATES, required=True, default="received", index=True, readonly=True
    )
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)
    processed_at = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)
    intake_note = fields.Char(
        readonly=True,
        help="What the intake changed in what the sender claimed, e.g. a triggered_at "
        "in the future, replaced by the time of receipt.",
    )
    # Cascade: the body holds the candidate's name and email, so it goes with the
    # request, which goes with the applicant (deleting an applicant erases both).
    scheduling_request_id = fields.Many2one(
        "cronofy.scheduling.request",
        readonly=True,
        ondelete="cascade",
        index="btree_not_null",
    )
    applicant_id = fields.Many2one(related="scheduling_request_id.applicant_id")
    # Filled by an admin on an orphan: "this notification belongs to ..."
    match_applicant_id = fields.Many2one(
        "hr.applicant",
        "Match to Applicant",
        help="For an orphan: the applicant this notification is about. A scheduling "
        "request is created for it when none is chosen.",
    )
    match_request_id = fields.Many2one(
        "cronofy.scheduling.request",
        "Match to Scheduling Request",
        domain="[('applicant_id', '=?', match_applicant_id)]",
    )
    raw_body_pretty = fields.Text("Body", compute="_compute_raw_body_pretty")

    _sql_constraints = [
        (
            "dedupe_key_unique",
            "unique(connection_id, dedupe_key)",
            "This notification is already in the inbox.",
        ),
    ]

    @api.depends("raw_body")
    def _compute_raw_body_pretty(self):
        for notification in self:
            try:
                body = json.loads(notification.raw_body or "")
                pretty = json.dumps(body, indent=2, ensure_ascii=False)
            except ValueError:
                pretty = notification.raw_body
            notification.raw_body_pretty = pretty

    # ------------------------------------------------------------------
    # Intake (called by the webhook controller and the reconciler)
    # ------------------------------------------------------------------

    @api.model
    def _intake_values(self, raw_body, payload, received_at):
        """Columns for one verified body. Content the parser refuses is kept as a
        failed row with the parser's reason: a signed notification is never lost."""
        try:
            notification = parse_notification_payload(payload)
        except NotificationParseError as error:
            unrelated = self._type_naming_no_request(payload, error)
            if unrelated:
                # Cronofy sends other kinds of notification too; one about no
                # scheduling request has nothing to apply, and is not a failure.
                return {
                    "dedupe_key": "unparsed-" + hashlib.sha256(raw_body).hexdigest(),
                    "state": "skipped",
                    "notification_type": unrelated,
                    "error": self.env._(
                        "This notification names no scheduling request: nothing to apply."
                    ),
                }
            return {
                "dedupe_key": "unparsed-" + hashlib.sha256(raw_body).hexdigest(),
                "state": "failed",
                "error": storable_text(
                    self.env._(
                        "Unreadable notification (%(field)s): %(reason)s",
                        field=error.field,
                        reason=str(error),
                    )
                ),
            }
        triggered_at = notification.triggered_at.astimezone(UTC).replace(tzinfo=None)
        note = None
        if triggered_at > received_at + MAX_CLOCK_SKEW:
            note = self.env._(
                "Dated %(claimed)s UTC, after its arrival: ordered as if sent when it arrived.",
                claimed=fields.Datetime.to_string(triggered_at),
            )
            triggered_at = received_at
        return {
            "dedupe_key": notification.dedupe_key,
            "state": "received",
            "notification_type": notification.type[:128],
            "cronofy_request_ref": notification.scheduling_request.scheduling_request_id[:256],
            "correlation_id": (notification.correlation_id or "")[:256] or None,
            "triggered_at": triggered_at,
            "intake_note": note,
        }

    @api.model
    def _type_naming_no_request(self, payload, error):
        """The notification's type when the body is a notification that carries no
        ``scheduling_request`` at all (and is fine otherwise), else None."""
        if error.field != "scheduling_request" or not isinstance(payload, dict):
            return None
        if payload.get("scheduling_request") is not None:
            return None
        notification = payload.get("notification")
        kind = notification.get("type") if isinstance(notification, dict) else None
        if not isinstance(kind, str) or not kind.strip():
            return None
        return storable_text(kind[:128])

    @api.model
    def _store(self, connection_id, raw_body, payload, headers=None, source="webhook", key=None):
        """Insert one row for connection ``connection_id``, unless its dedupe key is
        already there, with its processing trigger. Returns the new id, or None for a
        duplicate. Raises RecipientGone when that connection is not there, or (with
        ``key``) no longer has that webhook key.

        One statement for all of it (the webhook's answer waits on each round trip):
        the connection re-checked in the database, since the intake found it in a
        per-process cache; ``ON CONFLICT DO NOTHING``, so two concurrent deliveries
        of the same notification race on the unique index, not in Python; and the
        cron trigger, written only with a new row to process."""
        now = fields.Datetime.now()
        values = self._intake_values(raw_body, payload, now)
        cron_id = values["state"] == "received" and self._processing_cron_id()
        trigger = CronTriggerInsert(self.env, [cron_id] if cron_id else [])
        self.env.cr.execute(
            SQL(
                """
                WITH recipient AS (
                    SELECT id, company_id FROM cronofy_connection
                     WHERE id = %(connection)s
                       AND (%(key)s::varchar IS NULL OR webhook_key = %(key)s::varchar)
                ), new AS (
                    INSERT INTO cronofy_notification (
                        company_id, connection_id, source, raw_body, headers, dedupe_key,
                        notification_type, cronofy_request_ref, correlation_id,
                        triggered_at, received_at, state, attempts, error, intake_note,
                        create_uid, create_date, write_uid, write_date)
                    SELECT company_id, id, %(source)s, %(body)s, %(headers)s::jsonb,
                           %(dedupe_key)s, %(type)s::varchar, %(request_ref)s::varchar,
                           %(correlation)s::varchar, %(triggered_at)s::timestamp, %(now)s,
                           %(state)s, 0, %(error)s::text, %(note)s::text,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM recipient
                    ON CONFLICT (connection_id, dedupe_key) DO NOTHING
                    RETURNING id
                ), woken AS (%(trigger)s)
                SELECT (SELECT count(*) FROM recipient), (SELECT id FROM new),
                       ARRAY(SELECT cron_id FROM woken)
                """,
                connection=connection_id,
                key=key,
                source=source,
                body=raw_body.decode("utf-8"),
                headers=json.dumps(headers or {}),
                dedupe_key=values["dedupe_key"],
                type=values.get("notification_type"),
                request_ref=values.get("cronofy_request_ref"),
                correlation=values.get("correlation_id"),
                triggered_at=values.get("triggered_at"),
                now=now,
                state=values["state"],
                error=values.get("error"),
                note=values.get("intake_note"),
                uid=self.env.uid,
                trigger=trigger.sql(only_if=SQL("EXISTS (SELECT 1 FROM new)")),
            ),
            # Two workers inserting the same duplicate race on the unique index;
            # under REPEATABLE READ the loser gets a serialization failure that
            # Odoo retries (and the retry finds the row): expected, not an ERROR
            # line per duplicate delivery. Any other failure still raises.
            log_exceptions=False,
        )
        found, new_id, triggered = self.env.cr.fetchone()
        if not found:
            raise RecipientGone(connection_id)
        trigger.wake_if_due(triggered)
        return new_id

    @api.model
    def _processing_cron_id(self):
        # From the cached xmlid, not env.ref(): that also SELECTs the cron
        # (exists()), once per notification on the intake; a trigger for an id that
        # is gone is simply not written.
        return self.env["ir.model.data"]._xmlid_to_res_id(
            "hr_recruitment_cronofy.ir_cron_cronofy_process_notifications",
            raise_if_not_found=False,
        )

    @api.model
    def _trigger_processing(self):
        cron_id = self._processing_cron_id()
        if cron_id:
            trigger_crons(self.env, self.env["ir.cron"].browse(cron_id))

    # ------------------------------------------------------------------
    # Processing (cron)
    # ------------------------------------------------------------------

    @api.model
    def _cron_process_notifications(self, batch_size=BATCH_SIZE):
        """Apply every due notification. Each batch is claimed with SKIP LOCKED (a
        second worker takes other rows) and committed before the next one."""
        for _batch in range(MAX_BATCHES_PER_RUN):
            ids = self._claim_due_ids(batch_size)
            if not ids:
                return
            for notification in self.browse(ids):
                notification._process_claimed()
            # (Processing may queue new rows, e.g. Cronofy's answer to a question:
            # the next claim takes them in this same run.)
            commit_unless_testing(self.env)
        # More is waiting: run again soon rather than hold the cron worker.
        self._trigger_processing()

    @api.model
    def _claim_due_ids(self, limit):
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT id FROM cronofy_notification
             WHERE state = 'received'
                OR (state = 'failed' AND next_attempt_at <= (now() at time zone 'UTC'))
             ORDER BY id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
            """,
            [limit],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _process_claimed(self):
        """Process one claimed row and record the outcome; never raises."""
        self.ensure_one()
        attempts = self.attempts + 1
        try:
            with self.env.cr.savepoint():
                state, message, request = self._process()
        except RetryableProcessingError as error:
            self._record_failure(attempts, str(error))
            return
        except Exception as error:  # noqa: BLE001 - a bug must not block the queue
            _logger.warning(
                "Cronofy notification %s failed (attempt %s): %s", self.id, attempts, error
            )
            self._record_failure(attempts, f"{type(error).__name__}: {error}")
            return
        self.write(
            {
                "state": state,
                "error": storable_text(message) or False,
                "attempts": attempts,
                "next_attempt_at": False,
                "processed_at": fields.Datetime.now(),
                "scheduling_request_id": request.id if request else self.scheduling_request_id.id,
            }
        )

    def _record_failure(self, attempts, message):
        message = storable_text(message)
        retry_at = False
        if not NOTIFICATION_RETRY.gives_up(attempts):
            retry_at = fields.Datetime.now() + NOTIFICATION_RETRY.delay(attempts)
        self.write(
            {
                "state": "failed",
                "error": message,
                "attempts": attempts,
                "next_attempt_at": retry_at,
                "processed_at": fields.Datetime.now(),
            }
        )
        cron_id = retry_at and self._processing_cron_id()
        if cron_id:
            trigger_crons(self.env, self.env["ir.cron"].browse(cron_id), retry_at)

    def _parsed(self):
        """The stored body, parsed; dated as the intake ordered it (a claimed
        ``triggered_at`` in the future was replaced by the time of receipt)."""
        self.ensure_one()
        try:
            payload = decode_json_body((self.raw_body or "").encode("utf-8"))
            notification = parse_notification_payload(payload)
        except NotificationParseError as error:
            raise UserError(
                self.env._(
                    "Unreadable notification (%(field)s): %(reason)s",
                    field=error.field,
                    reason=str(error),
                )
            ) from None
        if self.triggered_at:
            ordered_at = self.triggered_at.replace(tzinfo=UTC)
            if notification.triggered_at - ordered_at > timedelta(seconds=1):
                notification = dataclasses.replace(notification, triggered_at=ordered_at)
        return notification

    def _process(self):
        """(state, message, scheduling request) for this row.

        A type Odoo knows is applied as it says. A notification whose meaning Odoo
        cannot derive (an unknown type, or a "created" one neither pending nor
        booked) still names a request: Odoo asks Cronofy about that request and
        applies the answer, through the same rules, instead of guessing."""
        self.ensure_one()
        notification = self._parsed()
        Request = self.env["cronofy.scheduling.request"]
        kind = notification.known_type
        reading = read_request_state(notification.scheduling_request)
        if (
            kind is NotificationType.CREATED
            and reading.state is RequestState.BOOKED
            and reading.start
            and reading.end
        ):
            # Book Now: the request is booked as it is created; the created
            # notification is the only one, and is applied as a time chosen.
            notification = dataclasses.replace(notification, type=str(NotificationType.TIME_CHOSEN))
            kind = NotificationType.TIME_CHOSEN
        request = self.scheduling_request_id or Request._find_for_notification(
            notification, self.company_id
        )
        if not request:
            return (
                "orphan",
                self.env._(
                    "No scheduling request of this company matches Cronofy request "
                    "%(request)s or correlation id %(correlation)s. Match it by hand.",
                    request=notification.scheduling_request.scheduling_request_id,
                    correlation=notification.correlation_id or "-",
                ),
                request,
            )
        if kind is NotificationType.CREATED and reading.state is RequestState.PENDING:
            return "done", self.env._("Cronofy created this request; it is recorded."), request
        if kind is None or kind is NotificationType.CREATED:
            why = self.env._(
                "Odoo cannot tell what a %(type)s notification means for this request.",
                type=notification.type,
            )
            state, message = request._ask_cronofy_about(self, why)
            return state, message, request
        state, message = request._apply_cronofy_notification(notification, self.connection_id)
        return state, message, request

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------

    @api.model
    def _retention_days(self):
        """Days to keep handled notifications; 0 keeps them for ever."""
        return number_parameter(self.env, RETENTION_PARAM, DEFAULT_RETENTION_DAYS)

    @api.autovacuum
    def _gc_old_notifications(self):
        days = self._retention_days()
        if not days:
            return
        cutoff = fields.Datetime.now() - timedelta(days=days)
        old = self.sudo().search(
            [("state", "not in", UNHANDLED_STATES), ("received_at", "<", cutoff)],
            order="received_at",
            limit=GC_BATCH_SIZE,
        )
        if old:
            count = len(old)
            old.unlink()
            _logger.info("Deleted %s Cronofy notifications older than %s days", count, days)

    # ------------------------------------------------------------------
    # Admin actions
    # ------------------------------------------------------------------

    def action_replay(self):
        """Queue the notifications again; the processing cron applies them (it may
        call Cronofy, which never happens in a user's transaction). Applying twice
        is harmless: processing is idempotent."""
        check_groups(
            self, (RECRUITMENT_MANAGER, SYSTEM), self.env._("Replaying Cronofy notifications")
        )
        self.check_access("write")
        self.write(
            {"state": "received", "next_attempt_at": False, "error": False, "processed_at": False}
        )
        self._trigger_processing()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._(
                    "%s notification(s) queued; they are applied in a moment.", len(self)
                ),
                "type": "info",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_match(self):
        """Attach an orphan to the request (or applicant) an admin picked, then
        replay it."""
        check_groups(
            self, (RECRUITMENT_MANAGER, SYSTEM), self.env._("Matching Cronofy notifications")
        )
        self.check_access("write")
        for notification in self:
            request = notification.match_request_id
            applicant = notification.match_applicant_id
            if not request and not applicant:
                raise UserError(self.env._("Choose an applicant or a scheduling request first."))
            # A picked request is written, a picked applicant gets one created with
            # sudo: the caller must be allowed to change it (not another company's).
            (request or applicant).check_access("write")
            if not request:
                request = self.env["cronofy.scheduling.request"]._create_from_notification(
                    notification._parsed(), applicant
                )
            if request.company_id != notification.company_id:
                raise UserError(self.env._("The scheduling request belongs to another company."))
            if request.cronofy_id and request.cronofy_id != notification.cronofy_request_ref:
                raise UserError(
                    self.env._(
                        "That scheduling request is Cronofy request %(theirs)s, not %(ours)s.",
                        theirs=request.cronofy_id,
                        ours=notification.cronofy_request_ref,
                    )
                )
            if not request.cronofy_id:
                request.cronofy_id = notification.cronofy_request_ref
            notification.scheduling_request_id = request
        return self.action_replay()
