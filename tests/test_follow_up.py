"""A recruiter is reminded, once, of a link the candidate has not booked, and the
reminder goes away when the candidate answers."""

from odoo.tests import tagged

from ..models.cronofy_scheduling_queue import FOLLOW_UP_ACTIVITY, FOLLOW_UP_PARAM
from .webhook_common import CronofyWebhookCase


@tagged("post_install", "-at_install")
class TestFollowUpUnbooked(CronofyWebhookCase):
    def _follow_ups(self):
        activity_type = self.env.ref(FOLLOW_UP_ACTIVITY)
        return self.applicant.activity_ids.filtered(
            lambda activity: activity.activity_type_id == activity_type
        )

    def _run(self):
        self.Request._cron_follow_up_unbooked()
        self.applicant.invalidate_recordset(["activity_ids"])

    def test_unbooked_link_gets_one_follow_up_for_the_recruiter(self):
        request = self._send_link()
        self.assertEqual(request.state, "pending")
        self._sent_days_ago(request, 2)
        self._run()
        self.assertFalse(self._follow_ups(), "too early")
        self._sent_days_ago(request, 4)
        self._run()
        follow_up = self._follow_ups()
        self.assertEqual(len(follow_up), 1)
        self.assertEqual(follow_up.user_id, self.recruiter)
        self.assertIn(
            "Ada &lt;b&gt;Lovelace&lt;/b&gt; received a scheduling link 4 days ago",
            str(follow_up.note),
        )
        self.assertTrue(request.followed_up_at)
        self._run()
        self.assertEqual(len(self._follow_ups()), 1, "never twice for the same link")

    def test_follow_up_goes_away_when_the_candidate_books(self):
        request = self._send_link()
        self._sent_days_ago(request, 4)
        self._run()
        self.assertEqual(len(self._follow_ups()), 1)
        self._choose(request)
        self._process()
        self.assertEqual(request.state, "time_chosen")
        self.assertFalse(self._follow_ups())

    def test_booked_links_and_disabled_follow_ups_get_nothing(self):
        request = self._send_link()
        self._choose(request)
        self._process()
        self._sent_days_ago(request, 10)
        self._run()
        self.assertFalse(self._follow_ups())
        other = self._send_link(self._new_applicant_for_follow_up())
        self._sent_days_ago(other, 10)
        self.env["ir.config_parameter"].sudo().set_param(FOLLOW_UP_PARAM, "0")
        self.Request._cron_follow_up_unbooked()
        self.assertFalse(other.followed_up_at)
        self.assertFalse(other.applicant_id.activity_ids)

    def _new_applicant_for_follow_up(self):
        candidate = self.env["hr.candidate"].create(
            {"partner_name": "Grace Hopper", "email_from": "grace@example.com"}
        )
        return self.env["hr.applicant"].create(
            {"candidate_id": candidate.id, "job_id": self.job.id, "user_id": self.recruiter.id}
        )
