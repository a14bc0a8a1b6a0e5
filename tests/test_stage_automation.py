"""Stage automation end to end against the simulator: queueing in the user's
transaction, the cron worker creating requests at "Cronofy", guard rails, refusal,
tokens, faults. The cron's post-commit trigger never fires in a TransactionCase, so
tests call the worker (``_cron_process_automation_queue``) directly."""

import contextlib
from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import CronofyCase

REQUEST_MODEL = "odoo.addons.hr_recruitment_cronofy.models.cronofy_scheduling_queue"
CREATE_ROUTE = "scheduling_requests.create"
CANCEL_ROUTE = "scheduling_requests.cancel"


class SimulatedCrash(BaseException):
    """Stands for the worker dying (kill -9, OOM): nothing in Odoo catches it."""


class StageAutomationCase(CronofyCase):
    # Odoo's per-test rollback forgets the database rate window while the class's
    # simulator remembers every call: its limits would throttle later tests. The
    # limits get their own tests below.
    simulator_settings = {
        "webhook_backoff_base": 0.05,
        "rate_limit_per_second": 0,
        "rate_limit_per_minute": 0,
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Request = cls.env["cronofy.scheduling.request"]
        cls.template = cls.env["cronofy.scheduling.template"].create(
            {
                "name": "Screening call",
                "sequence": 0,
                "cronofy_template_id": "sgr_demo_interview_30",
                "duration_minutes": 30,
            }
        )
        cls.job = cls.env["hr.job"].create({"name": "Automation Test Job"})
        cls.plain_stage = cls.env["hr.recruitment.stage"].create(
            {"name": "Automation: screening", "sequence": 50, "job_ids": [(4, cls.job.id)]}
        )
        cls.auto_stage = cls.env["hr.recruitment.stage"].create(
            {
                "name": "Automation: interview",
                "sequence": 51,
                "job_ids": [(4, cls.job.id)],
                "cronofy_scheduling_template_id": cls.template.id,
            }
        )
        cls.other_stage = cls.env["hr.recruitment.stage"].create(
            {"name": "Automation: later", "sequence": 52, "job_ids": [(4, cls.job.id)]}
        )

    def setUp(self):
        super().setUp()
        self.sim.clear_calls()
        self.sim.clear_faults()

    # -- helpers -----------------------------------------------------------------

    def _applicants(self, count=1, email=True, stage=None):
        candidates = self.env["hr.candidate"].create(
            [
                {
                    "partner_name": f"Candidate {index}",
                    "email_from": f"candidate{index}@example.com" if email else False,
                }
                for index in range(count)
            ]
        )
        return self.env["hr.applicant"].create(
            [
                {
                    "candidate_id": candidate.id,
                    "job_id": self.job.id,
                    "stage_id": (stage or self.plain_stage).id,
                }
                for candidate in candidates
            ]
        )

    def _dispatch(self):
        return self.Request._cron_process_automation_queue()

    def _requests(self, applicants):
        return self.Request.search([("applicant_id", "in", applicants.ids)])

    def _create_calls(self):
        return [call for call in self.sim.calls(route=CREATE_ROUTE)]

    def _notes(self, applicant):
        return applicant.message_ids.mapped(lambda message: str(message.body))

    def _assert_failed_with(self, applicant, text):
        request = self._requests(applicant)
        self.assertEqual(request.state, "failed")
        self.assertIn(text, request.failure_reason)
        self.assertEqual(applicant.cronofy_scheduling_state, "failed")
        self.assertTrue(any(text in body for body in self._notes(applicant)))
        activity = self._activities(applicant)
        self.assertEqual(len(activity), 1)
        self.assertIn(text, str(activity.note))
        return request

    def _activities(self, applicant):
        return applicant.activity_ids.filtered(
            lambda activity: activity.summary == "Scheduling link not sent"
        )


@tagged("post_install", "-at_install")
class TestStageAutomation(StageAutomationCase):
    def test_single_move_creates_request_and_mails_link(self):
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        request = self._requests(applicant)
        self.assertEqual(request.state, "queued")
        self.assertEqual(request.template_id, self.template)
        self.assertEqual(request.origin, "automation")
        self.assertFalse(self._create_calls(), "no HTTP in the user's transaction")
        self.assertEqual(applicant.cronofy_scheduling_state, "queued")

        self.assertEqual(self._dispatch(), 1)
        self.assertEqual(request.state, "pending")
        self.assertTrue(request.cronofy_id.startswith("srq_"))
        self.assertIn(f"correlation_id={request.correlation_id}", request.candidate_url)
        self.assertEqual(applicant.cronofy_scheduling_url, request.candidate_url)
        self.assertEqual(len(self._create_calls()), 1)
        at_cronofy = self.sim.scheduling_request(request.cronofy_id)
        self.assertEqual(at_cronofy["recipients"][0]["email"], "candidate0@example.com")
        mail = applicant.message_ids.filtered(lambda message: message.message_type == "comment")
        self.assertEqual(len(mail), 1)
        self.assertIn(request.candidate_url.replace("&", "&amp;"), str(mail.body))
        self.assertIn(applicant.partner_id, mail.partner_ids)
        # Nothing left: a second run does nothing.
        self.assertEqual(self._dispatch(), 0)

    def test_an_interviewer_moving_their_applicant_queues_the_stages_link(self):
        # Interviewers may move the applicants they interview but cannot read
        # scheduling templates: the stage's template still applies.
        interviewer = new_test_user(
            self.env,
            login="hrc_auto_interviewer",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_interviewer",
        )
        applicant = self._applicants()
        applicant.interviewer_ids = interviewer
        self.assertFalse(self.template.with_user(interviewer).has_access("read"))
        applicant.with_user(interviewer).write({"stage_id": self.auto_stage.id})
        request = self._requests(applicant)
        self.assertEqual(request.state, "queued")
        self.assertEqual(request.template_id, self.template)
        self.assertEqual(request.duration_minutes, 30)

    def test_bulk_move_queues_every_applicant_once(self):
        applicants = self._applicants(30)
        applicants.write({"stage_id": self.auto_stage.id})
        requests = self._requests(applicants)
        self.assertEqual(len(requests), 30)
        self.assertEqual(set(requests.mapped("state")), {"queued"})
        self.assertEqual(requests.applicant_id, applicants)
        self._dispatch()
        self.assertEqual(set(requests.mapped("state")), {"pending"})
        self.assertEqual(len(self._create_calls()), 30)
        self.assertEqual(len(set(requests.mapped("cronofy_id"))), 30)

    def test_created_in_stage_is_queued(self):
        applicant = self._applicants(stage=self.auto_stage)
        self.assertEqual(self._requests(applicant).state, "queued")

    def test_back_and_forth_sends_one_link(self):
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        applicant.stage_id = self.other_stage
        applicant.stage_id = self.auto_stage
        self.assertEqual(len(self._requests(applicant)), 1)
        self._dispatch()
        applicant.stage_id = self.other_stage
        applicant.stage_id = self.auto_stage
        self._dispatch()
        self.assertEqual(len(self._requests(applicant)), 1)
        self.assertEqual(len(self._create_calls()), 1)

    def test_database_refuses_second_open_request(self):
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        values = applicant._cronofy_queued_request_values(self.template)
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError) as caught:
            with self.env.cr.savepoint():
                self.Request.create(values)
        self.assertIn("one_open_per_template", str(caught.exception))
        # The queueing path itself swallows the conflict and keeps the move.
        queued = applicant._cronofy_insert_queued([values])
        self.assertFalse(queued)

    def test_ordinary_moves_touch_nothing(self):
        applicant = self._applicants()
        applicant.stage_id = self.other_stage
        self.assertFalse(self._requests(applicant))

    def test_server_action_on_several_records(self):
        applicants = self._applicants(3)
        action = self.env.ref("hr_recruitment_cronofy.action_server_cronofy_send_scheduling_link")
        result = action.with_context(
            active_model="hr.applicant", active_ids=applicants.ids, active_id=applicants[0].id
        ).run()
        self.assertEqual(result["tag"], "display_notification")
        requests = self._requests(applicants)
        # The stage has no template: the company's first template is used.
        self.assertEqual(requests.template_id, self.template)
        self.assertEqual(len(requests), 3)
        # Twice in a row: nothing more.
        action.with_context(active_model="hr.applicant", active_ids=applicants.ids).run()
        self.assertEqual(len(self._requests(applicants)), 3)
        self._dispatch()
        self.assertEqual(set(requests.mapped("state")), {"pending"})

    def test_shipped_automation_rule_uses_the_same_engine(self):
        rule = self.env.ref("hr_recruitment_cronofy.base_automation_cronofy_on_stage_set")
        self.assertFalse(rule.active)
        rule.write(
            {
                "active": True,
                "trg_field_ref": self.other_stage.id,
                "filter_domain": repr([("stage_id", "=", self.other_stage.id)]),
            }
        )
        applicant = self._applicants()
        applicant.stage_id = self.other_stage
        request = self._requests(applicant)
        self.assertEqual(request.state, "queued")
        self.assertEqual(request.template_id, self.template)

    # -- guard rails ---------------------------------------------------------------

    def test_applicant_without_email_is_skipped_with_note(self):
        applicant = self._applicants(email=False)
        applicant.stage_id = self.auto_stage
        self.assertFalse(self._requests(applicant))
        self.assertTrue(any("has no email address" in body for body in self._notes(applicant)))

    def test_refused_and_archived_are_skipped(self):
        refused, archived = self._applicants(2)
        refuse_reason = self.env["hr.applicant.refuse.reason"].search([], limit=1)
        refused.write({"refuse_reason_id": refuse_reason.id, "active": False})
        archived.action_archive()
        (refused | archived).write({"stage_id": self.auto_stage.id})
        self.assertFalse(self._requests(refused | archived))
        self.assertTrue(any("is refused" in body for body in self._notes(refused)))
        self.assertTrue(any("is archived" in body for body in self._notes(archived)))

    def test_hired_is_skipped(self):
        # Moving a hired applicant to another stage un-hires them (core computes the
        # hire date from the stage), so hired applicants meet the server action.
        hired = self._applicants()
        hired.date_closed = fields.Datetime.now()
        hired.action_cronofy_send_scheduling_link()
        self.assertFalse(self._requests(hired))
        self.assertTrue(any("already hired" in body for body in self._notes(hired)))

    def test_hiring_withdraws_a_waiting_link(self):
        hired_stage = self.env["hr.recruitment.stage"].create(
            {"name": "Automation: hired", "sequence": 60, "hired_stage": True}
        )
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        self._dispatch()
        applicant.stage_id = hired_stage
        request = self._requests(applicant)
        self.assertEqual(request.state, "cancelled")
        self._dispatch()
        self.assertEqual(len(self.sim.calls(route=CANCEL_ROUTE)), 1)

    def test_refusal_cancels_and_cron_cancels_at_cronofy(self):
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        self._dispatch()
        request = self._requests(applicant)
        self.assertEqual(request.state, "pending")
        wizard = self.env["applicant.get.refuse.reason"].create(
            {
                "refuse_reason_id": self.env["hr.applicant.refuse.reason"].search([], limit=1).id,
                "applicant_ids": [(6, 0, applicant.ids)],
            }
        )
        wizard.action_refuse_reason_apply()
        self.assertEqual(request.state, "cancelled")
        self.assertTrue(request.cronofy_cancel_pending)
        self.assertFalse(self.sim.calls(route=CANCEL_ROUTE), "cancelled by the cron, not here")
        self._dispatch()
        self.assertFalse(request.cronofy_cancel_pending)
        self.assertEqual(len(self.sim.calls(route=CANCEL_ROUTE)), 1)
        at_cronofy = self.sim.scheduling_request(request.cronofy_id)
        self.assertEqual(at_cronofy["slot_selection"], "cancelled")

    def test_archiving_a_queued_applicant_cancels_without_calling_cronofy(self):
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        applicant.action_archive()
        request = self._requests(applicant)
        self.assertEqual(request.state, "cancelled")
        self.assertFalse(request.cronofy_cancel_pending)
        self._dispatch()
        self.assertFalse(self._create_calls())
        self.assertFalse(self.sim.calls(route=CANCEL_ROUTE))

    def test_cancelled_while_being_created_is_cancelled_at_cronofy(self):
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        request = self._requests(applicant)
        original = type(request)._create_at_cronofy

        def create_then_refuse(record, connection):
            created = original(record, connection)
            applicant.action_archive()  # the recruiter, meanwhile
            return created

        with patch.object(type(request), "_create_at_cronofy", create_then_refuse):
            self._dispatch()
        self.assertEqual(request.state, "cancelled")
        self.assertTrue(request.cronofy_id)
        self._dispatch()
        self.assertEqual(len(self.sim.calls(route=CANCEL_ROUTE)), 1)

    # -- bad input -----------------------------------------------------------------

    def test_template_without_cronofy_id(self):
        self.template.cronofy_template_id = False
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        self.assertEqual(applicant.stage_id, self.auto_stage, "the move is never blocked")
        self._dispatch()
        self._assert_failed_with(applicant, "has no Cronofy template ID")
        self.assertFalse(self._create_calls())

    def test_malformed_cronofy_template_id_is_refused(self):
        with self.assertRaises(ValidationError):
            self.template.cronofy_template_id = "30 minute interview"

    def test_company_not_connected(self):
        self.connection.sudo().internal_app_client_secret = False
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        self._dispatch()
        request = self._assert_failed_with(applicant, "is not connected to Cronofy")
        self.assertFalse(self._create_calls())
        # Fixed by the admin, then Retry: the link goes out.
        self.connection.sudo().internal_app_client_secret = self.demo["client_secret"]
        request.action_retry()
        self.assertEqual(request.state, "queued")
        self._dispatch()
        self.assertEqual(request.state, "pending")

    def test_cronofy_422_is_readable(self):
        self.template.cronofy_template_id = "sgr_does_not_exist"
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        self._dispatch()
        request = self._assert_failed_with(applicant, "Cronofy refused the request (422)")
        self.assertIn("template.sub", request.failure_reason)

    # -- Cronofy faults ------------------------------------------------------------

    def test_429_is_postponed_then_sent(self):
        self.sim.add_fault(CREATE_ROUTE, "status", status=429, retry_after=7)
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        request = self._requests(applicant)
        self._dispatch()
        self.assertEqual(request.state, "queued")
        self.assertEqual(request.attempts, 0, "a 429 is not a failure")
        self.assertFalse(request.dispatch_started_at)
        self.assertGreater(request.next_attempt_at, fields.Datetime.now() + timedelta(seconds=5))
        self.assertIn("rate limit", request.last_error)
        self._dispatch()  # not due yet
        self.assertEqual(len(self._create_calls()), 1)
        request.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        # Retry-After holds the whole application (tests/test_parallel_senders.py):
        # as if its 7 seconds had passed.
        self.env.cr.execute("UPDATE cronofy_rate_limiter SET held_until = NULL")
        self._dispatch()
        self.assertEqual(request.state, "pending")
        self.assertEqual([call["status"] for call in self._create_calls()], [429, 200])
        self.assertEqual(len(self.sim.scheduling_requests()), 1)

    def test_5xx_on_create_is_reconciled_not_repeated(self):
        before = len(self.sim.scheduling_requests())
        self.sim.add_fault(CREATE_ROUTE, "status", status=500)
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        self._dispatch()
        request = self._assert_failed_with(applicant, "may have been created anyway")
        self.assertTrue(request.outcome_unknown)
        self._dispatch()
        self.assertEqual(len(self._create_calls()), 1, "never re-created blindly")
        self.assertEqual(len(self.sim.scheduling_requests()), before)

    def test_unreachable_cronofy_backs_off_then_gives_up(self):
        self.sim.add_fault(CREATE_ROUTE, "disconnect", count=10)
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        request = self._requests(applicant)
        self._dispatch()
        # A dropped connection after sending is ambiguous: reconciled, not retried.
        self.assertEqual(request.state, "failed")
        self.assertTrue(request.outcome_unknown)
        self.assertEqual(len(self._create_calls()), 1)

    def test_repeated_transient_failures_end_in_activity(self):
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        request = self._requests(applicant)
        # Cronofy unreachable before anything was sent (connection refused).
        self.connection.sudo().api_base_url = "http://127.0.0.1:9"
        for _attempt in range(5):
            request.next_attempt_at = False
            self._dispatch()
        self.assertEqual(request.state, "failed")
        self.assertEqual(request.attempts, 5)
        self.assertIn("gave up after 5 attempts", request.failure_reason)
        self.assertEqual(len(self._activities(applicant)), 1)

    def test_crash_between_create_and_store_is_reconciled_without_duplicate(self):
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        request = self._requests(applicant)
        with (
            patch.object(type(request), "_store_created", side_effect=SimulatedCrash),
            contextlib.suppress(SimulatedCrash),
        ):
            self._dispatch()
        self.assertEqual(request.state, "queued")
        self.assertTrue(request.dispatch_started_at, "the mark survived the crash")
        self.assertEqual(len(self._create_calls()), 1)
        # Within the lease another worker leaves it alone (it may still be running).
        self._dispatch()
        self.assertEqual(request.state, "queued")
        request.dispatch_started_at = fields.Datetime.now() - timedelta(minutes=10)
        self._dispatch()
        self._assert_failed_with(applicant, "may exist at Cronofy")
        self.assertTrue(request.outcome_unknown)
        self.assertEqual(len(self._create_calls()), 1, "no duplicate at Cronofy")

    def test_store_failure_keeps_cronofy_answer(self):
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        request = self._requests(applicant)
        with (
            patch.object(type(request), "_send_link_mail", side_effect=ValueError("boom")),
            mute_logger(REQUEST_MODEL),
        ):
            self._dispatch()
        self.assertEqual(request.state, "failed")
        self.assertTrue(request.outcome_unknown)
        self.assertIn("srq_", request.failure_reason)
        self.assertEqual(len(self._create_calls()), 1)


