"""From the candidate's click at "Cronofy" to the interview on the applicant: the
simulator delivers signed notifications to this server over HTTP, the processing
cron applies them."""

import json
from datetime import UTC, datetime

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .webhook_common import CronofyWebhookCase


def _odoo_datetime(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


@tagged("post_install", "-at_install")
class TestInterviewChain(CronofyWebhookCase):
    def _sim_times(self, request):
        facts = self.sim.scheduling_request(request.cronofy_id)["_sim"]
        return _odoo_datetime(facts["start"]), _odoo_datetime(facts["end"]), facts["tzid"]

    def _later_slot(self, request):
        """A free start other than the booked one, for a real move."""
        booked = self.sim.scheduling_request(request.cronofy_id)["_sim"]["start"]
        slots = self.sim.slots(request.cronofy_id)
        return next(slot["start"] for slot in reversed(slots) if slot["start"] != booked)

    def _dropped_bodies(self, request):
        deliveries = self.sim.deliveries(scheduling_request_id=request.cronofy_id, status="dropped")
        return {d["notification_type"]: d["body"].encode() for d in deliveries}

    def test_candidate_chooses_reschedules_and_declines(self):
        request = self._send_link()
        self._choose(request)
        self.assertEqual(self._notifications(request).mapped("state"), ["received"])
        self._process()
        self.assertEqual(self._notifications(request).mapped("state"), ["done"])
        start, stop, tzid = self._sim_times(request)
        event = self._interviews(request)
        self.assertEqual(len(event), 1)
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(request.event_id, event)
        self.assertEqual((event.start, event.stop), (start, stop))
        self.assertEqual((request.interview_start, request.interview_stop), (start, stop))
        self.assertEqual(request.interview_tzid, tzid)
        self.assertEqual(event.applicant_id, self.applicant)
        self.assertEqual(event.res_model, "hr.applicant")
        self.assertEqual(event.res_id, self.applicant.id)
        self.assertEqual(event.user_id, self.recruiter)
        self.assertIn(self.applicant.partner_id, event.partner_ids)
        self.assertEqual(self.applicant.partner_id.email, "ada@example.com")
        self.assertIn(self.recruiter.partner_id, event.partner_ids)
        self.assertIn(request.reschedule_url, event.description)
        self.assertIn(request.decline_url, event.description)
        # Cronofy sent the invitations: Odoo sends none.
        self.assertFalse(
            self.env["mail.mail"].search(
                [("model", "=", "calendar.event"), ("res_id", "=", event.id)]
            )
        )
        # The kanban card's stored field.
        self.assertEqual(self.applicant.cronofy_interview_start, start)
        self.assertEqual(self.applicant.cronofy_scheduling_state, "time_chosen")
        # The chatter, in the candidate's zone, with the candidate's name escaped.
        chosen = self.applicant.message_ids.filtered(lambda m: "chose a time" in m.body)
        self.assertEqual(len(chosen), 1)
        self.assertIn("Ada &lt;b&gt;Lovelace&lt;/b&gt;", chosen.body)
        self.assertIn(f"({tzid})", chosen.body)

        self.sim.reschedule(request.cronofy_id, start=self._later_slot(request))
        self._deliver()
        self._process()
        new_start, new_stop, _tzid = self._sim_times(request)
        self.assertNotEqual(new_start, start)
        self.assertEqual(self._interviews(request), event, "the same interview is moved")
        self.assertEqual((event.start, event.stop), (new_start, new_stop))
        self.assertEqual(request.state, "rescheduled")
        self.assertEqual(self.applicant.cronofy_interview_start, new_start)

        self.sim.decline(request.cronofy_id)
        self._deliver()
        self._process()
        self.assertEqual(request.state, "declined")
        self.assertFalse(event.active, "a declined interview is archived")
        self.assertFalse(self.applicant.meeting_ids)
        self.assertEqual(len(self._interviews(request)), 1)
        self.assertTrue(self.applicant.message_ids.filtered(lambda m: "declined" in m.body))

    def test_host_cancellation_cancels_the_interview(self):
        request = self._send_link()
        self._choose(request)
        self.sim.cancel(request.cronofy_id)
        self._deliver()
        self._process()
        self.assertEqual(request.state, "cancelled")
        self.assertFalse(self._interviews(request).active)
        self.assertEqual(self._notifications(request).mapped("state"), ["done", "done"])

    def test_duplicate_deliveries_make_one_interview(self):
        request = self._send_link()
        self.sim.add_fault("webhook", "duplicate")
        self._choose(request)
        deliveries = self.sim.deliveries(scheduling_request_id=request.cronofy_id)
        self.assertEqual(len(deliveries), 2)
        self.assertEqual(len(self._notifications(request)), 1)
        self._process()
        # Replaying an applied notification changes nothing either.
        self._notifications(request).action_replay()
        self._process()
        self.assertEqual(self._notifications(request).state, "skipped")
        self.assertEqual(len(self._interviews(request)), 1)
        self.assertEqual(
            len(self.applicant.message_ids.filtered(lambda m: "chose a time" in m.body)), 1
        )

    def test_an_older_notification_arriving_late_does_not_undo_a_newer_one(self):
        request = self._send_link()
        self.sim.add_fault("webhook", "drop", count=2)
        self.sim.choose(request.cronofy_id, correlation_id=request.correlation_id)
        chosen_start, _stop, _tzid = self._sim_times(request)
        self.sim.reschedule(request.cronofy_id, start=self._later_slot(request))
        rescheduled_start, _stop, _tzid = self._sim_times(request)
        self.assertNotEqual(chosen_start, rescheduled_start)
        bodies = self._dropped_bodies(request)
        self.assertEqual(self._post(bodies["scheduling_request_rescheduled"]).status_code, 200)
        self._process()
        self.assertEqual(request.state, "rescheduled")
        self.assertEqual(self._post(bodies["scheduling_request_time_chosen"]).status_code, 200)
        self._process()
        self.assertEqual(request.state, "rescheduled")
        self.assertEqual(request.interview_start, rescheduled_start)
        event = self._interviews(request)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.start, rescheduled_start)
        states = {n.notification_type: n.state for n in self._notifications(request)}
        self.assertEqual(states["scheduling_request_time_chosen"], "skipped")

    def test_two_moves_in_the_same_second_converge_on_cronofys_answer(self):
        request = self._send_link()
        self._choose(request)
        self._process()
        self.sim.add_fault("webhook", "drop")
        self.sim.reschedule(request.cronofy_id, start=self._later_slot(request))
        current_start, _stop, _tzid = self._sim_times(request)
        real = json.loads(self._dropped_bodies(request)["scheduling_request_rescheduled"])
        # Another move stamped with the same second, to a slot that is no longer booked.
        other = json.loads(json.dumps(real))
        for key in ("start", "end"):
            moment = other["scheduling_request"]["event"][key]
            moment["time"] = moment["time"][:11] + "05:00:00Z"
        for payload in (real, other):
            self.assertEqual(self._post(payload).status_code, 200)
            self._process()
        self.assertEqual(len(self._notifications(request)), 3, "distinct dedupe keys")
        self.assertEqual(request.interview_start, current_start)
        self.assertEqual(self._interviews(request).start, current_start)

    def _strip_times(self, body):
        payload = json.loads(body)
        payload["scheduling_request"]["event"].pop("start")
        payload["scheduling_request"]["event"].pop("end")
        return payload

    def test_missing_times_are_asked_from_the_scheduler_api(self):
        request = self._send_link()
        self.sim.add_fault("webhook", "drop")
        self.sim.choose(request.cronofy_id, correlation_id=request.correlation_id)
        payload = self._strip_times(self._dropped_bodies(request)["scheduling_request_time_chosen"])
        self.sim.clear_calls()
        self.assertEqual(self._post(payload).status_code, 200)
        self.assertFalse(self.sim.calls(route="scheduling_requests.query"), "not in the request")
        self._process()
        self.assertEqual(len(self.sim.calls(route="scheduling_requests.query")), 1)
        start, _stop, _tzid = self._sim_times(request)
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(self._interviews(request).start, start)

    @mute_logger("odoo.addons.hr_recruitment_cronofy.models.cronofy_notification")
    def test_a_processing_error_is_kept_and_a_replay_succeeds(self):
        request = self._send_link()
        self.sim.add_fault("webhook", "drop")
        self.sim.choose(request.cronofy_id, correlation_id=request.correlation_id)
        payload = self._strip_times(self._dropped_bodies(request)["scheduling_request_time_chosen"])
        self.sim.add_fault("scheduling_requests.query", "status", status=403)
        self._post(payload)
        self._process()
        row = self._notifications(request)
        self.assertEqual(row.state, "failed")
        self.assertEqual(row.attempts, 1)
        self.assertTrue(row.next_attempt_at, "retried automatically later")
        self.assertIn("interview time", row.error)
        self.assertFalse(self._interviews(request))
        self.assertEqual(request.state, "pending")
        # Not due yet: the cron leaves it alone.
        self._process()
        self.assertEqual(row.attempts, 1)
        row.action_replay()
        self._process()
        self.assertEqual(row.state, "done")
        self.assertEqual(row.attempts, 2)
        self.assertFalse(row.error)
        self.assertEqual(len(self._interviews(request)), 1)

    @mute_logger("odoo.addons.hr_recruitment_cronofy.models.cronofy_notification")
    def test_a_crash_while_applying_rolls_back_that_notification_only(self):
        request = self._send_link()
        self._choose(request)
        Request = type(self.Request)
        original = Request._upsert_interview

        def broken(*args, **kwargs):
            original(*args, **kwargs)  # the event is written, then the bug strikes
            raise ZeroDivisionError("simulated bug")

        Request._upsert_interview = broken
        try:
            self._process()
        finally:
            Request._upsert_interview = original
        row = self._notifications(request)
        self.assertEqual(row.state, "failed")
        self.assertIn("ZeroDivisionError", row.error)
        self.assertFalse(self._interviews(request), "nothing half-applied")
        self.assertEqual(request.state, "pending")
        row.action_replay()
        self._process()
        self.assertEqual(row.state, "done")
        self.assertEqual(request.state, "time_chosen")

    def test_unknown_request_is_an_orphan_an_admin_can_match(self):
        payload = self._payload(
            "srq_unknown_1",
            "scheduling_request_time_chosen",
            "2026-02-01T10:00:00Z",
            event={
                "summary": "Interview",
                "start": {"time": "2030-02-04T09:00:00Z", "tzid": "Europe/Paris"},
                "end": {"time": "2030-02-04T09:30:00Z", "tzid": "Europe/Paris"},
            },
        )
        self._post(payload)
        self._process()
        row = self.Notification.search([("cronofy_request_ref", "=", "srq_unknown_1")])
        self.assertEqual(row.state, "orphan")
        self.assertIn("srq_unknown_1", row.error)
        row.match_applicant_id = self.applicant
        row.action_match()
        self._process()
        self.assertEqual(row.state, "done")
        request = row.scheduling_request_id
        self.assertEqual(request.applicant_id, self.applicant)
        self.assertEqual(request.cronofy_id, "srq_unknown_1")
        self.assertEqual(str(self._interviews(request).start), "2030-02-04 09:00:00")

    def test_a_forged_correlation_id_is_an_orphan_and_a_signed_one_finds_its_applicant(self):
        forged = self._payload(
            "srq_unknown_2",
            "scheduling_request_declined",
            "2026-02-01T10:00:00Z",
            correlation_id=f"odoo-a{self.applicant.id}-abcdef123456-0000000000000000",
        )
        self._post(forged)
        # A link Odoo made (signed correlation id) whose request was never recorded.
        correlation_id = self.Request._new_correlation_id(self.applicant)
        with self.connection._scheduler_client() as client:
            from odoo.addons.hr_recruitment_cronofy.cronofy_protocol import recipient

            created = client.create_from_template(
                "sgr_demo_interview_30", [recipient("ada@example.com", "Ada")]
            )
        self.sim.choose(created.scheduling_request_id, correlation_id=correlation_id)
        self._deliver()
        self._process()
        self.assertEqual(
            self.Notification.search([("cronofy_request_ref", "=", "srq_unknown_2")]).state,
            "orphan",
        )
        request = self.Request.search([("cronofy_id", "=", created.scheduling_request_id)])
        self.assertEqual(request.applicant_id, self.applicant)
        self.assertEqual(request.correlation_id, correlation_id)
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(len(self._interviews(request)), 1)

    def test_unknown_types_are_stored_and_make_odoo_ask_cronofy(self):
        request = self._send_link()
        self.sim.clear_calls()
        self._post(
            self._payload(request.cronofy_id, "scheduling_request_viewed", "2026-02-01T10:00:00Z")
        )
        self._process()
        row = self._notifications(request)
        self.assertEqual(row.state, "done")
        self.assertIn("scheduling_request_viewed", row.error)
        self.assertEqual(len(self.sim.calls(route="scheduling_requests.query")), 1)
        self.assertEqual(request.state, "pending")

    def test_candidate_text_is_escaped_in_the_chatter_and_the_location_kept(self):
        request = self._send_link()
        event = {
            "summary": "Interview",
            "start": {"time": "2030-02-04T09:00:00Z", "tzid": "America/New_York"},
            "end": {"time": "2030-02-04T09:30:00Z", "tzid": "America/New_York"},
            "location": {"description": "https://meet.example.com/abc"},
            "metadata": {"scheduler": {"captured_data.notes": "<img src=x onerror=alert(1)>"}},
        }
        self._post(
            self._payload(
                request.cronofy_id,
                "scheduling_request_time_chosen",
                "2026-02-01T10:00:00Z",
                event=event,
            )
        )
        self._process()
        message = self.applicant.message_ids.filtered(lambda m: "chose a time" in m.body)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;", message.body)
        self.assertNotIn("<img", message.body)
        self.assertIn("Candidate's time: 02/04/2030 04:00 (America/New_York).", message.body)
        self.assertEqual(
            self._interviews(request).videocall_location, "https://meet.example.com/abc"
        )

    def _book_naming_hosts(self):
        """A booking through the simulator with Cronofy naming the host (Guess 28):
        the demo template's host is Alex Recruiter <alex@demo.example>, acc_demo_alex."""
        self.sim.configure(event_hosts="participants")
        self.addCleanup(self.sim.configure, event_hosts="none")
        request = self._send_link()
        self._choose(request)
        self._process()
        return request, self._interviews(request)

    def test_hosts_cronofy_names_become_attendees_and_organizer(self):
        alex = new_test_user(
            self.env, login="hrc_host_alex", email="Alex@Demo.Example", groups="base.group_user"
        )
        request, interview = self._book_naming_hosts()
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(interview.user_id, alex, "the host organizes the interview")
        self.assertIn(alex.partner_id, interview.partner_ids)
        self.assertIn(self.recruiter.partner_id, interview.partner_ids)
        # In the host's own calendar, as Odoo's calendar view searches it.
        mine = (
            self.env["calendar.event"]
            .with_user(alex)
            .search([("partner_ids", "in", alex.partner_id.ids)])
        )
        self.assertIn(interview, mine)
        self.assertFalse(request.interview_hosts_note)
        # The candidate's contact, made by Odoo from the address alone, is named.
        candidate = self.applicant.partner_id
        self.assertIn(candidate, interview.partner_ids)
        self.assertEqual(candidate.name, "Ada <b>Lovelace</b>")

    def test_a_host_is_found_by_cronofy_account_and_unknown_hosts_are_listed(self):
        # Another address at Odoo: only the account id links them.
        sam = new_test_user(
            self.env,
            login="hrc_host_other",
            email="alex.r@company.example",
            groups="base.group_user",
        )
        sam.sudo().cronofy_account_sub = "acc_demo_alex"
        request, interview = self._book_naming_hosts()
        self.assertEqual(interview.user_id, sam)
        self.assertIn(sam.partner_id, interview.partner_ids)
        # Without that link the host is named in the interview, not lost.
        sam.sudo().cronofy_account_sub = False
        request.invalidate_recordset()
        self.sim.reschedule(request.cronofy_id)
        self._deliver()
        self._process()
        self.assertEqual(request.state, "rescheduled")
        self.assertIn("Alex Recruiter <alex@demo.example>", request.interview_hosts_note)
        self.assertIn("Alex Recruiter &lt;alex@demo.example&gt;", interview.description)

    def test_when_cronofy_names_no_host_the_interview_says_so(self):
        request = self._send_link()
        self._choose(request)
        self._process()
        interview = self._interviews(request)
        self.assertEqual(interview.user_id, self.recruiter)
        self.assertIn("Cronofy did not say which host", interview.description)

    def test_a_bad_cronofy_account_id_is_refused(self):
        user = new_test_user(self.env, login="hrc_host_bad", groups="base.group_user")
        with self.assertRaises(ValidationError):
            user.sudo().cronofy_account_sub = "acc_1; DROP TABLE"

    def test_the_template_location_note_is_the_interview_location_when_cronofy_gives_none(self):
        request = self._send_link()
        # As if Cronofy had not applied the note sent at creation (audit U8).
        request.location_note = "Room 4, second floor"
        self.env.flush_all()  # before the simulator's webhook reaches the test server
        self._choose(request)
        self._process()
        self.assertEqual(self._interviews(request).location, "Room 4, second floor")

    def test_the_reconciler_repairs_a_lost_notification_without_applying_it_twice(self):
        request = self._send_link()
        self.sim.add_fault("webhook", "drop")
        self._choose(request)
        self.assertFalse(self._notifications(request))
        self.env["ir.config_parameter"].set_param(
            "hr_recruitment_cronofy.reconcile_after_hours", "0"
        )
        self.Request._cron_reconcile_pending()
        row = self._notifications(request)
        self.assertEqual(row.source, "reconciler")
        self._process()
        self.assertEqual(request.state, "time_chosen")
        self.assertTrue(request.reconciled_at)
        # The lost notification finally arrives: it is older, nothing changes.
        self._post(self._dropped_bodies(request)["scheduling_request_time_chosen"])
        self._process()
        # Either it is older (skipped), or the reconciler ran in the same second and
        # the late delivery is the very same notification (one row, deduplicated).
        states = self._notifications(request).mapped("state")
        self.assertIn(states, (["done"], ["done", "skipped"]))
        self.assertEqual(len(self._interviews(request)), 1)
        # A booked request is not queried again.
        self.sim.clear_calls()
        self.Request._cron_reconcile_pending()
        self.assertFalse(self.sim.calls(route="scheduling_requests.query"))

    def test_young_pending_requests_are_left_alone(self):
        self._send_link()
        self.sim.clear_calls()
        self.Request._cron_reconcile_pending()
        self.assertFalse(self.sim.calls(route="scheduling_requests.query"))
