"""End to end in Chromium: applicant -> Send scheduling link -> embed -> email sent."""

from odoo.tests import tagged

from .common import CronofyHttpCase
from .embed_common import EmbedFixtures


class MailedLinkAssertions:
    def assert_mailed_with_the_real_link(self, request):
        (mail,) = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "hr.applicant"), ("res_id", "=", self.applicant.id)])
        )
        self.assertIn(request.candidate_url.replace("&", "&amp;"), mail.body_html)
        self.assertNotIn("scheduling-link.invalid", mail.body_html)


@tagged("post_install", "-at_install")
class TestEmbedTour(MailedLinkAssertions, EmbedFixtures, CronofyHttpCase):
    def test_recruiter_sends_a_link_created_in_the_embedded_scheduler(self):
        # The stage's scheduling template titles the interview: its rendered title must
        # reach Cronofy through the browser's embed, as plain text.
        stage = self.env["hr.recruitment.stage"].create(
            {"name": "Embed tour stage", "job_ids": [(4, self.job.id)]}
        )
        stage.cronofy_scheduling_template_id = self.env["cronofy.scheduling.template"].create(
            {
                "name": "Embed tour template",
                "cronofy_template_id": "sgr_demo_interview_30",
                "event_summary": "Embed tour: {{ object.partner_name }} / {{ object.job_id.name }}",
            }
        )
        self.applicant.with_context(cronofy_no_automation=True).stage_id = stage
        self.start_tour(
            f"/odoo/hr.applicant/{self.applicant.id}",
            "hr_recruitment_cronofy_embed_tour",
            login="hrc_embed_recruiter",
        )
        request = self.applicant.cronofy_request_ids
        self.assertEqual(len(request), 1)
        self.assertEqual(request.origin, "embed")
        self.assertEqual(request.user_id, self.recruiter)
        (sim_request,) = self.sim.scheduling_requests()
        self.assertEqual(request.cronofy_id, sim_request["scheduling_request_id"])
        self.assertEqual(sim_request["recipients"][0]["email"], "ada@example.com")
        self.assertEqual(
            sim_request["summary"], "Embed tour: Ada <b>Lovelace</b> / Embedded Test Engineer"
        )
        self.assert_mailed_with_the_real_link(request)

    def test_cancelling_the_embedded_scheduler_sends_nothing(self):
        messages_before = self.applicant.message_ids
        self.start_tour(
            f"/odoo/hr.applicant/{self.applicant.id}",
            "hr_recruitment_cronofy_embed_cancel_tour",
            login="hrc_embed_recruiter",
        )
        self.assertFalse(self.applicant.cronofy_request_ids)
        self.assertFalse(self.sim.scheduling_requests())
        self.assertFalse(
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "hr.applicant"), ("res_id", "=", self.applicant.id)])
        )
        self.assertEqual(self.applicant.message_ids, messages_before)


@tagged("post_install", "-at_install")
class TestComposerSchedulerTour(MailedLinkAssertions, EmbedFixtures, CronofyHttpCase):
    """Its own class, so its own simulator: the tours above count the requests in theirs."""

    def test_recruiter_creates_the_link_from_the_composer_in_one_click(self):
        self.start_tour(
            f"/odoo/hr.applicant/{self.applicant.id}",
            "hr_recruitment_cronofy_composer_scheduler_tour",
            login="hrc_embed_recruiter",
        )
        request = self.applicant.cronofy_request_ids
        self.assertEqual(len(request), 1)
        self.assertEqual(request.origin, "embed")
        self.assertEqual(request.state, "pending")
        (sim_request,) = self.sim.scheduling_requests()
        self.assertEqual(request.cronofy_id, sim_request["scheduling_request_id"])
        self.assert_mailed_with_the_real_link(request)
