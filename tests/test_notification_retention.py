"""The inbox forgets candidates' data: handled notifications after the retention
period (autovacuum), and a deleted applicant's notifications at once."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..models.cronofy_notification import DEFAULT_RETENTION_DAYS, RETENTION_PARAM
from .webhook_common import CronofyWebhookCase


@tagged("post_install", "-at_install")
class TestNotificationRetention(CronofyWebhookCase):
    def _row(self, state, age_days, key):
        return self.Notification.sudo().create(
            {
                "company_id": self.env.company.id,
                "dedupe_key": f"retention-{key}",
                "raw_body": '{"recipient": {"email": "ada@example.com"}}',
                "state": state,
                "received_at": fields.Datetime.now() - timedelta(days=age_days),
            }
        )

    def _set_retention(self, value):
        self.env["ir.config_parameter"].sudo().set_param(RETENTION_PARAM, value)

    def test_autovacuum_deletes_old_handled_notifications_only(self):
        old_handled = {
            state: self._row(state, DEFAULT_RETENTION_DAYS + 1, state)
            for state in ("done", "skipped", "orphan", "failed")
        }
        recent = self._row("done", DEFAULT_RETENTION_DAYS - 1, "recent")
        waiting = self._row("received", DEFAULT_RETENTION_DAYS * 3, "waiting")
        self.Notification._gc_old_notifications()
        for state, row in old_handled.items():
            self.assertFalse(row.exists(), state)
        self.assertTrue(recent.exists())
        self.assertTrue(waiting.exists(), "a notification not processed yet is never lost")

    def test_retention_is_a_setting_and_zero_keeps_everything(self):
        row = self._row("done", 40, "forty")
        self._set_retention("60")
        self.Notification._gc_old_notifications()
        self.assertTrue(row.exists())
        self._set_retention("30")
        self.Notification._gc_old_notifications()
        self.assertFalse(row.exists())
        kept = self._row("done", 4000, "ancient")
        self._set_retention("0")
        self.Notification._gc_old_notifications()
        self.assertTrue(kept.exists())
        # Nonsense falls back to the default period: neither "keep for ever" nor an
        # early deletion.
        self._set_retention("soon")
        recent = self._row("done", DEFAULT_RETENTION_DAYS - 1, "recent")
        with self.assertLogs("odoo.addons.hr_recruitment_cronofy", "WARNING"):
            self.Notification._gc_old_notifications()
        self.assertFalse(kept.exists())
        self.assertTrue(recent.exists())

    def test_deleting_the_applicant_erases_its_notifications(self):
        request = self._send_link()
        self._choose(request)
        self._process()
        notification = self.Notification.sudo().search([("scheduling_request_id", "=", request.id)])
        self.assertEqual(notification.state, "done")
        self.assertIn("ada@example.com", notification.raw_body)
        interview = request.event_id
        self.assertTrue(interview)
        self.applicant.with_user(self.recruiter).unlink()
        self.assertFalse(request.exists())
        self.assertFalse(notification.exists())
        # The interview itself is Odoo's calendar's: kept, without the links.
        self.assertTrue(interview.exists())
        self.assertFalse(interview.cronofy_request_id)
