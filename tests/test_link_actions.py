"""A link already sent, from the applicant and from the request: Resend mails the same
link again, Cancel cancels it (at Cronofy through the cron), and the optional reminder
mails the candidate once about a link left unbooked, before the recruiter's follow-up."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.cronofy_scheduling_queue import FOLLOW_UP_PARAM, REMINDER_PARAM
from .webhook_common import CronofyWebhookCase

CANCEL_ROUTE = "scheduling_requests.cancel"


class LinkActionsCase(CronofyWebhookCase):
    def _mails(self, applicant=None):
        """The candidate mails in the applicant's chatter, newest first."""
        applicant = applicant or self.applicant
        applicant.invalidate_recordset(["message_ids"])
        return applicant.message_ids.filtered(lambda message: message.message_type == "comment")

    def _as_recruiter(self, records):
        return records.with_user(self.recruiter)


@tagged("post_install", "-at_install")
class TestResendAndCancel(LinkActionsCase):
    def test_resend_from_the_applicant_mails_the_same_link_again(self):
        request = self._send_link()
        creates = len(self.sim.calls(route="scheduling_requests.create"))
        self.assertFalse(self._mails())
        self._as_recruiter(self.applicant).action_resend_cronofy_link()
        mail = self._mails()
        self.assertEqual(len(mail), 1)
        self.assertIn("Pick a time for your interview", mail.subject)
        self.assertIn(request.candidate_url.replace("&", "&amp;"), str(mail.body))
        self.assertEqual(mail.author_id, self.recruiter.partner_id)
        self.assertEqual(mail.partner_ids, self.applicant.partner_id)
        self.assertEqual(request.state, "pending", "the link itself is unchanged")
        self._as_recruiter(request).action_resend_link()
        self.assertEqual(len(self._mails()), 2, "and again from the request")
        self.assertEqual(
            len(self.sim.calls(route="scheduling_requests.create")), creates, "no new link"
        )

    def test_resend_uses_the_mail_of_the_scheduling_template(self):
        own_mail = self.env.ref("hr_recruitment_cronofy.mail_template_schedule_interview").copy(
            {"subject": "Our own invitation"}
        )
        template = self.env["cronofy.scheduling.template"].create(
            {"name": "Own mail", "mail_template_id": own_mail.id}
        )
        request = self._send_link()
        request.template_id = template
        self._as_recruiter(request).action_resend_link()
        self.assertEqual(self._mails().subject, "Our own invitation")

    def test_only_a_link_waiting_for_a_booking_is_resent(self):
        request = self._send_link()
        self._choose(request)
        self._process()
        self.assertEqual(request.state, "time_chosen")
        with self.assertRaisesRegex(UserError, "no link waiting for a booking"):
            self._as_recruiter(self.applicant).action_resend_cronofy_link()
        with self.assertRaisesRegex(UserError, "this one is Time chosen"):
            self._as_recruiter(request).action_resend_link()
        self.assertFalse(self._mails())

    def test_an_older_link_is_not_resent_with_the_newer_ones_placeholders(self):
        older = self._send_link()
        newer = self._send_link()
        self.assertEqual(self.applicant.cronofy_current_request_id, newer)
        with self.assertRaisesRegex(UserError, "has a newer scheduling link"):
            self._as_recruiter(older).action_resend_link()
        self.assertFalse(self._mails())

    def test_cancel_from_the_applicant_cancels_at_cronofy_through_the_cron(self):
        request = self._send_link()
        self._as_recruiter(self.applicant).action_cancel_cronofy_link()
        self.assertEqual(request.state, "cancelled")
        self.assertTrue(request.cronofy_cancel_pending)
        cancels = len(self.sim.calls(route=CANCEL_ROUTE))
        self.assertFalse(cancels, "no HTTP in the user's transaction")
        self.assertFalse(self.applicant.cronofy_scheduling_url, "no link to copy any more")
        self.Request._cron_process_automation_queue()
        # Cronofy answers the cancellation with a push notification: let it land now,
        # not in the middle of the next test's queries on the shared test cursor.
        self._deliver()
        self.assertFalse(request.cronofy_cancel_pending)
        self.assertEqual(len(self.sim.calls(route=CANCEL_ROUTE)), 1)
        with self.assertRaisesRegex(UserError, "no open scheduling link to cancel"):
            self._as_recruiter(self.applicant).action_cancel_cronofy_link()


