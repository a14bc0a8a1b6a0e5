"""One call reserved against a Cronofy application's rate limit (see
``cronofy.rate.limiter``, which writes and prunes these rows in raw SQL)."""

from odoo import fields, models


class CronofyRateLimiterCall(models.Model):
    _name = "cronofy.rate.limiter.call"
    _description = "Cronofy API Call (rate window)"
    _log_access = False

    limiter_id = fields.Many2one(
        "cronofy.rate.limiter", required=True, ondelete="cascade", index=True
    )
    sent_at = fields.Float(
        required=True, help="Seconds since the epoch, from the database clock.", index=True
    )
