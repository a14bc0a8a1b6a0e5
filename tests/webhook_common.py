"""Shared set-up for the webhook tests: the simulator delivers its signed push
notifications to this test server's webhook URL, over real HTTP."""

import json
from datetime import timedelta

from odoo import fields

from odoo.addons.hr_recruitment_cronofy.cronofy_protocol import compute_signature, recipient

from .common import CronofyHttpCase

TEMPLATE = "sgr_demo_interview_30"


class CronofyWebhookCase(CronofyHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.webhook_path = f"/cronofy/webhook/{cls.connection.sudo().webhook_key}"
        cls._point_simulator_webhooks_at(cls.base_url() + cls.webhook_path)
        cls.recruiter = cls._new_recruiter_cls("hrc_wh_recruiter")
        cls.job = cls.env["hr.job"].create(
            {"name": "Webhook Test Job", "user_id": cls.recruiter.id}
        )
        cls.candidate = cls.env["hr.candidate"].create(
            {"partner_name": "Ada <b>Lovelace</b>", "email_from": "ada@example.com"}
        )
        cls.applicant = cls.env["hr.applicant"].create(
            {"candidate_id": cls.candidate.id, "job_id": cls.job.id, "user_id": cls.recruiter.id}
        )
        cls.Notification = cls.env["cronofy.notification"]
        cls.Request = cls.env["cronofy.scheduling.request"]

    def setUp(self):
        super().setUp()
        # A delivery still in flight when a test ends (e.g. the cancellation Cronofy
        # notifies after the cron cancelled a link) would reach the test server
        # during the next test and break its transaction: let them land first.
        self.addCleanup(self.sim.wait_for_webhooks, timeout=20)

    @classmethod
    def _new_recruiter_cls(cls, login):
        from odoo.tests import new_test_user

        return new_test_user(
            cls.env,
            login=login,
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
        )

    # -- driving "Cronofy" -------------------------------------------------------------

    def _send_link(self, applicant=None):
        """Create a real request at the simulator and record it, as the Send button does."""
        applicant = applicant or self.applicant
        with self.connection._scheduler_client() as client:
            scheduling_request = client.create_from_template(
                TEMPLATE, [recipient(applicant.email_from, applicant.partner_name)]
            )
        values = self.Request._values_from_cronofy(scheduling_request, self.connection)
        values.update(applicant_id=applicant.id, origin="button", user_id=self.recruiter.id)
        request = self.Request.create(values)
        self.env.flush_all()
        return request

    def _deliver(self):
        """Let the simulator deliver everything queued to our webhook URL."""
        self.env.flush_all()
        self.assertTrue(self.sim.wait_for_webhooks(timeout=20), "webhooks still in flight")
        self.env.invalidate_all()

    def _process(self):
        self.env.flush_all()
        self.Notification._cron_process_notifications()
        self.env.invalidate_all()

    def _choose(self, request, **kwargs):
        self.sim.choose(request.cronofy_id, correlation_id=request.correlation_id, **kwargs)
        self._deliver()

    def _sent_days_ago(self, request, days):
        """Make ``request`` look created ``days`` ago (crons measure age on create_date)."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE cronofy_scheduling_request SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=days), request.id),
        )
        request.invalidate_recordset(["create_date"])

    # -- posting by hand ---------------------------------------------------------------

    def _post(self, body, secret=None, signature=None, path=None, headers=None):
        """POST ``body`` (bytes, or a JSON-able object) signed with ``secret``
        (default: the demo client secret) to the webhook URL."""
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        if signature is None:
            signature = compute_signature(body, secret or self.demo["client_secret"])
        all_headers = {"Content-Type": "application/json; charset=utf-8"}
        if signature:
            all_headers["Cronofy-HMAC-SHA256"] = signature
        all_headers.update(headers or {})
        self.env.flush_all()
        response = self.url_open(path or self.webhook_path, data=body, headers=all_headers)
        self.env.invalidate_all()
        return response

    def _delivered_bodies(self, request):
        deliveries = self.sim.deliveries(scheduling_request_id=request.cronofy_id)
        return [delivery["body"].encode() for delivery in deliveries]

    def _interviews(self, request):
        """The request's calendar events, archived ones included."""
        return (
            self.env["calendar.event"]
            .with_context(active_test=False)
            .search([("cronofy_request_id", "=", request.id)])
        )

    def _notifications(self, request=None):
        domain = [("cronofy_request_ref", "=", request.cronofy_id)] if request else []
        return self.Notification.search(domain, order="id")

    @staticmethod
    def _payload(cronofy_id, notification_type, triggered_at, correlation_id=None, event=None):
        event = dict(event or {"summary": "Interview"})
        if correlation_id:
            event.setdefault("metadata", {}).setdefault("scheduler", {})["correlation_id"] = (
                correlation_id
            )
        return {
            "notification": {"type": notification_type, "triggered_at": triggered_at},
            "scheduling_request": {
                "scheduling_request_id": cronofy_id,
                "slot_selection": "complete",
                "event": event,
            },
        }


class TwoCompanyWebhookCase(CronofyWebhookCase):
    """A second company with a connection of its own (its own secret and URL)."""

    company_b_secret = "CRN_security_company_b_secret_0000002"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Security Company B"})
        cls.connection_b = cls.env["cronofy.connection"]._for_company(cls.company_b)
        cls.connection_b.write(
            cls._demo_connection_values(
                client_secret=cls.company_b_secret,
                internal_app_client_secret=cls.company_b_secret,
            )
        )
        cls.path_b = f"/cronofy/webhook/{cls.connection_b.sudo().webhook_key}"
