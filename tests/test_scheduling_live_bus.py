"""Every change of a scheduling request tells open applicant views to reload: one bus
message per transaction naming every applicant whose request changed, whether a link
was queued, sent by the stage cron, failed or cancelled (bookings: test_interview_live)."""

import json

from odoo.tests import tagged

from ..models.cronofy_scheduling_request import BUS_NOTIFICATION
from .test_stage_automation import StageAutomationCase


@tagged("post_install", "-at_install")
class TestSchedulingLiveBus(StageAutomationCase):
    def _bus_messages(self):
        """The scheduling messages sent by the transaction so far, as it commits them."""
        self.env.cr.precommit.run()
        messages = self.env["bus.bus"].sudo().search([("id", ">", self.last_bus_id)])
        self.last_bus_id = max(messages.ids, default=self.last_bus_id)
        payloads = [json.loads(message.message) for message in messages]
        return [payload["payload"] for payload in payloads if payload["type"] == BUS_NOTIFICATION]

    def setUp(self):
        super().setUp()
        self.env.cr.precommit.run()
        self.last_bus_id = self.env["bus.bus"].sudo()._bus_last_id()

    def test_queued_then_sent_by_the_cron_one_message_per_transaction(self):
        applicants = self._applicants(3)
        applicants.stage_id = self.auto_stage
        requests = self._requests(applicants)
        (queued,) = self._bus_messages()
        self.assertEqual(sorted(queued["applicant_ids"]), sorted(applicants.ids))
        self.assertEqual(sorted(queued["request_ids"]), sorted(requests.ids))

        # The worker commits each row (in a test: a savepoint, which also sends what
        # changed so far): at most one message per row, every applicant named.
        self.assertEqual(self._dispatch(), 3)
        self.assertEqual(set(requests.mapped("state")), {"pending"})
        sent = self._bus_messages()
        self.assertLessEqual(len(sent), 3)
        named = [applicant_id for message in sent for applicant_id in message["applicant_ids"]]
        self.assertEqual(sorted(named), sorted(applicants.ids), "each applicant once")
        self.assertFalse(self._bus_messages(), "nothing more once committed")

    def test_failure_retry_and_cancellation_reload_the_views(self):
        applicant = self._applicants()
        self.template.cronofy_template_id = False
        applicant.stage_id = self.auto_stage
        self._bus_messages()
        self._dispatch()
        request = self._requests(applicant)
        self.assertEqual(request.state, "failed")
        expected = [{"applicant_ids": applicant.ids, "request_ids": request.ids}]
        self.assertEqual(self._bus_messages(), expected)

        other = self._applicants()
        other.stage_id = self.auto_stage
        self._dispatch()
        request = self._requests(other)
        self.assertEqual(request.state, "failed")
        request.action_retry()
        self.assertEqual(request.state, "queued")
        self._bus_messages()
        request.action_cancel()
        self.assertEqual(request.state, "cancelled")
        self.assertEqual(
            self._bus_messages(), [{"applicant_ids": other.ids, "request_ids": request.ids}]
        )
