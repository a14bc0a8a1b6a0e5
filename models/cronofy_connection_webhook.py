from datetime import timedelta

from odoo import fields, models

from .access import SYSTEM, check_groups
from .cronofy_webhook_refusal import RETENTION_DAYS


class CronofyConnection(models.Model):
    _inherit = "cronofy.connection"

    webhook_rejected_count = fields.Integer(
        "Refused notifications (30 days)",
        compute="_compute_webhook_refusals",
        help="Requests to the webhook URL refused for a missing or wrong signature in the "
        "last 30 days. A growing number means a wrong client secret in Odoo, or someone "
        "probing the URL.",
    )
    webhook_last_rejected_at = fields.Datetime("Last refused", compute="_compute_webhook_refusals")
    notification_count = fields.Integer(compute="_compute_notification_count")

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

    def _count_rejected_webhook(self, reason, remote_addr, body_bytes):
        """Remember one refused delivery (an INSERT, see cronofy.webhook.refusal)."""
        self.ensure_one()
        self.env["cronofy.webhook.refusal"].sudo()._record(self, reason, remote_addr, body_bytes)

    def action_open_notifications(self):
        check_groups(self, SYSTEM, self.env._("Opening the Cronofy notification inbox"))
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "hr_recruitment_cronofy.cronofy_notification_action"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        return action
