"""What a recruiter with the applicant open sees: the bus notification over a
real websocket, and the interview appearing on the form in Chromium."""

import json
import threading
import time

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from odoo.addons.bus.models.bus import dispatch
from odoo.addons.bus.tests.common import WebsocketCase

from .webhook_common import CronofyWebhookCase

BUS_NOTIFICATION = "hr_recruitment_cronofy/interview_updated"


def _wake_every_websocket():
    """Test mode drops post-commit hooks, so the bus's PostgreSQL NOTIFY never
    fires; wake the websockets ourselves, as Odoo's bus tests do."""
    for websockets in list(dispatch._channels_to_ws.values()):
        for websocket in list(websockets):
            websocket.trigger_notification_dispatching()


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
    def test_interview_appears_on_the_open_applicant(self):
        request = self._send_link()
        self.env.flush_all()
        stop = threading.Event()
        registry = self.registry

        def candidate_booked():
            booking = self.sim.scheduling_request(request.cronofy_id)
            return booking["slot_selection"] == "complete" and self.sim.wait_for_webhooks()

        def play_the_cron():
            # Odoo's cron worker, in test form: apply what arrived, then let the
            # open pages hear about it. It touches the database only once the tour
            # has booked: until then the test thread may use the same connection
            # (login), and only HTTP requests share the test cursor's lock.
            while not stop.is_set() and not candidate_booked():
                stop.wait(0.2)
            # It stops by itself once the booking is applied: the test thread uses
            # the same connection again as soon as the tour ends.
            applied = False
            while not applied and not stop.is_set():
                with registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    env["cronofy.notification"]._cron_process_notifications()
                    env.flush_all()
                    applied = (
                        env["cronofy.scheduling.request"].browse(request.id).state != "pending"
                    )
                _wake_every_websocket()
                stop.wait(0.3)

        worker = threading.Thread(target=play_the_cron, name="cronofy-test-cron", daemon=True)
        worker.start()
        try:
            self.start_tour(
                f"/odoo/hr.applicant/{self.applicant.id}",
                "hr_recruitment_cronofy_interview_tour",
                login=self.recruiter.login,
            )
        finally:
            stop.set()
            worker.join(timeout=10)
        self.env.invalidate_all()
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(len(self.applicant.meeting_ids), 1)
