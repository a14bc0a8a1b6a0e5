"""What a recruiter with the applicant open sees: the bus notification over a
real websocket, the interview on the form when opened again, and the interview
appearing on a form left open (live reload), in Chromium."""

import contextlib
import json
import threading
import time

from odoo.tests import tagged

from odoo.addons.bus.models.bus import dispatch
from odoo.addons.bus.tests.common import WebsocketCase

from ..models.cronofy_scheduling_request import BUS_NOTIFICATION
from .webhook_common import CronofyWebhookCase


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
        # Two tours around the booking, for a recruiter who opens the applicant again.
        # (A thread playing the cron shared the test cursor with the browser and made
        # the tour flaky; TestInterviewLiveReload has the job run by the browser.)
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


@contextlib.contextmanager
def _bus_delivery():
    """Deliver bus messages to the browser's websocket during a tour.

    Odoo's test cursor drops post-commit hooks, so the NOTIFY that tells websockets
    that messages wait is never sent (Odoo's own websocket tests poke them by hand).
    This thread pokes every open websocket a few times a second; it only writes to the
    websocket's wake-up socket and never touches the database: the websocket then
    reads its messages through the test cursor like any request."""
    stop = threading.Event()

    def poke():
        while not stop.wait(0.2):
            try:
                websockets = set().union(*list(dispatch._channels_to_ws.values()))
            except RuntimeError:  # the map changed while copied: next round
                continue
            for websocket in websockets:
                # A websocket closing meanwhile must not end the thread (Odoo's own
                # dispatcher survives the same way).
                with contextlib.suppress(OSError, ValueError):
                    websocket.trigger_notification_dispatching()

    thread = threading.Thread(target=poke, name="hrc-bus-poke", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


@tagged("post_install", "-at_install")
class TestInterviewLiveReload(CronofyWebhookCase):
    """An administrator keeps the applicant form open while a job runs behind its back
    (the tour runs it by RPC): the form must show the change by itself."""

    def _watch_applicant_form(self, tour):
        self.env.flush_all()
        with _bus_delivery():
            self.start_tour(f"/odoo/hr.applicant/{self.applicant.id}", tour, login="admin")
        self.env.invalidate_all()

    def test_open_form_shows_the_booking_without_reloading(self):
        request = self._send_link()
        self._choose(request)  # delivered to the inbox, not processed yet
        self.assertEqual(request.state, "pending")
        self.assertEqual(self.Notification.search_count([("state", "=", "received")]), 1)
        self._watch_applicant_form("hr_recruitment_cronofy_interview_live_tour")
        self.assertEqual(request.state, "time_chosen")
        self.assertEqual(len(self.applicant.meeting_ids), 1)

    def test_open_form_shows_the_link_the_stage_cron_sent(self):
        template = self.env["cronofy.scheduling.template"].create(
            {
                "name": "Live interview",
                "sequence": 0,
                "cronofy_template_id": "sgr_demo_interview_30",
            }
        )
        stage = self.env["hr.recruitment.stage"].create(
            {
                "name": "Live: interview",
                "job_ids": [(4, self.job.id)],
                "cronofy_scheduling_template_id": template.id,
            }
        )
        creates = len(self.sim.calls(route="scheduling_requests.create"))
        self.applicant.stage_id = stage
        request = self.applicant.cronofy_request_ids
        self.assertEqual(request.state, "queued")
        self._watch_applicant_form("hr_recruitment_cronofy_link_sent_live_tour")
        self.assertEqual(request.state, "pending")
        self.assertEqual(len(self.sim.calls(route="scheduling_requests.create")), creates + 1)
