"""The applicant search finds links across a pipeline: "Awaiting booking", "Booked",
"Needs attention" and the group by scheduling state, as the search view defines
them (the domains are read from the view, so the test is about what a recruiter
clicks), at a cost that does not grow with the number of applicants."""

from lxml import etree

from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from ..models.cronofy_scheduling_request import STATES


@tagged("post_install", "-at_install")
class TestApplicantSchedulingFilters(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recruiter = new_test_user(
            cls.env,
            login="hrc_filter_recruiter",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
        )
        cls.job = cls.env["hr.job"].create({"name": "Filter Test Job"})
        cls.Request = cls.env["cronofy.scheduling.request"].sudo()
        cls.applicants = {}
        for state in ("none", *(state for state, _label in STATES)):
            candidate = cls.env["hr.candidate"].create(
                {"partner_name": f"Filter {state}", "email_from": f"{state}@example.com"}
            )
            applicant = cls.env["hr.applicant"].create(
                {"candidate_id": candidate.id, "job_id": cls.job.id}
            )
            if state != "none":
                cls.Request.create(
                    {"applicant_id": applicant.id, "state": state, "cronofy_id": f"srq_f_{state}"}
                )
            cls.applicants[state] = applicant
        arch = etree.fromstring(
            cls.env["hr.applicant"].get_views([(False, "search")])["views"]["search"]["arch"]
        )
        cls.filters = {node.get("name"): node for node in arch.iter("filter")}

    def _filtered(self, name):
        domain = safe_eval(self.filters[name].get("domain"), {"uid": self.recruiter.id})
        found = (
            self.env["hr.applicant"]
            .with_user(self.recruiter)
            .search(domain + [("job_id", "=", self.job.id)])
        )
        by_record = {applicant: state for state, applicant in self.applicants.items()}
        return {by_record[applicant] for applicant in found}

    def test_filters_sort_the_pipeline_by_what_the_recruiter_must_do(self):
        self.assertEqual(self._filtered("cronofy_awaiting_booking"), {"queued", "pending"})
        self.assertEqual(self._filtered("cronofy_booked"), {"time_chosen", "rescheduled"})
        self.assertEqual(
            self._filtered("cronofy_needs_attention"), {"declined", "expired", "failed"}
        )

    def test_needs_attention_follows_the_current_request(self):
        applicant = self.applicants["pending"]
        request = applicant.cronofy_current_request_id
        self.assertFalse(applicant.cronofy_needs_attention)
        request._set_state("expired")
        self.assertTrue(applicant.cronofy_needs_attention)
        self.assertIn("pending", self._filtered("cronofy_needs_attention"))
        # A new link replaces the expired one as the current request.
        self.Request.create({"applicant_id": applicant.id, "cronofy_id": "srq_f_again"})
        self.assertFalse(applicant.cronofy_needs_attention)
        self.assertNotIn("pending", self._filtered("cronofy_needs_attention"))

    def test_unknown_outcome_needs_attention_until_cancelled(self):
        applicant = self.applicants["queued"]
        request = applicant.cronofy_current_request_id
        request._set_state("failed", {"outcome_unknown": True})
        self.assertTrue(applicant.cronofy_needs_attention)
        request._set_state("cancelled")
        self.assertFalse(applicant.cronofy_needs_attention)

    def test_group_by_scheduling_state(self):
        context = safe_eval(self.filters["cronofy_scheduling_state"].get("context"))
        groups = (
            self.env["hr.applicant"]
            .with_user(self.recruiter)
            ._read_group([("job_id", "=", self.job.id)], [context["group_by"]], ["__count"])
        )
        self.assertEqual(
            dict(groups),
            {
                False: 1,
                "queued": 1,
                "pending": 1,
                "time_chosen": 1,
                "rescheduled": 1,
                "declined": 1,
                "cancelled": 1,
                "expired": 1,
                "failed": 1,
            },
        )

    def test_groups_follow_the_lifecycle(self):
        groups = (
            self.env["hr.applicant"]
            .with_user(self.recruiter)
            .read_group([("job_id", "=", self.job.id)], ["id:count"], ["cronofy_scheduling_state"])
        )
        self.assertEqual(
            [group["cronofy_scheduling_state"] for group in groups],
            [state for state, _label in STATES] + [False],
        )

    def test_filters_cost_no_query_per_applicant(self):
        Applicant = self.env["hr.applicant"].with_user(self.recruiter)
        for index in range(20):
            candidate = self.env["hr.candidate"].create({"partner_name": f"More {index}"})
            applicant = self.env["hr.applicant"].create(
                {"candidate_id": candidate.id, "job_id": self.job.id}
            )
            self.Request.create(
                {"applicant_id": applicant.id, "state": "failed", "cronofy_id": f"srq_m_{index}"}
            )
        self.env.flush_all()
        domain = safe_eval(self.filters["cronofy_needs_attention"].get("domain"))
        spec = {
            "cronofy_scheduling_state": {},
            "cronofy_interview_start": {},
            "cronofy_needs_attention": {},
        }

        def queries(extra_domain):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            found = Applicant.web_search_read(domain + extra_domain, spec)
            return self.cr.sql_log_count - before, found["length"]

        queries([])  # warm Odoo's caches first
        few = self.applicants["failed"] | Applicant.search([("partner_name", "=", "More 0")])
        self.assertEqual(queries([("id", "in", few.ids)]), (queries([])[0], 2))
        self.assertEqual(queries([])[1], 23)  # declined, expired, failed + 20
