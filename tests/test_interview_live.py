"""What a recruiter with the applicant open sees: the bus notification over a
real websocket, and the interview appearing on the form in Chromium."""

import json
import time

from odoo.tests import tagged

from odoo.addons.bus.tests.common import WebsocketCase

from .webhook_common import CronofyWebhookCase

BUS_NOTIFICATION = "hr_recruitment_cronofy/interview_updated"


@tagged("post_install", "-at_install")
class TestInterviewBus(CronofyWebhookCase, WebsocketCase):
    def _receive(self, websocket, notification_type, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for notification in json.loads(websocket.recv()):
                if notification["message"]["type"] == notification_type:
                    return notification["message"]["payload"]
        self.fail(f"no {notification_type} on the bus")

    def test_recruiter_websocket_receives_the_interview_update(self):
        request = self._send_link()
        self.authenticate(self.recruiter.login, self.recruiter.login)
        websocket = self.websocket_connect(cookie=f"session_id={self.session.sid}")
        self.subscribe(websocket, [], self.env["bus.bus"]._bus_last_id())
        self._choose(request)
        self._process()
        group = self.env.ref("hr_recruitment.group_hr_recruitment_interviewer")
        self.trigger_notification_dispatching([group])
        payload = self._receive(websocket, BUS_NOTIFICATION)
        self.assertEqual(payload["applicant_ids"], [self.applicant.id])
        self.assertEqual(payload["request_ids"], [request.id])


@tagged("post_install", "-at_install")
class TestInterviewTour(CronofyWebhookCase):
    def test_interview_appears_on_the_applicant(self):
        # Two tours around the booking rather than one tour waiting while a thread
        # plays the cron: that thread shared the test cursor with the browser's
        # requests and made the tour flaky. The live reload itself rests on the bus
        # notification, which TestInterviewBus receives over a real websocket.
        request = self._send_link()
        self.env.flush_all()
        url = f"/odoo/hr.applicant/{self.applicant.id}"
        login = self.recruiter.login
        self.start_tour(url, "hr_recruitment_cronofy_interview_pending_tour", login=login)
        self._choose(request)
        self._process()
        self.start_tour(url, "hr_recruitment_cronofy_interview_tour", login=login)
        self.env.invalidate_all()
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(len(self.applicant.meeting_ids), 1)
