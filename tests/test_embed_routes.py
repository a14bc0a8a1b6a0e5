"""The JSON routes behind the Embedded Scheduler, over real HTTP, against the simulator."""

import copy
import json

from odoo.tests import new_test_user, tagged

from ..cronofy_protocol import decode_embed_token
from .common import CronofyHttpCase
from .embed_common import EmbedFixtures

PREPARE = "/cronofy/embed/prepare"
CREATED = "/cronofy/embed/request_created"


@tagged("post_install", "-at_install")
class TestEmbedRoutes(EmbedFixtures, CronofyHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.interviewer = new_test_user(
            cls.env,
            login="hrc_embed_interviewer",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_interviewer",
        )
        cls.job.interviewer_ids = cls.interviewer
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls.other_recruiter = new_test_user(
            cls.env,
            login="hrc_embed_other_recruiter",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
            company_id=cls.other_company.id,
            company_ids=[(6, 0, cls.other_company.ids)],
        )

    def _call(self, route, params, login="hrc_embed_recruiter"):
        """The decoded JSON-RPC answer: ``{"result": ...}`` or ``{"error": ...}``."""
        if login:
            self.authenticate(login, login)
        else:
            self.url_open("/web/session/logout")
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        return response.json()

    def _result(self, route, params, **kwargs):
        answer = self._call(route, params, **kwargs)
        self.assertIn("result", answer, answer.get("error"))
        return answer["result"]

    def _error(self, route, params, **kwargs):
        answer = self._call(route, params, **kwargs)
        self.assertIn("error", answer, answer.get("result"))
        return answer["error"]["data"]

    def _created_params(self, applicant=None):
        applicant = applicant or self.applicant
        embed = self._result(PREPARE, {"applicant_id": applicant.id})
        payload = self._create_at_simulator(embed)
        return {
            "applicant_id": applicant.id,
            "correlation_id": embed["correlation_id"],
            "scheduling_request": payload,
        }

    # -- prepare -------------------------------------------------------------------

    def test_prepare_gives_a_secret_free_token_for_the_company_tenant_and_the_candidate(self):
        answer = self._call(PREPARE, {"applicant_id": self.applicant.id})
        embed = answer["result"]
        raw = json.dumps(answer)
        for secret in (self.demo["embed_secret"], self.demo["client_secret"]):
            self.assertNotIn(secret, raw)
        claims = decode_embed_token(embed["embed_token"], self.demo["embed_secret"])
        self.assertEqual(claims["tenant_id"], self.connection.tenant_id)
        self.assertEqual(claims["iss"], self.demo["embed_key"])
        self.assertFalse(
            {"embed_secret", "client_secret", "secret"} & set(claims), "no secret claims"
        )
        self.assertEqual(embed["script_url"], self.simulator.base_url + "/embed/scheduler-embed.js")
        self.assertEqual(embed["recipient_email"], "ada@example.com")
        self.assertEqual(embed["recipient_name"], "Ada <b>Lovelace</b>")
        self.assertIn("Embedded Test Engineer", embed["event_summary"])
        Request = self.env["cronofy.scheduling.request"]
        self.assertEqual(
            Request._applicant_id_from_correlation_id(embed["correlation_id"]), self.applicant.id
        )

    def test_prepare_refuses_interviewers_other_companies_and_anonymous_callers(self):
        params = {"applicant_id": self.applicant.id}
        error = self._error(PREPARE, params, login="hrc_embed_interviewer")
        self.assertEqual(error["name"], "odoo.exceptions.AccessError")
        error = self._error(PREPARE, params, login="hrc_embed_other_recruiter")
        self.assertEqual(error["name"], "odoo.exceptions.AccessError")
        error = self._error(PREPARE, params, login=None)
        self.assertEqual(error["name"], "odoo.http.SessionExpiredException")

    def test_prepare_without_configuration_says_what_is_missing_and_where(self):
        self.connection.embed_secret = False
        error = self._error(PREPARE, {"applicant_id": self.applicant.id})
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertIn("Embed Secret", error["message"])
        self.assertIn("Settings > Recruitment > Cronofy", error["message"])
        admin = self._new_admin("hrc_embed_admin")
        admin.groups_id += self.env.ref("hr_recruitment.group_hr_recruitment_user")
        error = self._error(PREPARE, {"applicant_id": self.applicant.id}, login="hrc_embed_admin")
        # An administrator gets a button to the Settings page.
        self.assertEqual(error["name"], "odoo.exceptions.RedirectWarning")
        self.assertEqual(
            error["arguments"][1],
            self.env.ref("hr_recruitment.action_hr_recruitment_configuration").id,
        )

    def test_prepare_for_real_cronofy_needs_an_explicit_script_url(self):
        self.connection.write({"app_base_url": False, "api_base_url": False})
        error = self._error(PREPARE, {"applicant_id": self.applicant.id})
        self.assertIn("Embedded Scheduler Script URL", error["message"])
        self.connection.embed_script_url = "https://scheduler.example.com/embed.js"
        embed = self._result(PREPARE, {"applicant_id": self.applicant.id})
        self.assertEqual(embed["script_url"], "https://scheduler.example.com/embed.js")

    def test_prepare_refuses_a_candidate_without_email(self):
        no_email = self._new_applicant("No Mail", False)
        error = self._error(PREPARE, {"applicant_id": no_email.id})
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertIn("no email address", error["message"])

    def test_prepare_refuses_nonsense_applicant_ids(self):
        for bad in (None, "1", True, 0, 10**9):
            error = self._error(PREPARE, {"applicant_id": bad})
            self.assertEqual(error["name"], "odoo.exceptions.UserError", bad)

    # -- request_created -----------------------------------------------------------

    def test_created_request_is_recorded_once_and_becomes_the_applicant_link(self):
        params = self._created_params()
        srq_id = params["scheduling_request"]["scheduling_request_id"]
        first = self._result(CREATED, params)
        again = self._result(CREATED, params)
        self.assertEqual(first, again)
        record = self.env["cronofy.scheduling.request"].browse(first["id"])
        self.assertEqual(record.cronofy_id, srq_id)
        self.assertEqual(record.origin, "embed")
        self.assertEqual(record.user_id, self.recruiter)
        self.assertEqual(record.correlation_id, params["correlation_id"])
        self.assertEqual(record.applicant_id, self.applicant)
        self.assertTrue(first["candidate_url"].startswith(self.simulator.base_url + "/rts/"))
        self.assertIn("correlation_id=", first["candidate_url"])
        self.assertEqual(self.applicant.cronofy_scheduling_url, first["candidate_url"])
        self.assertEqual(
            self.env["cronofy.scheduling.request"].search_count([("cronofy_id", "=", srq_id)]), 1
        )

    def test_forged_or_foreign_links_are_refused(self):
        params = self._created_params()
        link = params["scheduling_request"]["primary_select_url"]
        forgeries = [
            ("primary_select_url", "https://evil.example.com/rts/x"),
            ("dashboard_url", "http://169.254.169.254/latest"),
            # A real Cronofy host, but not this company's app host (the simulator).
            ("primary_select_url", "https://app.cronofy.com/rts/x"),
        ]
        for key, url in forgeries:
            forged = copy.deepcopy(params)
            forged["scheduling_request"][key] = url
            error = self._error(CREATED, forged)
            self.assertIn("outside Cronofy", error["message"], url)
        forged = copy.deepcopy(params)
        forged["scheduling_request"]["recipient_operations"]["decline_url"] = link.replace(
            "http://", "http://user@"
        )
        self.assertIn("outside Cronofy", self._error(CREATED, forged)["message"])
        self.assertFalse(self.applicant.cronofy_request_ids)

    def test_correlation_ids_must_be_signed_for_this_applicant(self):
        params = self._created_params()
        other = self._result(PREPARE, {"applicant_id": self.other_applicant.id})
        signed = params["correlation_id"]
        tampered = signed[:-1] + ("1" if signed.endswith("0") else "0")
        for correlation_id in (
            other["correlation_id"],
            tampered,
            "odoo-a1-deadbeef-0000000000000000",
        ):
            bad = dict(params, correlation_id=correlation_id)
            error = self._error(CREATED, bad)
            self.assertIn("not started for this applicant", error["message"])
        # Another applicant's id with this applicant's session is refused as well.
        swapped = dict(params, applicant_id=self.other_applicant.id)
        self.assertIn("not started for this applicant", self._error(CREATED, swapped)["message"])
        self.assertFalse(
            self.applicant.cronofy_request_ids | self.other_applicant.cronofy_request_ids
        )

    def test_unexpected_payloads_are_refused_naming_the_field(self):
        params = self._created_params()
        cases = {
            "scheduling_request": "not an object",
            "scheduling_request.scheduling_request_id": {"primary_select_url": "x"},
            "scheduling_request.duration.minutes": dict(
                params["scheduling_request"], duration={"minutes": "soon"}
            ),
        }
        for field, payload in cases.items():
            error = self._error(CREATED, dict(params, scheduling_request=payload))
            self.assertIn("unexpected answer", error["message"])
            self.assertIn(field, error["message"])
        no_link = copy.deepcopy(params)
        no_link["scheduling_request"].pop("primary_select_url")
        no_link["scheduling_request"].pop("recipient_operations")
        self.assertIn("without a link", self._error(CREATED, no_link)["message"])
        self.assertFalse(self.applicant.cronofy_request_ids)

    def test_a_link_for_someone_else_or_another_session_is_refused(self):
        embed = self._result(PREPARE, {"applicant_id": self.applicant.id})
        payload = self._create_at_simulator(embed, email="mallory@example.com")
        params = {
            "applicant_id": self.applicant.id,
            "correlation_id": embed["correlation_id"],
            "scheduling_request": payload,
        }
        self.assertIn("someone else", self._error(CREATED, params)["message"])
        params = self._created_params()
        self._result(CREATED, params)
        other_srq = self._created_params()["scheduling_request"]
        # A second request relayed under the first session's correlation id.
        self.assertIn(
            "another scheduling session",
            self._error(CREATED, dict(params, scheduling_request=other_srq))["message"],
        )

    def test_request_created_refuses_interviewers_and_other_companies(self):
        params = self._created_params()
        for login in ("hrc_embed_interviewer", "hrc_embed_other_recruiter"):
            error = self._error(CREATED, params, login=login)
            self.assertEqual(error["name"], "odoo.exceptions.AccessError", login)
        self.assertFalse(self.applicant.cronofy_request_ids)
