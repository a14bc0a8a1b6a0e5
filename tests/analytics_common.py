"""Links with a known history, for the scheduling report's tests: made at fixed times
(freezegun) and moved through the request's own state machine."""

from datetime import datetime, timedelta

from freezegun import freeze_time

# A Monday, 9:00 UTC.
T0 = datetime(2026, 1, 5, 9, 0)


def at(hours):
    return T0 + timedelta(hours=hours)


class ScheduledLinksMixin:
    """Needs ``Request``, ``job``, ``template`` and a class counter ``serial``."""

    cronofy_id_prefix = "srq_analytics_"

    def _applicant(self, name, job=None):
        job = job or self.job
        candidate = self.env["hr.candidate"].create(
            {
                "partner_name": name,
                "email_from": f"{name.lower().replace(' ', '.')}@example.com",
                "company_id": job.company_id.id,
            }
        )
        return self.env["hr.applicant"].create(
            {"candidate_id": candidate.id, "job_id": job.id, "company_id": job.company_id.id}
        )

    def _sent(self, name, job=None, template=None, hours=0):
        """A link sent ``hours`` after T0 (created with it, as the button and the
        embed do)."""
        type(self).serial += 1
        with freeze_time(at(hours)):
            return self.Request.create(
                {
                    "applicant_id": self._applicant(name, job).id,
                    "cronofy_id": f"{self.cronofy_id_prefix}{self.serial}",
                    "state": "pending",
                    "origin": "button",
                    "template_id": (template or self.template).id,
                }
            )

    def _move(self, request, hours, state, interview_at=None):
        values = {}
        if interview_at is not None:
            values = {"interview_start": at(interview_at), "interview_stop": at(interview_at + 1)}
        with freeze_time(at(hours)):
            request._set_state(state, values)