@tagged("post_install", "-at_install")
class TestCandidateReminder(LinkActionsCase):
    def _remind(self):
        sent = self.Request._cron_remind_unbooked()
        self.env.invalidate_all()
        return sent

    def _reminders(self):
        return self._mails().filtered(lambda mail: mail.subject.startswith("Reminder:"))

    def test_off_by_default(self):
        request = self._send_link()
        self._sent_days_ago(request, 30)
        self.assertFalse(self.env["ir.config_parameter"].sudo().get_param(REMINDER_PARAM))
        self.assertEqual(self._remind(), 0)
        self.assertFalse(self._reminders())

    def test_one_reminder_after_the_delay_from_the_recruiter(self):
        self.env["ir.config_parameter"].sudo().set_param(REMINDER_PARAM, "2")
        request = self._send_link()
        self._sent_days_ago(request, 1)
        self.assertEqual(self._remind(), 0, "too early")
        self._sent_days_ago(request, 2)
        self.assertEqual(self._remind(), 1)
        reminder = self._reminders()
        self.assertEqual(len(reminder), 1)
        self.assertIn(request.candidate_url.replace("&", "&amp;"), str(reminder.body))
        self.assertEqual(reminder.author_id, self.recruiter.partner_id)
        self.assertEqual(reminder.partner_ids, self.applicant.partner_id)
        self.assertTrue(request.reminded_at)
        self._sent_days_ago(request, 10)
        self.assertEqual(self._remind(), 0, "at most one per request")
        self.assertEqual(len(self._reminders()), 1)

    def test_comes_before_the_recruiters_follow_up_and_never_after_it(self):
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param(REMINDER_PARAM, "2")
        ICP.set_param(FOLLOW_UP_PARAM, "3")
        reminded = self._send_link()
        self._sent_days_ago(reminded, 3)
        self.assertEqual(self._remind(), 1)
        self.Request._cron_follow_up_unbooked()
        self.assertTrue(reminded.followed_up_at, "the follow-up still comes on its day")
        # A link the recruiter already follows up is left to the recruiter.
        self.Request.browse(reminded.id).reminded_at = False
        self.assertEqual(self._remind(), 0)

    def test_no_reminder_once_booked_or_for_a_replaced_link(self):
        self.env["ir.config_parameter"].sudo().set_param(REMINDER_PARAM, "1")
        booked = self._send_link()
        self._choose(booked)
        self._process()
        self._sent_days_ago(booked, 5)
        self.assertEqual(self._remind(), 0)
        booked.state = "cancelled"
        older = self._send_link()
        self._send_link()
        self._sent_days_ago(older, 5)
        self.assertEqual(self._remind(), 0, "the mail would show the newer link")
        self.assertTrue(older.reminded_at, "and it is not tried again")


@tagged("post_install", "-at_install")
class TestLinkActionsTour(LinkActionsCase):
    def test_recruiter_copies_resends_and_cancels_from_the_applicant(self):
        request = self._send_link()
        self.start_tour(
            f"/odoo/hr.applicant/{self.applicant.id}",
            "hr_recruitment_cronofy_link_actions_tour",
            login=self.recruiter.login,
        )
        self.env.invalidate_all()
        self.assertEqual(len(self._mails()), 1)
        self.assertEqual(request.state, "cancelled")
        self.assertTrue(request.cronofy_cancel_pending, "cancelled at Cronofy by the cron")
