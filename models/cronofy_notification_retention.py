"""How long the inbox keeps Cronofy's notifications.

A notification body holds the candidate's name and email. The inbox keeps it while it
serves (auditing a booking, replaying a failure) and then forgets it: Odoo's daily
autovacuum deletes handled notifications older than the retention period. Rows still
waiting to be processed are never deleted. A very late duplicate of a deleted row would
be stored and processed again, which the processing tolerates (it skips anything older
than what the request already shows).
"""

import logging
from datetime import timedelta

from odoo import api, fields, models

from .config_parameters import number_parameter

_logger = logging.getLogger(__name__)

RETENTION_PARAM = "hr_recruitment_cronofy.notification_retention_days"
DEFAULT_RETENTION_DAYS = 90
# One autovacuum run deletes at most this many rows; the rest go on the next days.
GC_BATCH_SIZE = 10000
UNHANDLED_STATES = ("received", "processing")


class CronofyNotification(models.Model):
    _inherit = "cronofy.notification"

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
