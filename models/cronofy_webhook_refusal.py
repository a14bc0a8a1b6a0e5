"""Refused webhook deliveries: one row per request refused for its signature.

An unauthenticated sender decides how often this is written, so it must cost what a
refusal costs and never make two requests wait for each other. A counter column on
the connection did: every refusal updated the same row, and concurrent refusals
failed with "could not serialize access" (an ERROR line each, written by whoever
chose to probe the URL). Rows here are only ever inserted, by one statement that
conflicts with nothing, and Odoo's daily autovacuum forgets them after
``RETENTION_DAYS``. The connection shows the exact count over that window.
"""

from datetime import timedelta

from odoo import api, fields, models

RETENTION_DAYS = 30
REASONS = [("missing", "Missing signature"), ("invalid", "Invalid signature")]
# One autovacuum run deletes at most this many rows; the rest go on the next days.
GC_BATCH_SIZE = 50000


class CronofyWebhookRefusal(models.Model):
    _name = "cronofy.webhook.refusal"
    _description = "Refused Cronofy Webhook Delivery"
    _order = "refused_at desc, id desc"
    _log_access = False

    connection_id = fields.Many2one(
        "cronofy.connection", required=True, readonly=True, index=True, ondelete="cascade"
    )
    refused_at = fields.Datetime(required=True, readonly=True)
    reason = fields.Selection(REASONS, required=True, readonly=True)
    remote_addr = fields.Char("From", readonly=True)
    body_bytes = fields.Integer("Body size (bytes)", readonly=True)

    @api.model
    def _record(self, connection, reason, remote_addr, body_bytes):
        """One INSERT: no row is read or updated, so concurrent refusals never wait
        for or conflict with each other."""
        self.env.cr.execute(
            """
            INSERT INTO cronofy_webhook_refusal
                   (connection_id, refused_at, reason, remote_addr, body_bytes)
            VALUES (%s, (now() at time zone 'UTC'), %s, %s, %s)
            """,
            [connection.id, reason, (remote_addr or "")[:64] or None, body_bytes],
        )

    @api.autovacuum
    def _gc_old_refusals(self):
        self.env.cr.execute(
            """
            DELETE FROM cronofy_webhook_refusal WHERE id IN (
                SELECT id FROM cronofy_webhook_refusal
                 WHERE refused_at < %s ORDER BY id LIMIT %s)
            """,
            [fields.Datetime.now() - timedelta(days=RETENTION_DAYS), GC_BATCH_SIZE],
        )
