"""Per scheduling template: when the candidate chooses a time, the applicant moves to
stage X; when the interview is declined or cancelled, an applicant still in X moves
to stage Y. Moves never send another link and never undo a recruiter's own move."""

from odoo.tests import tagged

from .webhook_common import CronofyWebhookCase


@tagged("post_install", "-at_install")
class TestBookingStageMoves(CronofyWebhookCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Stage = cls.env["hr.recruitment.stage"]
        job = [(4, cls.job.id)]
        cls.start = Stage.create({"name": "Moves: screening", "sequence": 60, "job_ids": job})
        cls.booked = Stage.create({"name": "Moves: booked", "sequence": 61, "job_ids": job})
        cls.unbooked = Stage.create({"name": "Moves: to rebook", "sequence": 62, "job_ids": job})
        cls.later = Stage.create({"name": "Moves: offer", "sequence": 63, "job_ids": job})
        cls.template = cls.env["cronofy.scheduling.template"].create(
            {
                "name": "Moving interview",
                "cronofy_template_id": "sgr_demo_interview_30",
                "booked_stage_id": cls.booked.id,
                "unbooked_stage_id": cls.unbooked.id,
            }
        )

    def setUp(self):
        super().setUp()
        self.applicant.stage_id = self.start

    def _link(self):
        request = self._send_link()
        request.template_id = self.template
        return request

    def _booked_link(self):
        """A link from the template, booked by the candidate and applied."""
        request = self._link()
        self._choose(request)
        self._process()
        return request

    def _requests(self):
        return self.Request.search([("applicant_id", "=", self.applicant.id)])

    def test_booking_moves_in_and_declining_moves_back_out(self):
        request = self._booked_link()
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(self.applicant.stage_id, self.booked)
        self.sim.decline(request.cronofy_id)
        self._deliver()
        self._process()
        self.assertEqual(request.state, "declined")
        self.assertEqual(self.applicant.stage_id, self.unbooked)

    def test_a_recruiter_cancelling_moves_back_out_too(self):
        request = self._booked_link()
        self.applicant.with_user(self.recruiter).action_cancel_cronofy_link()
        self.assertEqual(request.state, "cancelled")
        self.assertEqual(self.applicant.stage_id, self.unbooked)

    def test_a_recruiters_own_move_is_never_undone(self):
        request = self._booked_link()
        self.applicant.stage_id = self.later
        self.sim.reschedule(request.cronofy_id, correlation_id=request.correlation_id)
        self._deliver()
        self._process()
        self.assertEqual(request.state, "rescheduled")
        self.assertEqual(self.applicant.stage_id, self.later, "a reschedule moves nobody")
        request.action_cancel()
        self.assertEqual(self.applicant.stage_id, self.later, "not in the booked stage")

    def test_moving_into_an_automated_stage_sends_no_second_link(self):
        self.booked.cronofy_scheduling_template_id = self.template
        request = self._booked_link()
        self.assertEqual(self.applicant.stage_id, self.booked)
        self.assertEqual(self._requests(), request, "no new link queued")

    def test_a_stage_of_another_job_is_not_entered(self):
        other_job = self.env["hr.job"].create({"name": "Moves: other job"})
        self.template.booked_stage_id = self.env["hr.recruitment.stage"].create(
            {"name": "Moves: elsewhere", "job_ids": [(4, other_job.id)]}
        )
        request = self._booked_link()
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(self.applicant.stage_id, self.start)

    def test_without_the_setting_nothing_moves(self):
        self.template.write({"booked_stage_id": False, "unbooked_stage_id": False})
        request = self._booked_link()
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(self.applicant.stage_id, self.start)
