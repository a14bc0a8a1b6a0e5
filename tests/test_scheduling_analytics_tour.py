"""In Chromium: a recruiter opens the scheduling report from the Reporting menu."""

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSchedulingAnalyticsTour(HttpCase):
    def test_a_recruiter_opens_the_interview_scheduling_report(self):
        new_test_user(
            self.env,
            login="hrc_report_recruiter",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
        )
        job = self.env["hr.job"].create({"name": "Analytics Tour Job"})
        candidate = self.env["hr.candidate"].create(
            {"partner_name": "Tour Candidate", "email_from": "tour.candidate@example.com"}
        )
        applicant = self.env["hr.applicant"].create(
            {"candidate_id": candidate.id, "job_id": job.id}
        )
        request = self.env["cronofy.scheduling.request"].create(
            {"applicant_id": applicant.id, "cronofy_id": "srq_tour", "state": "pending"}
        )
        request._set_state("time_chosen")
        self.start_tour(
            "/odoo/recruitment",
            "hr_recruitment_cronofy_analytics_tour",
            login="hrc_report_recruiter",
        )
