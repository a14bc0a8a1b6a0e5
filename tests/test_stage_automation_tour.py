from odoo.tests import tagged

from .common import CronofyHttpCase


@tagged("post_install", "-at_install")
class TestStageAutomationTour(CronofyHttpCase):
    def test_drag_into_stage_sends_link(self):
        template = self.env["cronofy.scheduling.template"].create(
            {
                "name": "Tour interview",
                "sequence": 0,
                "cronofy_template_id": "sgr_demo_interview_30",
            }
        )
        job = self.env["hr.job"].create({"name": "Tour Job"})
        Stage = self.env["hr.recruitment.stage"]
        start = Stage.create({"name": "Automation: start", "sequence": 0, "job_ids": [(4, job.id)]})
        Stage.create(
            {
                "name": "Automation: interview",
                "sequence": 1,
                "job_ids": [(4, job.id)],
                "cronofy_scheduling_template_id": template.id,
            }
        )
        candidate = self.env["hr.candidate"].create(
            {"partner_name": "Tour Candidate", "email_from": "tour.candidate@example.com"}
        )
        applicant = self.env["hr.applicant"].create(
            {"candidate_id": candidate.id, "job_id": job.id, "stage_id": start.id}
        )
        # The job's pipeline, as "Applications" of the job opens it.
        pipeline = self.env["ir.actions.act_window"].create(
            {
                "name": "Tour pipeline",
                "res_model": "hr.applicant",
                "view_mode": "kanban,form",
                "domain": [("job_id", "=", job.id)],
                "context": {"default_job_id": job.id},
            }
        )
        self.start_tour(
            f"/odoo/action-{pipeline.id}", "hr_recruitment_cronofy_stage_move_tour", login="admin"
        )
        request = applicant.cronofy_request_ids
        self.assertEqual(request.state, "queued")
        self.assertFalse(self.sim.calls(route="scheduling_requests.create"))

        # What the cron worker does after the recruiter's commit.
        self.env["cronofy.scheduling.request"]._cron_process_automation_queue()
        self.assertEqual(request.state, "pending")

        self.start_tour(
            f"/odoo/action-{pipeline.id}/{applicant.id}",
            "hr_recruitment_cronofy_link_sent_tour",
            login="admin",
        )