@tagged("post_install", "-at_install")
class TestStageAutomationOrganizationConnect(StageAutomationCase):
    def setUp(self):
        super().setUp()
        self._authorize_organization_connect()

    def test_expired_token_is_refreshed(self):
        connection = self.connection.sudo()
        old_token = connection.access_token
        self.sim.expire_tokens()  # dies early: Odoo still believes it valid
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        self._dispatch()
        request = self._requests(applicant)
        self.assertEqual(request.state, "pending")
        self.assertNotEqual(connection.access_token, old_token)
        self.assertEqual([call["status"] for call in self._create_calls()], [401, 200])

    def test_token_near_expiry_is_refreshed_first(self):
        connection = self.connection.sudo()
        old_token = connection.access_token
        connection.token_expires_at = fields.Datetime.now() + timedelta(minutes=1)
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        self._dispatch()
        self.assertEqual(self._requests(applicant).state, "pending")
        self.assertNotEqual(connection.access_token, old_token)
        self.assertEqual([call["status"] for call in self._create_calls()], [200])

    def test_revoked_grant_fails_with_reconnect_advice(self):
        connection = self.connection.sudo()
        oauth = connection._oauth_client()
        with contextlib.closing(oauth):
            oauth.revoke(connection.refresh_token)
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        self._dispatch()
        request = self._assert_failed_with(applicant, "Authorize API access again")
        self.assertFalse(request.outcome_unknown)


