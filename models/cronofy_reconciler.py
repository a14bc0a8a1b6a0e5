"""Safety net for lost push notifications: ask Cronofy about links left pending.

A request still ``pending`` long after its link was sent may have been booked,
declined or cancelled while the notification never arrived. The reconciler
queries those requests and turns every answer that shows a change into an inbox
row, so it goes through exactly the same processing (and the same ordering and
duplicate rules) as a push notification.
"""

import json
import logging
from datetime import UTC, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..cronofy_protocol import CronofyError, NotificationType
from ..cronofy_protocol.notifications import thaw
from .config_parameters import number_parameter

_logger = logging.getLogger(__name__)

RECONCILE_AGE_PARAM = "hr_recruitment_cronofy.reconcile_after_hours"
DEFAULT_RECONCILE_AGE_HOURS = 24
RECONCILE_BATCH_SIZE = 100
# [U] only "pending" and "complete" are documented slot_selection values; the
# other two are the simulator's guess and harmless if Cronofy never sends them.
TYPE_OF_SLOT_SELECTION = {
    "complete": NotificationType.TIME_CHOSEN,
    "declined": NotificationType.DECLINED,
    "cancelled": NotificationType.CANCELLED,
}


class CronofySchedulingRequest(models.Model):
    _inherit = "cronofy.scheduling.request"

    @api.model
    def _reconcile_age(self):
        hours = number_parameter(self.env, RECONCILE_AGE_PARAM, DEFAULT_RECONCILE_AGE_HOURS)
        return timedelta(hours=hours)

    @api.model
    def _cron_reconcile_pending(self):
        cutoff = fields.Datetime.now() - self._reconcile_age()
        stuck = self.sudo().search(
            [("state", "=", "pending"), ("cronofy_id", "!=", False), ("create_date", "<=", cutoff)],
            order="reconciled_at asc nulls first, id",
            limit=RECONCILE_BATCH_SIZE,
        )
        for company, requests in stuck.grouped("company_id").items():
            requests._reconcile_with_cronofy(self.env["cronofy.connection"]._for_company(company))

    def _reconcile_with_cronofy(self, connection):
        """Query these requests (one company) and queue what changed."""
        try:
            with connection._scheduler_client() as client:
                found = client.query_scheduling_requests(self.mapped("cronofy_id"))
        except (CronofyError, UserError) as error:
            _logger.warning(
                "Cronofy reconciler: company %s: query failed: %s", connection.company_id.id, error
            )
            return 0
        now = fields.Datetime.now()
        self.write({"reconciled_at": now})
        # Cronofy's answer describes the request as it is now, so any notification
        # triggered earlier is older than this one and cannot undo it.
        triggered_at = now.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        queued = 0
        for scheduling_request in found:
            notification_type = TYPE_OF_SLOT_SELECTION.get(scheduling_request.slot_selection)
            if not notification_type:
                continue
            payload = {
                "notification": {"type": str(notification_type), "triggered_at": triggered_at},
                "scheduling_request": thaw(scheduling_request.raw),
            }
            body = json.dumps(payload).encode()
            if (
                self.env["cronofy.notification"]
                .sudo()
                ._store(connection, body, payload, source="reconciler")
            ):
                queued += 1
        return queued
