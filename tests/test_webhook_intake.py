"""The webhook controller over real HTTP: what is refused, what is stored."""

import json

from odoo.tests import tagged
from odoo.tools import mute_logger

from .webhook_common import CronofyWebhookCase

TRIGGERED = "2026-01-19T16:14:11Z"


@tagged("post_install", "-at_install")
class TestWebhookIntake(CronofyWebhookCase):
    def _valid_payload(self, **overrides):
        payload = self._payload("srq_intake_1", "scheduling_request_time_chosen", TRIGGERED)
        payload.update(overrides)
        return payload

    def test_valid_notification_is_stored_before_processing_and_answered_quickly(self):
        response = self._post(self._valid_payload())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "accepted"})
        row = self.Notification.search([("cronofy_request_ref", "=", "srq_intake_1")])
        self.assertEqual(len(row), 1)
        self.assertEqual(row.state, "received")
        self.assertEqual(row.notification_type, "scheduling_request_time_chosen")
        self.assertEqual(str(row.triggered_at), "2026-01-19 16:14:11")
        self.assertEqual(row.connection_id, self.connection)
        self.assertEqual(row.company_id, self.company)
        self.assertEqual(json.loads(row.raw_body), self._valid_payload())
        self.assertIn("Cronofy-HMAC-SHA256", row.headers)
        self.assertEqual(row.attempts, 0)
        # Processing is queued for the cron, never done in the request.
        cron = self.env.ref("hr_recruitment_cronofy.ir_cron_cronofy_process_notifications")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))

    def test_the_same_body_twice_is_one_row(self):
        body = json.dumps(self._valid_payload()).encode()
        self.assertEqual(self._post(body).status_code, 200)
        self.assertEqual(self._post(body).status_code, 200)
        # Same notification, timestamp spelt differently: still the same one.
        respelt = self._valid_payload()
        respelt["notification"]["triggered_at"] = "2026-01-19T16:14:11+00:00"
        self.assertEqual(self._post(respelt).status_code, 200)
        self.assertEqual(
            self.Notification.search_count([("cronofy_request_ref", "=", "srq_intake_1")]), 1
        )

    @mute_logger("odoo.addons.hr_recruitment_cronofy.controllers.webhook")
    def test_bad_or_missing_signature_is_401_and_stores_nothing_but_a_count(self):
        before = self.Notification.search_count([])
        for signature in ("", "bm90IGEgc2lnbmF0dXJl", "x" * 44 + "," + "y" * 44):
            response = self._post(self._valid_payload(), signature=signature)
            self.assertEqual(response.status_code, 401, signature)
            self.assertNotIn("secret", response.text.lower())
        response = self._post(self._valid_payload(), secret="CRN_not_our_secret")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(self.Notification.search_count([]), before)
        self.assertEqual(self.connection.webhook_rejected_count, 4)
        self.assertTrue(self.connection.webhook_last_rejected_at)

    @mute_logger("odoo.addons.hr_recruitment_cronofy.controllers.webhook")
    def test_no_secret_configured_fails_closed(self):
        self.connection.write({"client_secret": False, "internal_app_client_secret": False})
        response = self._post(self._valid_payload(), secret=self.demo["client_secret"])
        self.assertEqual(response.status_code, 401)

    def test_rotation_accepts_either_of_two_secrets_and_a_two_value_header(self):
        old_secret = self.demo["client_secret"]
        new_secret = "CRN_rotated_secret_000000000000000000002"
        self.connection.write({"client_secret": new_secret, "previous_client_secret": old_secret})
        self.connection.write({"internal_app_client_secret": False})
        for index, secret in enumerate((old_secret, new_secret)):
            payload = self._valid_payload()
            payload["notification"]["triggered_at"] = f"2026-01-19T16:14:1{index}Z"
            self.assertEqual(self._post(payload, secret=secret).status_code, 200, index)
        # Cronofy during a rotation: one value per active secret, comma-separated.
        payload = self._valid_payload()
        payload["notification"]["triggered_at"] = "2026-01-19T16:14:15Z"
        from odoo.addons.hr_recruitment_cronofy.cronofy_protocol import compute_signature

        body = json.dumps(payload).encode()
        header = ",".join(
            compute_signature(body, secret) for secret in ("CRN_unknown_one", new_secret)
        )
        self.assertEqual(self._post(body, signature=header).status_code, 200)
        self.assertEqual(
            self.Notification.search_count([("cronofy_request_ref", "=", "srq_intake_1")]), 3
        )

    def test_rotation_through_the_simulator_signs_with_both_secrets(self):
        new_secret = "CRN_sim_rotated_secret_0000000000000002"
        self.sim.add_client_secret(self.demo["application_id"], new_secret)
        # Odoo knows only the new secret; the header holds both signatures.
        self.connection.write({"client_secret": new_secret, "internal_app_client_secret": False})
        self.connection.write({"internal_app_client_secret": self.demo["client_secret"]})
        request = self._send_link()
        self.connection.write({"internal_app_client_secret": False})
        self._choose(request)
        deliveries = self.sim.deliveries(scheduling_request_id=request.cronofy_id)
        self.assertEqual([d["attempts"][-1]["status_code"] for d in deliveries], [200])
        self.assertEqual(len(self._notifications(request)), 1)

    def test_malformed_json_is_400(self):
        for body in (b"{not json", b" ", b'{"a": NaN}', b'{"a": 1, "a": 2}', b"\xff\xfe"):
            response = self._post(body)
            self.assertEqual(response.status_code, 400, body)
        self.assertFalse(self.Notification.search([]))

    def test_unknown_key_is_404_with_one_body(self):
        unknown = self._post(self._valid_payload(), path="/cronofy/webhook/not-a-key")
        self.assertEqual(unknown.status_code, 404)
        short = self._post(self._valid_payload(), path="/cronofy/webhook/x")
        self.assertEqual(short.status_code, 404)
        self.assertEqual(unknown.text, short.text)
        self.assertFalse(self.Notification.search([]))

    def test_a_key_whose_connection_the_database_dropped_is_404_and_stores_nothing(self):
        """The intake finds keys in a per-process cache. A company deleted with its
        connection by the database's cascade never passes through the ORM to clear
        it: the insert re-checks, answers as for an unknown key and clears it."""
        Connection = self.env["cronofy.connection"]
        key = self.connection.webhook_key
        self.assertTrue(Connection._webhook_recipient(key))  # cached, both sides share it
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM cronofy_connection WHERE id = %s", [self.connection.id])
        self.assertTrue(Connection._webhook_recipient(key), "still cached")
        response = self._post(self._valid_payload())
        self.assertEqual(response.status_code, 404)
        unknown = self._post(self._valid_payload(), path="/cronofy/webhook/not-a-key")
        self.assertEqual(response.text, unknown.text)
        self.assertFalse(self.Notification.search([]))
        self.assertIsNone(Connection._webhook_recipient(key), "the cache was cleared")

    def test_only_a_new_notification_to_process_gets_a_processing_trigger(self):
        """The row and its cron trigger are one statement: a duplicate or a failed
        (unreadable) row writes no trigger; a paused processing cron gets none but
        the row is still kept."""
        cron = self.env.ref("hr_recruitment_cronofy.ir_cron_cronofy_process_notifications")
        Trigger = self.env["ir.cron.trigger"]

        def triggers():
            return Trigger.search_count([("cron_id", "=", cron.id)])

        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        body = json.dumps(self._valid_payload()).encode()
        self._post(body)
        self.assertEqual(triggers(), 1)
        self._post(body)  # the same delivery again
        self.assertEqual(triggers(), 1)
        self._post({"notification": {"type": "scheduling_request_time_chosen"}})
        self.assertEqual(triggers(), 1)
        self.assertEqual(self.Notification.search_count([]), 2)
        cron.active = False
        other = self._payload("srq_intake_2", "scheduling_request_time_chosen", TRIGGERED)
        self.assertEqual(self._post(other).status_code, 200)
        self.assertEqual(triggers(), 1)
        self.assertEqual(
            self.Notification.search([("cronofy_request_ref", "=", "srq_intake_2")]).state,
            "received",
        )

    def test_get_is_refused(self):
        response = self.url_open(self.webhook_path)
        self.assertEqual(response.status_code, 405)

    def test_body_over_one_mebibyte_is_413(self):
        big = json.dumps({"padding": "x" * (1024 * 1024)}).encode()
        response = self._post(big)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.Notification.search([]))

    def test_signed_nonsense_is_stored_as_failed_with_the_reason(self):
        payload = {"notification": {"type": "scheduling_request_time_chosen"}}
        response = self._post(payload)
        self.assertEqual(response.status_code, 200)
        row = self.Notification.search([])
        self.assertEqual(row.state, "failed")
        self.assertIn("notification.triggered_at", row.error)
        self.assertFalse(row.next_attempt_at)
        # The same nonsense again is still one row.
        self._post(payload)
        self.assertEqual(self.Notification.search_count([]), 1)
        # A failed unreadable row is not picked up by the processing cron.
        self._process()
        self.assertEqual(row.attempts, 0)
