"""Issue 14 at the webhook: hostile signed bodies, malformed keys and methods, the
isolation of two companies' inboxes, dates from the future, links to elsewhere.

Every answer here is checked over real HTTP against the test server; "no ERROR"
is checked on the root logger, which the server's threads log to."""

import json
import logging
from datetime import UTC, datetime, timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .webhook_common import TwoCompanyWebhookCase

PAST = "2026-01-01T00:00:00Z"
SLOT = {
    "summary": "Interview",
    "start": {"time": "2031-01-01T09:00:00Z", "tzid": "UTC"},
    "end": {"time": "2031-01-01T09:30:00Z", "tzid": "UTC"},
}
LATER_SLOT = {
    "summary": "Interview",
    "start": {"time": "2031-01-02T09:00:00Z", "tzid": "UTC"},
    "end": {"time": "2031-01-02T09:30:00Z", "tzid": "UTC"},
}


def _iso(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@tagged("post_install", "-at_install")
class TestHostileSignedBodies(TwoCompanyWebhookCase):
    def _signed_raw(self, raw):
        """POST exact bytes, signed: json.dumps could not write some of them."""
        return self._post(raw)

    def _valid_raw(self, cronofy_id="srq_hostile"):
        return json.dumps(
            self._payload(cronofy_id, "scheduling_request_time_chosen", PAST, event=SLOT)
        ).encode()

    def _assert_answered_without_error(self, raw, expected_statuses=(200, 400)):
        with self.assertNoLogs(level=logging.ERROR):
            response = self._signed_raw(raw)
        self.assertIn(response.status_code, expected_statuses, raw[:120])
        if response.status_code == 200:
            row = self.Notification.search([("raw_body", "=", raw.decode())])
            self.assertEqual(len(row), 1, "a signed body that parses as JSON is kept")
            self.assertEqual(row.state, "failed")
            self.assertTrue(row.error)
        return response

    @mute_logger("odoo.addons.hr_recruitment_cronofy.models.cronofy_notification")
    def test_nul_and_lone_surrogates_are_stored_as_failed_with_the_reason(self):
        valid = self._valid_raw().decode()
        cases = {
            "NUL in the request id": valid.replace('"srq_hostile"', '"srq_\\u0000x"'),
            "NUL in the type": valid.replace(
                '"scheduling_request_time_chosen"', '"scheduling_request_\\u0000"'
            ),
            "lone surrogate in the id": valid.replace('"srq_hostile"', '"srq_\\ud800"'),
            "NUL in a metadata key": valid.replace(
                '"summary": "Interview"',
                '"summary": "Interview", "metadata": {"scheduler": {"utm_\\u0000": 1}}',
            ),
        }
        for label, raw in cases.items():
            with self.subTest(label):
                self.assertNotEqual(raw, valid)
                response = self._assert_answered_without_error(raw.encode(), (200,))
                self.assertEqual(response.json(), {"status": "accepted"})
                row = self.Notification.search([("raw_body", "=", raw)])
                self.assertIn("Unreadable notification", row.error)
                self.assertNotIn("\x00", row.error)

    def test_huge_numbers_and_deep_nesting_are_a_clean_400(self):
        valid = self._valid_raw().decode()
        huge = valid.replace('"summary": "Interview"', '"summary": "Interview", "n": ' + "7" * 5000)
        self.assertEqual(self._assert_answered_without_error(huge.encode()).status_code, 400)
        for depth in (600, 750, 900, 5000):
            with self.subTest(depth=depth):
                deep = valid.replace(
                    '"summary": "Interview"',
                    '"summary": "Interview", "deep": ' + "[" * depth + "]" * depth,
                )
                response = self._assert_answered_without_error(deep.encode())
                self.assertEqual(response.status_code, 400)

    @mute_logger("odoo.addons.hr_recruitment_cronofy.controllers.webhook")
    def test_malformed_keys_answer_the_same_404_and_log_no_error(self):
        unknown = self._post(self._valid_raw(), path="/cronofy/webhook/" + "A" * 43)
        self.assertEqual(unknown.status_code, 404)
        for label, key in {
            "NUL": "abc%00def",
            "very long": "k" * 5000,
            "non-ASCII": "cl%C3%A9-%E2%9C%93" * 3,
            "too short": "abc",
        }.items():
            with self.subTest(label):
                with self.assertNoLogs(level=logging.ERROR):
                    response = self._post(self._valid_raw(), path="/cronofy/webhook/" + key)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.text, unknown.text)

    def test_every_method_but_post_is_405(self):
        url = self.base_url() + self.webhook_path
        for method in ("GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"):
            with self.subTest(method):
                response = self.opener.request(method, url, timeout=12)
                self.assertEqual(response.status_code, 405)
        response = self.opener.request("OPTIONS", url, timeout=12)
        self.assertEqual(response.headers.get("Allow"), "POST")

    @mute_logger("odoo.addons.hr_recruitment_cronofy.controllers.webhook")
    def test_refused_deliveries_are_counted_per_connection_and_stored_nowhere_else(self):
        before = self.Notification.search_count([])
        for signature in ("", "bm90IGEgc2lnbmF0dXJl", ""):
            self._post(self._valid_raw(), signature=signature)
        self._post(self._valid_raw(), secret=self.company_b_secret)  # B's secret at A's URL
        self.assertEqual(self.Notification.search_count([]), before)
        self.env.invalidate_all()
        self.assertEqual(self.connection.webhook_rejected_count, 4)
        self.assertEqual(self.connection_b.webhook_rejected_count, 0)
        refusals = self.env["cronofy.webhook.refusal"].search(
            [("connection_id", "=", self.connection.id)]
        )
        self.assertEqual(
            sorted(refusals.mapped("reason")), ["invalid", "invalid", "missing", "missing"]
        )

    # -- two companies --------------------------------------------------------------------

    @mute_logger("odoo.addons.hr_recruitment_cronofy.models.cronofy_notification")
    def test_another_company_cannot_drop_our_notification(self):
        """The probe's attack: company B posts, to its own URL with its own secret, a
        notification with the identity of one due to company A. Both are kept, and
        A's is applied to A's request."""
        request = self._send_link()
        payload = self._payload(
            request.cronofy_id,
            "scheduling_request_time_chosen",
            PAST,
            correlation_id=request.correlation_id,
            event=SLOT,
        )
        first = self._post(payload, secret=self.company_b_secret, path=self.path_b)
        self.assertEqual(first.status_code, 200)
        genuine = self._post(payload)
        self.assertEqual(genuine.status_code, 200)
        rows = self._notifications(request)
        self.assertEqual(len(rows), 2, "one row per connection")
        self.assertEqual(rows.connection_id, self.connection | self.connection_b)
        self.assertEqual(len(set(rows.mapped("dedupe_key"))), 1, "the same Cronofy identity")
        self._process()
        row_a = rows.filtered(lambda row: row.connection_id == self.connection)
        row_b = rows - row_a
        self.assertEqual(row_a.state, "done")
        self.assertEqual(row_a.scheduling_request_id, request)
        self.assertEqual(row_b.state, "orphan")
        self.assertFalse(row_b.scheduling_request_id)
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(str(request.interview_start), "2031-01-01 09:00:00")
        # A second delivery to A is still a duplicate of A's own row.
        self.assertEqual(self._post(payload).status_code, 200)
        self.assertEqual(len(self._notifications(request)), 2)

    @mute_logger("odoo.addons.hr_recruitment_cronofy.models.cronofy_notification")
    def test_another_companys_notification_does_not_claim_our_request_by_correlation(self):
        # A request of company A that Cronofy has not named yet (embed answer lost).
        request = self.Request.create(
            {"applicant_id": self.applicant.id, "state": "pending", "origin": "embed"}
        )
        self.assertFalse(request.cronofy_id)
        payload = self._payload(
            "srq_claimed_by_b",
            "scheduling_request_time_chosen",
            PAST,
            correlation_id=request.correlation_id,
            event=SLOT,
        )
        self._post(payload, secret=self.company_b_secret, path=self.path_b)
        self._process()
        self.assertFalse(request.cronofy_id, "B's body must not write A's request")
        self.assertEqual(request.state, "pending")
        self.assertEqual(
            self._notifications()
            .filtered(lambda row: row.cronofy_request_ref == "srq_claimed_by_b")
            .state,
            "orphan",
        )

    # -- time and links from outside ----------------------------------------------------------

    def test_a_date_in_the_future_is_clamped_and_later_genuine_news_still_applies(self):
        request = self._send_link()
        forged = self._payload(
            request.cronofy_id,
            "scheduling_request_time_chosen",
            "2099-01-01T00:00:00Z",
            correlation_id=request.correlation_id,
            event=SLOT,
        )
        before = fields.Datetime.now()
        self.assertEqual(self._post(forged).status_code, 200)
        row = self._notifications(request)
        self.assertLess(row.triggered_at, before + timedelta(minutes=1))
        self.assertGreaterEqual(row.triggered_at, before - timedelta(seconds=1))
        self.assertIn("2099-01-01 00:00:00", row.intake_note)
        self._process()
        self.assertEqual(request.state, "time_chosen")
        self.assertLess(request.last_notification_at, before + timedelta(minutes=1))
        # Cronofy's genuine reschedule a minute later (within the skew allowance).
        genuine = self._payload(
            request.cronofy_id,
            "scheduling_request_rescheduled",
            _iso(datetime.now(UTC) + timedelta(minutes=1)),
            correlation_id=request.correlation_id,
            event=LATER_SLOT,
        )
        self.assertEqual(self._post(genuine).status_code, 200)
        self._process()
        latest = self._notifications(request)[-1]
        self.assertEqual(latest.state, "done", latest.error)
        self.assertFalse(latest.intake_note)
        self.assertEqual(request.state, "rescheduled")
        self.assertEqual(str(request.interview_start), "2031-01-02 09:00:00")

    @mute_logger("odoo.addons.hr_recruitment_cronofy.models.cronofy_scheduling_request")
    def test_links_outside_the_cronofy_app_host_are_not_kept(self):
        request = self._send_link()
        app = self.connection._endpoints().app_base_url
        payload = self._payload(
            request.cronofy_id,
            "scheduling_request_time_chosen",
            PAST,
            correlation_id=request.correlation_id,
            event=dict(SLOT, conferencing={"join_url": "javascript:alert(1)"}),
        )
        payload["scheduling_request"].update(
            dashboard_url="https://evil.example/dashboard",
            recipient_operations={
                "view_url": app + "/rts/view",
                "reschedule_url": "javascript:alert(document.cookie)",
                "decline_url": app + "/rts/decline",
            },
        )
        self.assertEqual(self._post(payload).status_code, 200)
        self._process()
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(request.decline_url, app + "/rts/decline", "the app's own link is kept")
        self.assertNotIn("javascript", request.reschedule_url or "")
        self.assertNotIn("evil.example", request.dashboard_url or "")
        self.assertFalse(request.event_id.videocall_location)
        description = str(request.event_id.description or "")
        self.assertNotIn("evil.example", description)
        self.assertNotIn("javascript:", description)