@tagged("post_install", "-at_install")
class TestRateLimits(StageAutomationCase):
    def test_reservations_stop_at_the_limit(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("hr_recruitment_cronofy.rate_limit_per_second", 3)
        limiter = self.env["cronofy.rate.limiter"]
        waits = [limiter._reserve("test-app") for _index in range(4)]
        self.assertEqual(waits[:3], [0.0, 0.0, 0.0])
        self.assertGreater(waits[3], 0.0)
        self.assertLessEqual(waits[3], 1.25)
        # Another application has its own budget.
        self.assertEqual(limiter._reserve("other-app"), 0.0)

    def test_queue_waits_for_the_window_instead_of_hitting_429(self):
        self.sim.configure(rate_limit_per_second=3, rate_limit_per_minute=0)
        self.addCleanup(self.sim.configure, rate_limit_per_second=0, rate_limit_per_minute=0)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("hr_recruitment_cronofy.rate_limit_per_second", 3)
        applicants = self._applicants(7)
        applicants.write({"stage_id": self.auto_stage.id})
        self._dispatch()
        requests = self._requests(applicants)
        self.assertEqual(set(requests.mapped("state")), {"pending"})
        statuses = [call["status"] for call in self._create_calls()]
        self.assertEqual(statuses, [200] * 7, "the limiter kept every call under the limit")
