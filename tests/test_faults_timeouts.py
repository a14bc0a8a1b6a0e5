"""Fault suite, timeouts: Cronofy accepts the connection and never answers.

Every other simulator fault has its scenario beside the feature it hits (see
benchmarks/faults.py for the list); these two add the read timeout, with the
client's timeouts shortened so that a hang costs a second, not thirty."""

import functools
import time
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.hr_recruitment_cronofy.cronofy_protocol import RetryPolicy, SchedulerClient

from .test_stage_automation import CREATE_ROUTE, StageAutomationCase
from .webhook_common import CronofyWebhookCase

FAST_CLIENT = functools.partial(
    SchedulerClient,
    timeout=(2.0, 1.0),
    retry_policy=RetryPolicy(max_attempts=2, base_delay=0.05, max_total_seconds=5),
)
CLIENT_PATH = "odoo.addons.hr_recruitment_cronofy.models.cronofy_connection.SchedulerClient"


@tagged("post_install", "-at_install")
class TestTimeoutWhileProcessing(CronofyWebhookCase):
    @mute_logger("odoo.addons.hr_recruitment_cronofy.models.cronofy_notification")
    def test_a_hanging_query_is_retried_later_and_then_applied(self):
        request = self._send_link()
        self.sim.add_fault("webhook", "drop")
        self.sim.choose(request.cronofy_id, correlation_id=request.correlation_id)
        # A notification without the booked time: processing must ask Cronofy.
        payload = self._payload(
            request.cronofy_id,
            "scheduling_request_time_chosen",
            "2026-01-01T00:00:00Z",
            correlation_id=request.correlation_id,
        )
        self.assertEqual(self._post(payload).status_code, 200)
        self.sim.add_fault("scheduling_requests.query", "hang", count=5, seconds=4)
        with patch(CLIENT_PATH, FAST_CLIENT):
            self._process()
            row = self._notifications(request)
            self.assertEqual(row.state, "failed")
            self.assertTrue(row.next_attempt_at, "retried automatically later")
            self.assertEqual(request.state, "pending")
            self.sim.clear_faults()
            row.action_replay()
            self._process()
        self.assertEqual(row.state, "done")
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(len(request.event_id), 1)


@tagged("post_install", "-at_install")
class TestTimeoutOnCreate(StageAutomationCase):
    def test_a_hanging_create_is_outcome_unknown_and_never_repeated(self):
        before = len(self.sim.scheduling_requests())
        self.sim.add_fault(CREATE_ROUTE, "hang", count=5, seconds=4)
        applicant = self._applicants()
        applicant.stage_id = self.auto_stage
        with patch(CLIENT_PATH, FAST_CLIENT):
            self.Request._cron_process_automation_queue()
            self.Request._cron_process_automation_queue()
        request = self.Request.search([("applicant_id", "=", applicant.id)])
        self.assertEqual(request.state, "failed")
        self.assertTrue(request.outcome_unknown)
        # The simulator logs a hanging call when it finally answers (after 4 s).
        deadline = time.monotonic() + 10
        while not self.sim.calls(route=CREATE_ROUTE) and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(len(self.sim.calls(route=CREATE_ROUTE)), 1, "never re-created blindly")
        self.assertEqual(len(self.sim.scheduling_requests()), before)
