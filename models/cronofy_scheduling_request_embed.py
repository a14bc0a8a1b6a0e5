"""Server side of the Embedded Scheduler: what the browser needs to open it, and
recording the request it reports back.

The browser is not trusted: the answer it relays is parsed strictly, must carry the
correlation id this database signed for that very applicant, and may only hold links
on the company's Cronofy app host. No HTTP call to Cronofy happens here (the
recruiter's browser talked to the embed); everything is checked from what we know.
"""

from odoo import api, models, tools
from odoo.exceptions import RedirectWarning, UserError

from ..cronofy_protocol import (
    NotificationParseError,
    is_link_of,
    link_host,
    parse_scheduling_request,
)

# The element's own default; hr.job has no interview length to take it from.
DEFAULT_INTERVIEW_MINUTES = 30
SETTINGS_ACTION = "hr_recruitment.action_hr_recruitment_configuration"


class CronofySchedulingRequest(models.Model):
    _inherit = "cronofy.scheduling.request"

    # ------------------------------------------------------------------
    # Opening the embed
    # ------------------------------------------------------------------

    @api.model
    def _embed_prepare(self, applicant):
        """Everything the browser needs to show <cronofy-scheduler-button> for
        ``applicant``. The embed token is signed with the applicant's company's
        embed secret and names its tenant; it never contains a secret itself."""
        applicant.ensure_one()
        applicant._check_cronofy_can_receive_link()
        email = tools.email_normalize(applicant.email_from)
        if not email:
            raise UserError(
                self.env._(
                    "The email address of %(candidate)s (%(email)s) is not valid: fix it "
                    "before sending a scheduling link.",
                    candidate=applicant.partner_name or applicant.display_name,
                    email=applicant.email_from,
                )
            )
        connection = self._embed_connection(applicant)
        self._check_embed_configured(connection)
        return {
            "embed_token": connection._embed_token(),
            "script_url": connection._embed_script_url(),
            "correlation_id": self._new_correlation_id(applicant),
            "recipient_email": email,
            "recipient_name": applicant.partner_name or "",
            "event_summary": self._embed_event_summary(applicant),
            "event_duration_minutes": DEFAULT_INTERVIEW_MINUTES,
        }

    @api.model
    def _embed_connection(self, applicant):
        return self.env["cronofy.connection"]._for_company(applicant.company_id or self.env.company)

    @api.model
    def _check_embed_configured(self, connection):
        missing = connection._missing_settings(embed=True, api=False)
        if not connection._embed_script_url():
            missing.append(connection._fields["embed_script_url"]._description_string(self.env))
        if not missing:
            return
        message = self.env._(
            "Cronofy's Embedded Scheduler is not configured for %(company)s: %(missing)s "
            "missing. Fill them in under Settings > Recruitment > Cronofy.",
            company=connection.company_id.name,
            missing=", ".join(missing),
        )
        settings = self.env.ref(SETTINGS_ACTION, raise_if_not_found=False)
        if self.env.user._is_system() and settings:
            raise RedirectWarning(message, settings.id, self.env._("Go to Settings"))
        raise UserError(message + " " + self.env._("Ask an administrator to do it."))

    @api.model
    def _embed_event_summary(self, applicant):
        if applicant.job_id:
            return self.env._("Interview: %(job)s", job=applicant.job_id.name)
        company = applicant.company_id or self.env.company
        return self.env._("Interview with %(company)s", company=company.name)

    # ------------------------------------------------------------------
    # Recording what the embed created
    # ------------------------------------------------------------------

    @api.model
    def _record_from_embed(self, applicant, correlation_id, payload):
        """The scheduling request for ``payload`` (the event's ``scheduling_request``),
        created once; the same answer relayed again returns the same record."""
        applicant.ensure_one()
        if self._applicant_id_from_correlation_id(correlation_id) != applicant.id:
            raise UserError(
                self.env._(
                    "This scheduling link was not started for this applicant in this "
                    "database. Nothing was recorded or sent; open the scheduler again."
                )
            )
        try:
            scheduling_request = parse_scheduling_request(payload)
        except NotificationParseError as error:
            raise UserError(
                self.env._(
                    "The Embedded Scheduler returned an unexpected answer (%(field)s). "
                    "Nothing was recorded or sent.",
                    field=error.field,
                )
            ) from None
        echoed = scheduling_request.correlation_id
        if echoed and echoed != correlation_id:
            raise UserError(
                self.env._(
                    "The scheduling request belongs to another scheduling session. "
                    "Nothing was recorded or sent."
                )
            )
        connection = self._embed_connection(applicant)
        self._check_embed_links(scheduling_request, connection)
        self._check_embed_recipient(scheduling_request, applicant)

        existing = self.sudo().search(
            [("cronofy_id", "=", scheduling_request.scheduling_request_id)], limit=1
        )
        if existing:
            if existing.applicant_id != applicant:
                raise UserError(
                    self.env._("This scheduling request is already recorded for another applicant.")
                )
            return self.browse(existing.id)
        if self.sudo().search_count([("correlation_id", "=", correlation_id)]):
            raise UserError(
                self.env._(
                    "This scheduling session already created a link. Open the scheduler "
                    "again to create another one."
                )
            )
        values = self._values_from_cronofy(scheduling_request, connection)
        if not values.get("candidate_url"):
            raise UserError(
                self.env._(
                    "The Embedded Scheduler created a request without a link for the "
                    "candidate. Nothing was recorded or sent."
                )
            )
        values.update(
            applicant_id=applicant.id,
            company_id=connection.company_id.id,
            origin="embed",
            correlation_id=correlation_id,
        )
        return self.create(values)

    @api.model
    def _check_embed_links(self, scheduling_request, connection):
        """Every link must be on this company's Cronofy app host: a link relayed by
        the browser must not send the candidate anywhere else."""
        app_base_url = connection._endpoints().app_base_url
        operations = scheduling_request.recipient_operations
        links = [
            scheduling_request.primary_select_url,
            scheduling_request.dashboard_url,
            operations and operations.view_url,
            operations and operations.reschedule_url,
            operations and operations.decline_url,
            *(recipient.select_url for recipient in scheduling_request.recipients),
        ]
        for link in filter(None, links):
            if not is_link_of(link, app_base_url):
                raise UserError(
                    self.env._(
                        "The Embedded Scheduler returned a link outside Cronofy (%(host)s). "
                        "Nothing was recorded or sent.",
                        host=link_host(link),
                    )
                )

    @api.model
    def _check_embed_recipient(self, scheduling_request, applicant):
        emails = {
            tools.email_normalize(recipient.email)
            for recipient in scheduling_request.recipients
            if recipient.email
        }
        if emails and tools.email_normalize(applicant.email_from) not in emails:
            raise UserError(
                self.env._(
                    "The scheduling link was created for someone else than %(candidate)s. "
                    "Nothing was recorded or sent.",
                    candidate=applicant.partner_name or applicant.display_name,
                )
            )
