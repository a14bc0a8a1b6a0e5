"""Push notification health of ``cronofy.connection``: refusals, silence, the inbox.

Whether Cronofy's signed notifications reach Odoo is only visible from what
arrived: refused deliveries (counted by the webhook controller), the last signed
one, and requests still open without one for a while (then the reconciler polls,
and Settings says what to configure). An AbstractModel inherited by
``cronofy.connection`` only.
"""

from datetime import timedelta

from odoo import fields, models
from odoo.tools import format_datetime

from .config_parameters import number_parameter
from .cronofy_webhook_refusal import RETENTION_DAYS

PUSH_SILENCE_PARAM = "hr_recruitment_cronofy.push_silence_minutes"
DEFAULT_PUSH_SILENCE_MINUTES = 60
# Requests Cronofy may still notify about.
AWAITING_STATES = ("pending", "time_chosen", "rescheduled")
PUSH_STATES = [
    ("receiving", "Receiving"),
    ("none_yet", "None received yet"),
    ("silent", "Silent: Odoo polls Cronofy"),
]


class CronofyConnectionPush(models.AbstractModel):
    _name = "cronofy.connection.push"
    _description = "Cronofy Connection: push notification health"

    webhook_rejected_count = fields.Integer(
        "Refused notifications (30 days)",
        compute="_compute_webhook_refusals",
        help="Requests to the webhook URL refused for a missing or wrong signature in the "
        "last 30 days. A growing number means a wrong client secret in Odoo, or someone "
        "probing the URL.",
    )
    webhook_last_rejected_at = fields.Datetime("Last refused", compute="_compute_webhook_refusals")
    notification_count = fields.Integer(compute="_compute_notification_count")
    push_last_received_at = fields.Datetime(
        "Last push notification",
        compute="_compute_push_status",
        help="When Cronofy's last signed push notification reached this connection.",
    )
    push_status = fields.Selection(
        PUSH_STATES, "Push notifications", compute="_compute_push_status"
    )
    push_status_message = fields.Text(compute="_compute_push_status")
    push_missed_at = fields.Datetime(
        "Change found by polling",
        readonly=True,
        copy=False,
        help="The last time asking Cronofy found a change while no push notification "
        "arrived: proof that Cronofy does not send them to this URL.",
    )

    def _compute_notification_count(self):
        counts = dict(
            self.env["cronofy.notification"]._read_group(
                [("connection_id", "in", self.ids)], ["connection_id"], ["__count"]
            )
        )
        for connection in self:
            connection.notification_count = counts.get(connection, 0)

    def _compute_webhook_refusals(self):
        since = fields.Datetime.now() - timedelta(days=RETENTION_DAYS)
        figures = {
            connection: (count, last)
            for connection, count, last in self.env["cronofy.webhook.refusal"]
            .sudo()
            ._read_group(
                [("connection_id", "in", self.ids), ("refused_at", ">=", since)],
                ["connection_id"],
                ["__count", "refused_at:max"],
            )
        }
        for connection in self:
            count, last = figures.get(connection, (0, False))
            connection.webhook_rejected_count = count
            connection.webhook_last_rejected_at = last

    # ------------------------------------------------------------------
    # Silence: open requests, and no push notification for a while
    # ------------------------------------------------------------------

    def _push_silence_window(self):
        minutes = number_parameter(self.env, PUSH_SILENCE_PARAM, DEFAULT_PUSH_SILENCE_MINUTES)
        return timedelta(minutes=max(minutes, 1))

    def _last_push_received_at(self):
        self.ensure_one()
        self.env.cr.execute(
            "SELECT max(received_at) FROM cronofy_notification "
            "WHERE connection_id = %s AND source = 'webhook'",
            [self.id],
        )
        return self.env.cr.fetchone()[0]

    def _awaiting_requests_before(self, moment):
        """Requests sent before ``moment`` that Cronofy may still notify about."""
        self.ensure_one()
        return (
            self.env["cronofy.scheduling.request"]
            .sudo()
            .search_count(
                [
                    ("company_id", "=", self.company_id.id),
                    ("state", "in", AWAITING_STATES),
                    ("cronofy_id", "!=", False),
                    ("create_date", "<=", moment),
                ]
            )
        )

    def _push_is_silent(self, last=None):
        """True when requests sent longer ago than the silence window are open and
        no push notification arrived within it: then nothing tells Odoo about
        bookings, and the reconciler polls (whether Cronofy pushes for requests made
        with an Organization Connect token depends on the customer's setup)."""
        self.ensure_one()
        since = fields.Datetime.now() - self._push_silence_window()
        last = last or self._last_push_received_at()
        if last and last >= since:
            return False
        return bool(self._awaiting_requests_before(since))

    def _note_missed_push(self):
        """Polling found a change during a silence (the cron, one writer)."""
        self.sudo().write({"push_missed_at": fields.Datetime.now()})

    def _compute_push_status(self):
        for connection in self:
            last = connection._last_push_received_at() if connection.id else False
            connection.push_last_received_at = last
            # (one read of the last push serves both)
            silent = bool(connection.id) and connection._push_is_silent(last)
            connection.push_status = "silent" if silent else ("receiving" if last else "none_yet")
            connection.push_status_message = (
                connection._push_silence_message(last) if silent else False
            )

    def _push_silence_message(self, last):
        """Three short lines: what happens, the proof when there is one, the fix."""
        poll = int(
            self.env["cronofy.scheduling.request"]._silent_poll_interval().total_seconds() // 60
        )
        lines = [
            self.env._(
                "No push notification since %(since)s while links are open: Odoo asks Cronofy "
                "every %(poll)s minutes instead, so bookings arrive a few minutes late.",
                since=format_datetime(self.env, last, dt_format="short"),
                poll=poll,
            )
            if last
            else self.env._(
                "No push notification yet while links are open: Odoo asks Cronofy every "
                "%(poll)s minutes instead, so bookings arrive a few minutes late.",
                poll=poll,
            )
        ]
        if self.push_missed_at:
            lines.append(
                self.env._(
                    "Confirmed on %(when)s: Cronofy reported a change that no push "
                    "notification announced.",
                    when=format_datetime(self.env, self.push_missed_at, dt_format="short"),
                )
            )
        lines.append(
            self.env._(
                "Fix: paste the Webhook URL into your Cronofy application's 'Embed webhook "
                "callback URL' and, for links sent through the API with Organization Connect, "
                "into an Internal Application's 'Universal Push Notification URL'."
            )
        )
        return "\n\n".join(lines)

    def _count_rejected_webhook(self, reason, remote_addr, body_bytes):
        """Remember one refused delivery (an INSERT, see cronofy.webhook.refusal)."""
        self.ensure_one()
        self.env["cronofy.webhook.refusal"].sudo()._record(self, reason, remote_addr, body_bytes)
