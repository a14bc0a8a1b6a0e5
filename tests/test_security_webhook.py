"""Security suite, Odoo side (tier 2): hostile input through the real controller,
company isolation of notifications, candidate-supplied text, access by role.

Forgery, rotation, replay and size limits of the intake itself are in
test_webhook_intake.py; OAuth state tampering, replay and expiry in test_oauth.py;
secrets visibility in test_connection.py; the parser and HMAC properties in
tests_plain/security/. This file adds what those do not cover."""

import json
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.hr_recruitment_cronofy.cronofy_protocol import compute_signature

from .webhook_common import TwoCompanyWebhookCase

set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-security-odoo-"))

# Bounded: each example is one HTTP round trip to the test server.
FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
COMPANY_B_SECRET = TwoCompanyWebhookCase.company_b_secret
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
near_miss = st.fixed_dictionaries(
    {
        "notification": st.fixed_dictionaries(
            {
                "type": st.sampled_from(
                    ["scheduling_request_time_chosen", "scheduling_request_declined", "x"]
                )
                | json_values,
                "triggered_at": st.sampled_from(["2026-01-01T00:00:00Z", "yesterday"])
                | json_values,
            }
        ),
        "scheduling_request": st.dictionaries(
            st.sampled_from(["scheduling_request_id", "event", "slot_selection", "recipients"]),
            json_values,
            max_size=4,
        ),
    }
)


