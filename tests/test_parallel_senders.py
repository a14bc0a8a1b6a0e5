"""Scaling out the link queue (issue 18): several senders (cron records) drain it, the
link's mail waits in Odoo's mail queue instead of holding up the sender, and a 429
holds the whole Cronofy application for every worker, not other companies'."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import config

from ..models.cronofy_scheduling_queue import MAX_SENDING_LANES, SENDER_XMLID
from .test_stage_automation import CREATE_ROUTE, StageAutomationCase

MAIL_CRON = "mail.ir_cron_mail_scheduler_action"


@tagged("post_install", "-at_install")
class TestParallelSenders(StageAutomationCase):
    def _save_settings(self, lanes):
        settings = self.env["res.config.settings"].create({"cronofy_sending_lanes": lanes})
        settings.execute()
        return settings

    def _senders(self):
        lanes = [self.env.ref("hr_recruitment_cronofy.ir_cron_cronofy_automation_queue")]
        lanes += [self.env.ref(SENDER_XMLID % lane) for lane in range(2, MAX_SENDING_LANES + 1)]
        return lanes

    def _triggered(self, crons):
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "in", [c.id for c in crons])])
        return set(triggers.cron_id.ids)

    def test_settings_choose_how_many_senders_and_a_move_wakes_them_all(self):
        senders = self._senders()
        self.assertEqual([cron.active for cron in senders], [True] + [False] * 7)
        self._save_settings(3)
        self.assertEqual([cron.active for cron in senders], [True] * 3 + [False] * 5)
        self.assertEqual(self.env["res.config.settings"].create({}).cronofy_sending_lanes, 3)

        self.env["ir.cron.trigger"].search([]).unlink()
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        self.assertEqual(self._triggered(senders), {cron.id for cron in senders[:3]})

        # Every sender runs the same worker: what one claimed, the others do not see.
        senders[2].method_direct_trigger()
        self.assertEqual(self._requests(applicant).state, "pending")
        self.assertEqual(self._dispatch(), 0)

        self._save_settings(1)
        self.assertEqual([cron.active for cron in senders], [True] + [False] * 7)

    def test_settings_warn_when_this_server_has_too_few_cron_workers(self):
        with patch.dict(config.options, {"max_cron_threads": 2}):
            self._save_settings(1)
            settings = self.env["res.config.settings"].create({})
            self.assertEqual(settings.cronofy_cron_workers_here, 2)
            self.assertFalse(settings.cronofy_sending_lanes_warning)
            settings.cronofy_sending_lanes = 2
            self.assertIn("up to a minute", settings.cronofy_sending_lanes_warning)
            settings.cronofy_sending_lanes = 4
            self.assertIn("take turns", settings.cronofy_sending_lanes_warning)

    def test_settings_refuse_a_number_of_senders_out_of_range(self):
        for lanes in (0, MAX_SENDING_LANES + 1):
            with self.assertRaisesRegex(UserError, f"between 1 and {MAX_SENDING_LANES}"):
                self._save_settings(lanes)
        self.assertFalse(self.env.ref(SENDER_XMLID % 2).active)

    def test_only_a_system_admin_changes_the_senders(self):
        officer = self._new_recruiter("senders_officer")
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(officer).create({"cronofy_sending_lanes": 4})
        self.assertFalse(self.env.ref(SENDER_XMLID % 2).active)

    def test_the_link_mail_waits_in_the_mail_queue_and_the_chatter_shows_it(self):
        self.env["ir.cron.trigger"].search([]).unlink()
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        self._dispatch()
        request = self._requests(applicant)
        self.assertEqual(request.state, "pending")
        message = applicant.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(message), 1, "the chatter shows the mail at once")
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.state, "outgoing", "sent by Odoo's mail cron, not by the sender")
        self.assertIn(request.candidate_url.replace("&", "&amp;"), str(mail.body_html))
        self.assertTrue(self._triggered(self.env.ref(MAIL_CRON)), "the mail cron is woken")

        self.env["mail.mail"].sudo().process_email_queue(ids=mail.ids)
        self.assertFalse(mail.exists() and mail.state == "outgoing")

    def test_a_recruiter_resending_the_link_sends_it_at_once(self):
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        self._dispatch()
        request = self._requests(applicant)
        before = applicant.message_ids
        request.action_resend_link()
        message = applicant.message_ids - before
        self.assertEqual(len(message), 1)
        outgoing = (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "=", message.id), ("state", "=", "outgoing")])
        )
        self.assertFalse(outgoing, "a user's resend does not wait for the mail cron")


@tagged("post_install", "-at_install")
class TestApplicationHold(StageAutomationCase):
    """Company B has a Cronofy application of its own (in the same organization)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.application_b = cls.sim.create_application(
            ou_id=cls.demo["organizational_unit_id"], name="Company B's application"
        )
        cls.company_b = cls.env["res.company"].create({"name": "Senders B"})
        cls.connection_b = cls.env["cronofy.connection"]._for_company(cls.company_b)
        secret_b = cls.application_b["client_secrets"][0]["secret"]
        cls.connection_b.write(
            cls._demo_connection_values(
                client_id=cls.application_b["client_id"],
                client_secret=secret_b,
                embed_public_key=cls.application_b["embed_key"],
                embed_secret=cls.application_b["embed_secret"],
                internal_app_client_secret=secret_b,
            )
        )
        cls.env.user.company_ids |= cls.company_b
        cls.job_b = cls.env["hr.job"].create(
            {"name": "Senders B Job", "company_id": cls.company_b.id}
        )
        cls.template_b = cls.env["cronofy.scheduling.template"].create(
            {
                "name": "Screening call (B)",
                "company_id": cls.company_b.id,
                "cronofy_template_id": "sgr_demo_interview_30",
                "duration_minutes": 30,
            }
        )

    def _applicant_b(self):
        candidate = self.env["hr.candidate"].create(
            {"partner_name": "B", "email_from": "b@example.com", "company_id": self.company_b.id}
        )
        applicant = self.env["hr.applicant"].create(
            {"candidate_id": candidate.id, "job_id": self.job_b.id, "company_id": self.company_b.id}
        )
        return self.Request.create(
            {
                "applicant_id": applicant.id,
                "template_id": self.template_b.id,
                "origin": "automation",
                "state": "queued",
            }
        )

    def test_two_companies_have_two_budgets(self):
        key_a = self.connection._rate_limit_key()
        key_b = self.connection_b._rate_limit_key()
        self.assertNotEqual(key_a, key_b)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("hr_recruitment_cronofy.rate_limit_per_second", 2)
        limiter = self.env["cronofy.rate.limiter"]
        self.assertEqual([limiter._reserve(key_a) for _ in range(2)], [0.0, 0.0])
        self.assertGreater(limiter._reserve(key_a), 0.0, "A's second is full")
        request_b = self._applicant_b()
        self.assertEqual(request_b.state, "queued")
        self._dispatch()
        self.assertEqual(request_b.state, "pending", "B is not held up by A's budget")

    def test_a_company_at_its_limit_does_not_hold_up_the_next_companys_links(self):
        # A's links come first in the queue, and A's application has no slot for 2
        # minutes: the sender goes on with B's instead of waiting behind A's.
        self.env["cronofy.rate.limiter"]._hold(self.connection._rate_limit_key(), 120)
        applicants = self._applicants(3)
        applicants.write({"stage_id": self.auto_stage.id})
        request_b = self._applicant_b()
        self.assertLess(self._requests(applicants)[0].id, request_b.id)
        self.env["ir.cron.trigger"].search([]).unlink()
        self.assertEqual(self._dispatch(), 1)
        self.assertEqual(request_b.state, "pending")
        self.assertEqual(set(self._requests(applicants).mapped("state")), {"queued"})
        self.assertEqual(len(self._create_calls()), 1)
        # The senders come back when A's application has a slot again.
        sender = self.env.ref("hr_recruitment_cronofy.ir_cron_cronofy_automation_queue")
        trigger = self.env["ir.cron.trigger"].search([("cron_id", "=", sender.id)])
        self.assertTrue(trigger)
        self.assertGreater(
            min(trigger.mapped("call_at")), fields.Datetime.now() + timedelta(seconds=100)
        )

    def test_a_429_holds_that_application_for_every_worker_and_not_the_other(self):
        self.sim.add_fault(CREATE_ROUTE, "status", status=429, retry_after=120)
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        request = self._requests(applicant)
        self._dispatch()
        self.assertEqual(request.state, "queued")
        limiter = self.env["cronofy.rate.limiter"]
        wait = limiter._reserve(self.connection._rate_limit_key())
        self.assertGreater(wait, 115.0, "every worker now waits for Cronofy's Retry-After")
        self.assertLessEqual(wait, 120.0)

        # The row is due again, but the application is still held: nothing is sent.
        request.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        self._dispatch()
        self.assertEqual(len(self._create_calls()), 1)
        self.assertEqual(request.state, "queued")

        request_b = self._applicant_b()
        self._dispatch()
        self.assertEqual(request_b.state, "pending", "company B's application is not held")

        # A shorter Retry-After seen later does not shorten the hold.
        limiter._hold(self.connection._rate_limit_key(), 1)
        self.assertGreater(limiter._reserve(self.connection._rate_limit_key()), 115.0)

        self.env.cr.execute("UPDATE cronofy_rate_limiter SET held_until = NULL")
        self._dispatch()
        self.assertEqual(request.state, "pending")
        self.assertEqual([call["status"] for call in self._create_calls()], [429, 200, 200])
