from odoo.tests import tagged

from .common import CronofyHttpCase


@tagged("post_install", "-at_install")
class TestTemplatePlaceholderTour(CronofyHttpCase):
    def test_picker_and_live_preview(self):
        job = self.env["hr.job"].create({"name": "Tour Placeholder Job"})
        stage = self.env["hr.recruitment.stage"].create(
            {"name": "Tour Placeholder Stage", "job_ids": [(4, job.id)]}
        )
        candidate = self.env["hr.candidate"].create(
            {"partner_name": "Tour Placeholder Candidate", "email_from": "tp@example.com"}
        )
        applicant = self.env["hr.applicant"].create(
            {"candidate_id": candidate.id, "job_id": job.id, "stage_id": stage.id}
        )
        template = self.env["cronofy.scheduling.template"].create(
            {"name": "Tour placeholder template", "preview_applicant_id": applicant.id}
        )
        action = self.env.ref("hr_recruitment_cronofy.cronofy_scheduling_template_action")
        self.start_tour(
            f"/odoo/action-{action.id}/{template.id}",
            "hr_recruitment_cronofy_template_placeholder_tour",
            login="admin",
        )
        self.assertEqual(template.location_note, "Room: {{object.stage_id.name}}")
        self.assertIn("{{object.partner_name|||the candidate}}", template.event_description)
        self.assertEqual(template.event_summary, "Call with {{ object.partner_name }}")
        self.assertEqual(template.preview_location_note, "Room: Tour Placeholder Stage")