@tagged("post_install", "-at_install")
class TestSecurityWebhook(TwoCompanyWebhookCase):
    # -- fuzzing the controller ------------------------------------------------------------

    @FUZZ
    @given(
        body=st.binary(min_size=1, max_size=300) | near_miss.map(lambda p: json.dumps(p).encode())
    )
    @mute_logger("odoo.addons.hr_recruitment_cronofy.models.cronofy_notification")
    def test_fuzzed_signed_bodies_get_a_clear_answer_and_are_never_lost(self, body):
        before = self.Notification.search_count([])
        response = self._post(body)
        self.assertIn(response.status_code, (200, 400), body)
        after = self.Notification.search_count([])
        if response.status_code == 200:
            # Stored (or already there): a signed body that parses as JSON is kept,
            # as failed with the reason when the parser refuses it.
            self.assertLessEqual(after - before, 1)
            self.assertTrue(self.Notification.search([("raw_body", "=", body.decode())]))
        else:
            self.assertEqual(after, before)

    @FUZZ
    @given(
        body=st.binary(min_size=1, max_size=200),
        header=st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=120),
    )
    @mute_logger("odoo.addons.hr_recruitment_cronofy.controllers.webhook")
    def test_fuzzed_signature_headers_are_refused(self, body, header):
        header = header or "x"
        before = self.Notification.search_count([])
        response = self._post(body, signature=header)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(self.Notification.search_count([]), before)

    def test_signed_empty_body_is_400(self):
        response = self.opener.post(
            self.base_url() + self.webhook_path,
            data=b"",
            headers={"Cronofy-HMAC-SHA256": compute_signature(b"", self.demo["client_secret"])},
            timeout=12,
        )
        self.assertEqual(response.status_code, 400)

    @mute_logger("odoo.addons.hr_recruitment_cronofy.controllers.webhook")
    def test_chunked_body_over_one_mebibyte_is_413(self):
        def chunks():
            for _ in range(17):
                yield b"x" * 65536

        response = self.url_open(
            self.webhook_path,
            data=chunks(),
            headers={"Content-Type": "application/json", "Cronofy-HMAC-SHA256": "x"},
        )
        self.assertEqual(response.status_code, 413)

    # -- companies ------------------------------------------------------------------------

    @mute_logger("odoo.addons.hr_recruitment_cronofy.controllers.webhook")
    def test_one_companys_secret_is_refused_at_another_companys_url(self):
        payload = self._payload(
            "srq_sec_cross", "scheduling_request_time_chosen", "2026-01-01T00:00:00Z"
        )
        self.assertEqual(self._post(payload, secret=COMPANY_B_SECRET).status_code, 401)
        self.assertEqual(self._post(payload, path=self.path_b).status_code, 401)
        self.assertEqual(
            self._post(payload, secret=COMPANY_B_SECRET, path=self.path_b).status_code, 200
        )
        row = self.Notification.search([("cronofy_request_ref", "=", "srq_sec_cross")])
        self.assertEqual(row.company_id, self.company_b)

    @mute_logger("odoo.addons.hr_recruitment_cronofy.models.cronofy_notification")
    def test_a_notification_at_company_a_cannot_touch_company_bs_request(self):
        applicant_b = self.env["hr.applicant"].create(
            {
                "candidate_id": self.env["hr.candidate"]
                .create({"partner_name": "B Candidate", "company_id": self.company_b.id})
                .id,
                "company_id": self.company_b.id,
            }
        )
        request_b = self.Request.create(
            {
                "applicant_id": applicant_b.id,
                "company_id": self.company_b.id,
                "cronofy_id": "srq_sec_company_b",
                "state": "pending",
            }
        )
        payload = self._payload(
            request_b.cronofy_id,
            "scheduling_request_time_chosen",
            "2026-01-01T00:00:00Z",
            correlation_id=request_b.correlation_id,
            event={
                "summary": "Interview",
                "start": {"time": "2031-01-01T09:00:00Z", "tzid": "UTC"},
                "end": {"time": "2031-01-01T09:30:00Z", "tzid": "UTC"},
            },
        )
        self.assertEqual(self._post(payload).status_code, 200)  # company A's URL and secret
        self._process()
        row = self.Notification.search([("cronofy_request_ref", "=", request_b.cronofy_id)])
        self.assertEqual(row.state, "orphan")
        self.assertEqual(request_b.state, "pending")
        self.assertFalse(request_b.event_id)

    # -- candidate-supplied text ---------------------------------------------------------------

    def test_candidate_supplied_text_is_escaped_in_the_interview_and_chatter(self):
        request = self._send_link()
        payload = self._payload(
            request.cronofy_id,
            "scheduling_request_time_chosen",
            "2026-01-01T00:00:00Z",
            correlation_id=request.correlation_id,
            event={
                "summary": XSS,
                "description": XSS,
                "start": {"time": "2031-01-01T09:00:00Z", "tzid": "Europe/London"},
                "end": {"time": "2031-01-01T09:30:00Z", "tzid": "Europe/London"},
                "location": {"description": XSS},
                "metadata": {"scheduler": {"captured_data": {"notes": XSS}}},
            },
        )
        self.assertEqual(self._post(payload).status_code, 200)
        self._process()
        self.assertEqual(request.state, "time_chosen")
        event = request.event_id
        self.assertTrue(event)
        # Char fields keep the text as text (the web client escapes it); HTML
        # fields and chatter bodies must hold no live markup from the candidate.
        self.assertNotIn("<script", str(event.description or ""))
        self.assertNotIn("onerror=alert", str(event.description or "").replace("&", ""))
        messages = (request.message_ids | self.applicant.message_ids | event.message_ids).filtered(
            lambda m: m.body
        )
        for message in messages:
            self.assertNotIn("<script", str(message.body))
            self.assertNotIn("<img src=x", str(message.body))
        self.assertIn("&lt;script&gt;", "".join(str(m.body) for m in messages), "note shown")

    # -- roles ----------------------------------------------------------------------------

    def test_only_admins_read_the_inbox_and_users_see_their_companies_requests(self):
        self._post(
            self._payload("srq_sec_roles", "scheduling_request_time_chosen", "2026-01-01T00:00:00Z")
        )
        request = self._send_link()
        recruiter = self.recruiter
        interviewer = new_test_user(
            self.env,
            login="hrc_sec_interviewer",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_interviewer",
        )
        portal = new_test_user(self.env, login="hrc_sec_portal", groups="base.group_portal")
        company_b_officer = new_test_user(
            self.env,
            login="hrc_sec_officer_b",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
            company_id=self.company_b.id,
            company_ids=[(6, 0, self.company_b.ids)],
        )
        for user in (recruiter, interviewer, portal, company_b_officer):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.Notification.with_user(user).search([]).mapped("raw_body")
                    self.Notification.with_user(user).check_access("read")
        self.assertEqual(
            self.Request.with_user(recruiter).search([("id", "=", request.id)]), request
        )
        self.assertFalse(
            self.Request.with_user(company_b_officer).search([("id", "=", request.id)])
        )
        self.assertFalse(self.Request.with_user(interviewer).search([("id", "=", request.id)]))
        with self.assertRaises(AccessError):
            self.Request.with_user(portal).search([])
