"""Helpers for the Embedded Scheduler tests: applicants to schedule, and scheduling
requests created at the simulator exactly as the embed element creates them."""

import requests

from odoo.tests import new_test_user

from .common import CronofySimulatorMixin


class EmbedFixtures(CronofySimulatorMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The embed only works once the company's tenant is linked to an OU.
        cls.sim.link_tenant(cls.demo["organizational_unit_id"], cls.connection.tenant_id)
        cls.recruiter = new_test_user(
            cls.env,
            login="hrc_embed_recruiter",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
            email="hrc.embed.recruiter@example.com",
        )
        cls.job = cls.env["hr.job"].create({"name": "Embedded Test Engineer"})
        cls.applicant = cls._new_applicant("Ada <b>Lovelace</b>", "ada@example.com")
        cls.other_applicant = cls._new_applicant("Grace Hopper", "grace@example.com")

    @classmethod
    def _new_applicant(cls, name, email, job=None, company=None):
        candidate = cls.env["hr.candidate"].create(
            {
                "partner_name": name,
                "email_from": email,
                "company_id": (company or cls.env.company).id,
            }
        )
        return cls.env["hr.applicant"].create(
            {
                "candidate_id": candidate.id,
                "job_id": (job or cls.job).id,
                "company_id": (company or cls.env.company).id,
            }
        )

    def _prepare_as(self, user, applicant):
        Request = self.env["cronofy.scheduling.request"].with_user(user)
        return Request._embed_prepare(applicant.with_user(user))

    def _create_at_simulator(self, embed, email=None):
        """POST what <cronofy-scheduler-button> posts; the answer is its event's detail."""
        host = next(
            h for h in self.sim.hosts() if h["ou_id"] == self.demo["organizational_unit_id"]
        )
        session = requests.Session()
        session.trust_env = False  # loopback: never through a proxy
        response = session.post(
            f"{self.simulator.base_url}/embed/v1/scheduling_requests",
            headers={"Authorization": f"Bearer {embed['embed_token']}"},
            json={
                "correlation_id": embed["correlation_id"],
                "recipient": {
                    "email": email or embed["recipient_email"],
                    "display_name": embed["recipient_name"],
                },
                "event": {"summary": embed["event_summary"], "duration": {"minutes": 30}},
                "host_sub": host["sub"],
            },
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["scheduling_request"]
