from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..cronofy_protocol import parse_scheduling_request

CRONOFY_REQUEST = {
    "scheduling_request_id": "srq_test_0001",
    "slot_selection": "pending",
    "primary_select_url": "https://app.cronofy.com/rts/AbCd1234",
    "dashboard_url": "https://app.cronofy.com/scheduler/requests/0001",
    "summary": "Interview for Backend Engineer",
    "duration": {"minutes": 45},
    "recipient_operations": {
        "view_url": "https://app.cronofy.com/rts/AbCd1234",
        "reschedule_url": "https://app.cronofy.com/rts/AbCd1234?reschedule=true",
        "decline_url": "https://app.cronofy.com/rts/AbCd1234?decline=true",
    },
}


@tagged("post_install", "-at_install")
class TestSchedulingRequest(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recruiter = new_test_user(
            cls.env,
            login="hrc_sr_recruiter",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
        )
        cls.job = cls.env["hr.job"].create({"name": "Scheduling Test Job"})
        cls.candidate = cls.env["hr.candidate"].create(
            {"partner_name": "Ada <b>Lovelace</b>", "email_from": "ada@example.com"}
        )
        cls.applicant = cls.env["hr.applicant"].create(
            {"candidate_id": cls.candidate.id, "job_id": cls.job.id}
        )
        cls.Request = cls.env["cronofy.scheduling.request"]
        # Links are kept only on the connection's Cronofy app host: app.cronofy.com.
        cls.connection = cls.env["cronofy.connection"]._for_company(cls.applicant.company_id)
        cls.connection.write({"datacenter": "us", "api_base_url": False, "app_base_url": False})

    def _create_request(self, applicant=None, **overrides):
        scheduling_request = parse_scheduling_request(dict(CRONOFY_REQUEST, **overrides))
        values = self.Request._values_from_cronofy(scheduling_request, self.connection)
        values.update(applicant_id=(applicant or self.applicant).id, origin="embed")
        return self.Request.with_user(self.recruiter).create(values)

    def test_request_from_cronofy_answer_keeps_links_and_tags_the_candidate_link(self):
        request = self._create_request()
        self.assertEqual(request.cronofy_id, "srq_test_0001")
        self.assertEqual(request.state, "pending")
        self.assertEqual(request.company_id, self.applicant.company_id)
        self.assertEqual(request.duration_minutes, 45)
        self.assertEqual(request.user_id, self.recruiter)
        self.assertTrue(request.candidate_url.startswith("https://app.cronofy.com/rts/AbCd1234?"))
        self.assertIn("correlation_id=" + request.correlation_id, request.candidate_url)
        self.assertEqual(
            request.decline_url, CRONOFY_REQUEST["recipient_operations"]["decline_url"]
        )

    def test_correlation_id_names_its_applicant_and_rejects_forgeries(self):
        request = self._create_request()
        Request = self.Request
        self.assertEqual(
            Request._applicant_id_from_correlation_id(request.correlation_id), self.applicant.id
        )
        payload, _sep, signature = request.correlation_id.rpartition("-")
        other_applicant = payload.replace(f"a{self.applicant.id}-", f"a{self.applicant.id + 1}-")
        forged = f"{other_applicant}-{signature}"
        for bad in (forged, request.correlation_id[:-1], "", "foobar", "odoo-a1-x-" + "0" * 16):
            self.assertIsNone(Request._applicant_id_from_correlation_id(bad), bad)
        self.assertIsNone(Request._applicant_id_from_correlation_id("x" * 200))

    def test_existing_correlation_id_on_link_is_not_duplicated(self):
        url = "https://app.cronofy.com/rts/X?correlation_id=abc&utm_source=odoo"
        self.assertEqual(self.Request._link_with_correlation(url, "zzz"), url)
        self.assertEqual(
            self.Request._link_with_correlation("https://h/rts/Y", "a b"),
            "https://h/rts/Y?correlation_id=a+b",
        )

    def test_state_machine_allows_the_lifecycle_and_refuses_the_rest(self):
        request = self._create_request()
        request._set_state("time_chosen", {"interview_start": "2030-01-02 10:00:00"})
        request._set_state("rescheduled", {"interview_start": "2030-01-03 10:00:00"})
        request._set_state("declined")
        request._set_state("cancelled")
        with self.assertRaises(UserError):
            request._set_state("pending")
        self.assertEqual(request.state, "cancelled")

    def test_applicant_shows_current_open_link_state_and_interview_time(self):
        self.assertFalse(self.applicant.cronofy_scheduling_state)
        request = self._create_request()
        self.assertEqual(self.applicant.cronofy_current_request_id, request)
        self.assertEqual(self.applicant.cronofy_scheduling_state, "pending")
        self.assertEqual(self.applicant.cronofy_scheduling_url, request.candidate_url)
        self.assertEqual(self.applicant.cronofy_request_count, 1)
        request._set_state("time_chosen", {"interview_start": "2030-01-02 10:00:00"})
        self.assertEqual(str(self.applicant.cronofy_interview_start), "2030-01-02 10:00:00")
        request._set_state("cancelled")
        # A cancelled link must not be offered to the candidate again.
        self.assertEqual(self.applicant.cronofy_scheduling_state, "cancelled")
        self.assertFalse(self.applicant.cronofy_scheduling_url)

    def test_each_state_change_is_noted_on_the_applicant_with_candidate_text_escaped(self):
        request = self._create_request()
        request._set_state("time_chosen", {"interview_start": "2030-01-02 10:00:00"})
        bodies = self.applicant.message_ids.mapped("body")
        chosen = [body for body in bodies if "chose a time" in body]
        self.assertEqual(len(chosen), 1)
        self.assertIn("Ada &lt;b&gt;Lovelace&lt;/b&gt;", chosen[0])
        self.assertNotIn("<b>Lovelace</b>", chosen[0])
        self.assertTrue(any("Scheduling link created for" in body for body in bodies))

    def test_same_cronofy_request_cannot_be_recorded_twice(self):
        self._create_request()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self._create_request()

    def test_request_must_belong_to_the_applicant_company(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        with self.assertRaises(ValidationError):
            self.Request.create(
                {
                    "applicant_id": self.applicant.id,
                    "company_id": other_company.id,
                    "cronofy_id": "srq_other",
                }
            )

    def test_interviewers_only_see_requests_of_their_applicants(self):
        interviewer = new_test_user(
            self.env,
            login="hrc_sr_interviewer",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_interviewer",
        )
        mine = self._create_request()
        other_applicant = self.env["hr.applicant"].create(
            {"candidate_id": self.candidate.id, "job_id": self.job.id}
        )
        theirs = self._create_request(
            other_applicant, scheduling_request_id="srq_test_0002", primary_select_url="https://x/2"
        )
        self.applicant.interviewer_ids = interviewer
        visible = self.Request.with_user(interviewer).search([("id", "in", (mine | theirs).ids)])
        self.assertEqual(visible, mine)
        with self.assertRaises(AccessError):
            mine.with_user(interviewer).write({"summary": "changed"})

    def test_other_company_requests_are_invisible(self):
        other_company = self.env["res.company"].create({"name": "Other Recruiting Co"})
        other_candidate = self.env["hr.candidate"].create(
            {"partner_name": "Grace", "company_id": other_company.id}
        )
        other_applicant = self.env["hr.applicant"].create(
            {"candidate_id": other_candidate.id, "company_id": other_company.id}
        )
        # Created by Odoo itself: the recruiter has no access to that company.
        hidden = self.Request.create(
            {
                "applicant_id": other_applicant.id,
                "cronofy_id": "srq_other_co",
                "candidate_url": "https://x/o",
            }
        )
        self.assertEqual(hidden.company_id, other_company)
        self.assertFalse(self.Request.with_user(self.recruiter).search([("id", "=", hidden.id)]))

    def test_placeholder_renders_the_link_in_the_shipped_template(self):
        request = self._create_request()
        template = self.env.ref("hr_recruitment_cronofy.mail_template_schedule_interview")
        body = template._render_field("body_html", self.applicant.ids)[self.applicant.id]
        self.assertIn(request.candidate_url.replace("&", "&amp;"), body)
        subject = template._render_field("subject", self.applicant.ids)[self.applicant.id]
        self.assertIn("Scheduling Test Job", subject)

    def test_placeholder_is_allowed_under_restricted_rendering(self):
        self.env["ir.config_parameter"].sudo().set_param("mail.restrict.template.rendering", True)
        self.assertFalse(self.recruiter.has_group("mail.group_mail_template_editor"))
        request = self._create_request()
        composer = (
            self.env["mail.compose.message"]
            .with_user(self.recruiter)
            .with_context(default_model="hr.applicant", default_res_ids=self.applicant.ids)
            .create(
                {
                    "subject": "Interview",
                    "body": '<p>Pick: <t t-out="object.cronofy_scheduling_url"/></p>'
                    '<p><t t-out="object.cronofy_scheduling_button">Choose a time</t></p>',
                }
            )
        )
        rendered = composer._render_field("body", self.applicant.ids)[self.applicant.id]
        self.assertIn(request.candidate_url.replace("&", "&amp;"), rendered)
        # The button arrives as a link, not as escaped markup.
        self.assertIn(f'<a href="{request.candidate_url}"', rendered)
        self.assertNotIn("&lt;a", rendered)

    def test_kanban_fields_cost_no_query_per_applicant(self):
        applicants = self.env["hr.applicant"]
        for index in range(12):
            applicant = self.env["hr.applicant"].create(
                {"candidate_id": self.candidate.id, "job_id": self.job.id}
            )
            self._create_request(
                applicant,
                scheduling_request_id=f"srq_kanban_{index}",
                primary_select_url=f"https://x/{index}",
            )
            applicants |= applicant
        spec = {"cronofy_scheduling_state": {}, "cronofy_interview_start": {}}
        Applicant = self.env["hr.applicant"].with_user(self.recruiter)

        def queries_for(records):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            Applicant.web_search_read([("id", "in", records.ids)], spec)
            return self.cr.sql_log_count - before

        queries_for(applicants)  # warm Odoo's caches (access rules, registry) first
        self.assertEqual(queries_for(applicants[:2]), queries_for(applicants))
