"""Where Cronofy's contract is undocumented, Odoo asks Cronofy instead of guessing
(issue 15): unknown notification types, Book Now's created notification, links
that appear only after booking, undocumented slot_selection values, webhook
silence. Everything against the simulator over real HTTP."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import html2plaintext, mute_logger

from odoo.addons.hr_recruitment_cronofy.cronofy_protocol import (
    parse_scheduling_request,
    recipient,
)

from .webhook_common import CronofyWebhookCase

PAST = "2026-01-01T00:00:00Z"
QUERY_ROUTE = "scheduling_requests.query"
SLOT = {
    "summary": "Interview",
    "start": {"time": "2031-01-01T09:00:00Z", "tzid": "Europe/London"},
    "end": {"time": "2031-01-01T09:30:00Z", "tzid": "Europe/London"},
}


def _soon():
    """A minute from now: later than the simulator's notifications, within the
    clock-skew allowance."""
    moment = fields.Datetime.now() + timedelta(minutes=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@tagged("post_install", "-at_install")
class TestFieldSafety(CronofyWebhookCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim_base = cls.connection._endpoints().app_base_url

    def _book_silently(self, request):
        """The candidate books at "Cronofy", and the push notification is lost."""
        self.sim.add_fault("webhook", "drop")
        self._choose(request)
        self.assertFalse(self._notifications(request))

    # -- 1. notifications Odoo cannot read the meaning of -------------------------------

    def test_an_unknown_type_makes_odoo_ask_cronofy_and_apply_its_answer(self):
        request = self._send_link()
        self._book_silently(request)
        self.sim.clear_calls()
        self._post(
            self._payload(
                request.cronofy_id,
                "scheduling_request_viewed",
                PAST,
                correlation_id=request.correlation_id,
            )
        )
        self._process()
        self.assertEqual(len(self.sim.calls(route=QUERY_ROUTE)), 1, "Cronofy was asked")
        unknown, answer = self._notifications(request)
        self.assertEqual(unknown.state, "done")
        self.assertIn("scheduling_request_viewed", unknown.error)
        self.assertIn("Asked Cronofy", unknown.error)
        self.assertEqual(answer.source, "reconciler")
        self.assertEqual(answer.state, "done")
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(len(self._interviews(request)), 1)
        # The same unknown type again: Cronofy was asked since; nothing twice.
        self._post(
            self._payload(
                request.cronofy_id,
                "scheduling_request_viewed",
                "2026-01-01T00:00:05Z",
                correlation_id=request.correlation_id,
            )
        )
        self._process()
        self.assertEqual(len(self._interviews(request)), 1)
        self.assertEqual(request.state, "time_chosen")

    def test_an_unknown_type_on_an_unchanged_request_changes_nothing(self):
        request = self._send_link()
        self._post(self._payload(request.cronofy_id, "scheduling_request_viewed", PAST))
        self._process()
        row = self._notifications(request)
        self.assertEqual(len(row), 1, "no reconciler row: nothing changed")
        self.assertEqual(row.state, "done")
        self.assertIn("nothing changed", row.error)
        self.assertEqual(request.state, "pending")

    @mute_logger("odoo.addons.hr_recruitment_cronofy.models.cronofy_notification")
    def test_cronofy_unreachable_while_asking_is_retried_later(self):
        request = self._send_link()
        self.sim.add_fault(QUERY_ROUTE, "status", status=503, count=5)
        self._post(self._payload(request.cronofy_id, "scheduling_request_viewed", PAST))
        self._process()
        row = self._notifications(request)
        self.assertEqual(row.state, "failed")
        self.assertIn("Asking Cronofy failed", row.error)
        self.assertTrue(row.next_attempt_at, "retried automatically")

    def test_a_notification_naming_no_request_is_skipped_with_the_reason(self):
        payload = {"notification": {"type": "profile_initial_sync_completed", "triggered_at": PAST}}
        self.assertEqual(self._post(payload).status_code, 200)
        row = self.Notification.search([("raw_body", "=", json.dumps(payload))])
        self.assertEqual(row.state, "skipped")
        self.assertEqual(row.notification_type, "profile_initial_sync_completed")
        self.assertIn("names no scheduling request", row.error)

    # -- 2. "request created": Book Now, and a request Odoo does not know -------------------

    def test_book_now_created_notification_creates_the_interview(self):
        correlation_id = self.Request._new_correlation_id(self.applicant)
        payload = self._payload(
            "srq_book_now_1",
            "scheduling_request_created",
            PAST,
            correlation_id=correlation_id,
            event=SLOT,
        )
        payload["scheduling_request"]["slot_selection_mode"] = "book_now"
        self.assertEqual(self._post(payload).status_code, 200)
        self._process()
        request = self.Request.search([("cronofy_id", "=", "srq_book_now_1")])
        self.assertEqual(request.applicant_id, self.applicant)
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(str(request.interview_start), "2031-01-01 09:00:00")
        self.assertEqual(len(self._interviews(request)), 1)
        # Should Cronofy also send a time-chosen notification: still one interview.
        self._post(
            self._payload(
                "srq_book_now_1",
                "scheduling_request_time_chosen",
                "2026-01-01T00:00:01Z",
                correlation_id=correlation_id,
                event=SLOT,
            )
        )
        self._process()
        self.assertEqual(len(self._interviews(request)), 1)

    def test_a_created_pending_request_odoo_does_not_know_is_recorded(self):
        correlation_id = self.Request._new_correlation_id(self.applicant)
        payload = self._payload(
            "srq_created_pending", "scheduling_request_created", PAST, correlation_id=correlation_id
        )
        payload["scheduling_request"].update(
            slot_selection="pending",
            recipient_operations={"view_url": self.sim_base + "/rts/created-pending"},
        )
        self._post(payload)
        self._process()
        request = self.Request.search([("cronofy_id", "=", "srq_created_pending")])
        self.assertEqual(request.applicant_id, self.applicant)
        self.assertEqual(request.state, "pending")
        self.assertTrue(request.candidate_url.startswith(self.sim_base + "/rts/created-pending"))
        self.assertEqual(self._notifications(request).state, "done")
        # For a request Odoo knows, the created notification is harmless.
        known = self._send_link()
        self._post(self._payload(known.cronofy_id, "scheduling_request_created", PAST))
        self._process()
        self.assertEqual(self._notifications(known).state, "done")
        self.assertEqual(known.state, "pending")

    # -- 3. links that appear only after booking -------------------------------------------

    def test_reschedule_and_decline_links_reach_the_interview_when_they_appear(self):
        request = self._send_link()
        request.write({"reschedule_url": False, "decline_url": False})  # as Cronofy answers
        payload = self._payload(
            request.cronofy_id,
            "scheduling_request_time_chosen",
            PAST,
            correlation_id=request.correlation_id,
            event=SLOT,
        )
        payload["scheduling_request"]["recipient_operations"] = {
            "view_url": self.sim_base + "/rts/x",
            "reschedule_url": self.sim_base + "/rts/x?reschedule=true",
            "decline_url": self.sim_base + "/rts/x?decline=true",
        }
        self._post(payload)
        self._process()
        description = str(self._interviews(request).description)
        self.assertIn("/rts/x?reschedule=true", description)
        self.assertIn("/rts/x?decline=true", description)
        note = self.applicant.message_ids.filtered(lambda m: "chose a time" in str(m.body))
        self.assertIn("/rts/x?reschedule=true", str(note.body))
        self.assertIn("/rts/x?decline=true", str(note.body))

    def test_an_edited_interview_description_is_kept_when_links_change(self):
        request = self._send_link()
        self._choose(request)
        self._process()
        event = self._interviews(request)
        event.description = "<p>Bring the portfolio.</p>"
        self._post(
            self._payload(
                request.cronofy_id,
                "scheduling_request_rescheduled",
                _soon(),
                event=dict(
                    SLOT,
                    start={"time": "2031-01-02T09:00:00Z", "tzid": "UTC"},
                    end={"time": "2031-01-02T09:30:00Z", "tzid": "UTC"},
                ),
            )
        )
        self._process()
        self.assertEqual(request.state, "rescheduled")
        self.assertEqual(html2plaintext(event.description), "Bring the portfolio.")

    # -- 6. slot_selection values Cronofy does not document ------------------------------------

    def test_an_unreadable_answer_changes_nothing_and_asks_the_recruiter(self):
        request = self._send_link()
        answer = parse_scheduling_request(
            {"scheduling_request_id": request.cronofy_id, "slot_selection": "expired"}
        )
        queued = request._queue_cronofy_answers(self.connection, [answer])
        self.assertEqual(queued, 0)
        self.assertEqual(request.state, "pending")
        activity = self.applicant.activity_ids.filtered(
            lambda a: a.summary == "Check this scheduling request in Cronofy"
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("expired", str(activity.note))
        # Asked again: still one activity.
        request._queue_cronofy_answers(self.connection, [answer])
        self.assertEqual(
            len(
                self.applicant.activity_ids.filtered(
                    lambda a: a.summary == "Check this scheduling request in Cronofy"
                )
            ),
            1,
        )

    def test_an_undocumented_value_with_a_booked_time_is_a_booking(self):
        request = self._send_link()
        answer = parse_scheduling_request(
            {
                "scheduling_request_id": request.cronofy_id,
                "slot_selection": "booked",
                "event": SLOT,
            }
        )
        self.assertEqual(request._queue_cronofy_answers(self.connection, [answer]), 1)
        self._process()
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(str(request.interview_start), "2031-01-01 09:00:00")

    # -- 4. webhook silence ------------------------------------------------------------------------

    def _age(self, request, hours):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE cronofy_scheduling_request SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(hours=hours), request.id],
        )
        self.env.invalidate_all()

    def test_a_silent_connection_is_polled_and_says_so(self):
        request = self._send_link()
        self._age(request, 2)
        self.assertTrue(self.connection._push_is_silent())
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.push_status, "silent")
        self.assertIn("Universal Push Notification URL", self.connection.push_status_message)
        self._book_silently(request)
        self.Request._cron_reconcile_pending()  # 2 h old: not yet the 24 h rule
        row = self._notifications(request)
        self.assertEqual(row.source, "reconciler")
        self._process()
        self.assertEqual(request.state, "time_chosen")
        self.assertTrue(self.connection.push_missed_at)
        self.connection.invalidate_recordset()
        self.assertIn("Confirmed", self.connection.push_status_message)
        # Polled again within the poll interval: no second query.
        self.sim.clear_calls()
        self.Request._cron_reconcile_pending()
        self.assertFalse(self.sim.calls(route=QUERY_ROUTE))
        # Booked requests are still followed (a reschedule may come): after the
        # interval, asked again.
        request.reconciled_at = fields.Datetime.now() - timedelta(minutes=10)
        self.Request._cron_reconcile_pending()
        self.assertEqual(len(self.sim.calls(route=QUERY_ROUTE)), 1)

    def test_a_connection_receiving_notifications_is_not_polled(self):
        request = self._send_link()
        self._age(request, 2)
        self._choose(request)  # a real push notification arrives
        self.assertFalse(self.connection._push_is_silent())
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.push_status, "receiving")
        self.sim.clear_calls()
        self.Request._cron_reconcile_pending()
        self.assertFalse(self.sim.calls(route=QUERY_ROUTE))

    # -- 7. the Embedded Scheduler script ---------------------------------------------------

    def test_test_connection_checks_the_embedded_scheduler_script(self):
        self.assertIsNone(self.connection._test_connection(), "the simulator's own script")
        self.connection.embed_script_url = self.sim_base + "/_sim/health"
        message = self.connection._test_connection()
        self.assertIn("Embedded Scheduler script:", message)
        self.assertIn("media type", message)
        # One failing line makes the summary "error"; the credentials are untouched.
        self.assertEqual(self.connection.state, "error")
        self.assertIn("Embedded Scheduler script", self.connection.last_error)
        statuses = {line["key"]: line["status"] for line in self.connection.check_results}
        self.assertEqual(statuses["script"], "failed")
        self.assertEqual(statuses["api"], "ok")
        self.connection.embed_script_url = self.sim_base + "/embed/missing.js"
        self.assertIn("HTTP 404", self.connection._test_connection())
        self.connection.embed_script_url = self.sim_base + "/embed/scheduler-embed.js"
        self.assertIsNone(self.connection._test_connection())
        self.assertFalse(self.connection.last_error)


@tagged("post_install", "-at_install")
class TestFieldSafetyAgainstTheSimulator(CronofyWebhookCase):
    """The same points, played by the simulator as the real Cronofy may behave."""

    def setUp(self):
        super().setUp()
        self.sim.configure(template_event_overrides="accept", notify_on_create=False)
        self.sim.set_push_notifications(self.demo["application_id"], "all")

    def test_pending_answers_carry_no_reschedule_link_and_the_booking_brings_them(self):
        request = self._send_link()
        self.assertTrue(request.candidate_url)
        self.assertFalse(request.reschedule_url, "Cronofy gives them only once booked")
        self.assertFalse(request.decline_url)
        self._choose(request)
        self._process()
        self.assertTrue(request.reschedule_url)
        self.assertTrue(request.decline_url)
        description = str(self._interviews(request).description)
        self.assertIn(request.reschedule_url.replace("&", "&amp;"), description)
        self.assertIn(request.decline_url.replace("&", "&amp;"), description)

    def test_book_now_through_the_simulator_books_one_interview(self):
        correlation_id = self.Request._new_correlation_id(self.applicant)
        booked = self.sim.book_now(
            [recipient("ada@example.com", "Ada")],
            template="sgr_demo_interview_30",
            correlation_id=correlation_id,
        )
        self._deliver()
        self._process()
        request = self.Request.search([("cronofy_id", "=", booked["scheduling_request_id"])])
        self.assertEqual(request.applicant_id, self.applicant)
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(len(self._interviews(request)), 1)
        self.assertTrue(request.reschedule_url)

    def test_created_notifications_for_pending_requests_are_harmless(self):
        self.sim.configure(notify_on_create=True)
        # Delivered while the create is still in this test's transaction, it would race
        # the test thread on the test cursor: dropped, then posted here as it was sent.
        self.sim.add_fault("webhook", "drop")
        request = self._send_link()
        self.assertTrue(self.sim.wait_for_webhooks(timeout=20))
        (dropped,) = self.sim.deliveries(scheduling_request_id=request.cronofy_id, status="dropped")
        self.assertEqual(self._post(dropped["body"].encode()).status_code, 200)
        self._process()
        row = self._notifications(request)
        self.assertEqual(row.notification_type, "scheduling_request_created")
        self.assertEqual(row.state, "done")
        self.assertEqual(request.state, "pending")

    def test_an_unknown_type_from_the_simulator_is_resolved_by_asking(self):
        request = self._send_link()
        self.sim.add_fault("webhook", "drop")
        self._choose(request)
        self.sim.notify(request.cronofy_id, "scheduling_request_viewed", omit_event_times=True)
        self._deliver()
        self._process()
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(len(self._interviews(request)), 1)

    def test_an_undocumented_slot_selection_asks_the_recruiter(self):
        request = self._send_link()
        self.sim.force_slot_selection(request.cronofy_id, "expired")
        self.env["ir.config_parameter"].set_param(
            "hr_recruitment_cronofy.reconcile_after_hours", "0"
        )
        self.Request._cron_reconcile_pending()
        self.assertFalse(self._notifications(request))
        self.assertEqual(request.state, "pending")
        self.assertTrue(
            self.applicant.activity_ids.filtered(
                lambda a: a.summary == "Check this scheduling request in Cronofy"
            )
        )

    def test_a_connection_cronofy_never_pushes_to_is_polled(self):
        self.sim.set_push_notifications(self.demo["application_id"], "none")
        request = self._send_link()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE cronofy_scheduling_request SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(hours=2), request.id],
        )
        self.env.invalidate_all()
        self._choose(request)
        self.assertFalse(self._notifications(request), "Cronofy pushed nothing")
        self.Request._cron_reconcile_pending()
        self._process()
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(len(self._interviews(request)), 1)
        self.assertTrue(self.connection.push_missed_at)
