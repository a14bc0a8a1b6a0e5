from odoo import fields, models


class CronofyConnection(models.Model):
    _inherit = "cronofy.connection"

    webhook_rejected_count = fields.Integer(
        "Refused notifications",
        readonly=True,
        copy=False,
        help="Requests to the webhook URL refused for a missing or wrong signature. "
        "A growing number means a wrong client secret in Odoo, or someone probing the URL.",
    )
    webhook_last_rejected_at = fields.Datetime("Last refused", readonly=True, copy=False)
    notification_count = fields.Integer(compute="_compute_notification_count")

    def _compute_notification_count(self):
        counts = dict(
            self.env["cronofy.notification"]._read_group(
                [("connection_id", "in", self.ids)], ["connection_id"], ["__count"]
            )
        )
        for connection in self:
            connection.notification_count = counts.get(connection, 0)

    def _count_rejected_webhook(self):
        """One atomic UPDATE: no read-modify-write race between workers, and
        nothing from the refused request is stored."""
        self.ensure_one()
        self.env.cr.execute(
            "UPDATE cronofy_connection SET webhook_rejected_count = "
            "COALESCE(webhook_rejected_count, 0) + 1, "
            "webhook_last_rejected_at = (now() at time zone 'UTC') WHERE id = %s",
            [self.id],
        )
        self.invalidate_recordset(["webhook_rejected_count", "webhook_last_rejected_at"])

    def action_open_notifications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "hr_recruitment_cronofy.cronofy_notification_action"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        return action
