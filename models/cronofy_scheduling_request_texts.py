"""Scheduling requests carry the template's texts, filled in for their applicant.

API path (stage automation): the worker renders the texts just before the create and
sends them as ``event`` overrides beside ``template.sub`` ([U] choice, see below).
Embed path: the texts of the applicant's stage template (else the company's first
template) pre-fill the Embedded Scheduler's title and duration.
"""

import logging

from markupsafe import Markup

from odoo import api, fields, models

from .cronofy_scheduling_request_automation import AutomationFailure
from .cronofy_scheduling_template import CronofyRenderError

_logger = logging.getLogger(__name__)


class CronofySchedulingRequest(models.Model):
    _inherit = "cronofy.scheduling.request"

    event_description = fields.Text("Event description", readonly=True)
    location_note = fields.Text("Location note", readonly=True)
    cronofy_texts_refused = fields.Boolean(
        "Texts refused by Cronofy",
        readonly=True,
        copy=False,
        help="Cronofy refused the texts sent with the template (422): the request is "
        "created from the Cronofy template alone, with its own texts.",
    )

    # ------------------------------------------------------------------
    # API path
    # ------------------------------------------------------------------

    def _automation_preflight(self):
        connection = super()._automation_preflight()
        self._cronofy_fill_texts()
        return connection

    def _cronofy_fill_texts(self):
        """Render the template's texts for the applicant and keep them on the request
        (what was sent stays visible). A template error fails this request only: the
        worker turns AutomationFailure into a failed request and an activity."""
        self.ensure_one()
        template = self.template_id
        try:
            with self.env.cr.savepoint():
                texts = template._cronofy_render_for(self.applicant_id)
        except CronofyRenderError as error:
            raise AutomationFailure(
                self.env._("%(error)s. Fix the template, then use Retry.", error=error)
            ) from error
        self.write(
            {
                "summary": texts.get("event_summary") or template.name,
                "event_description": texts.get("event_description") or False,
                "location_note": texts.get("location_note") or False,
            }
        )

    def _cronofy_create_extra(self):
        # [U] Cronofy documents a create from a template with only template.sub and
        # recipients, and a full-spec create with event.summary/description/location
        # (contract 4.2/4.3). We send the template *plus* event overrides: the template
        # keeps choosing the host(s), availability and duration (Odoo does not know
        # them), the texts come from Odoo. The simulator applies the overrides; if
        # Cronofy ignored them, its template's own texts would be used, nothing fails.
        # Empty texts are left out so the Cronofy template's own text applies.
        extra = super()._cronofy_create_extra()
        if not self.template_id or self.cronofy_texts_refused:
            return extra
        event = {}
        if self.summary and self.template_id.event_summary:
            event["summary"] = self.summary
        if self.event_description:
            event["description"] = self.event_description
        if self.location_note:
            event["location"] = {"description": self.location_note}
        if not event:
            return extra
        return dict(extra or {}, event=event)

    def _cronofy_refused_only_texts(self, error):
        """True when a 422 names nothing but the ``event`` overrides we added: the
        request can be created from the template alone (a 422 created nothing)."""
        self.ensure_one()
        names = list(error.field_errors or ())
        return bool(
            names
            and not self.cronofy_texts_refused
            and (self._cronofy_create_extra() or {}).get("event")
            and all(name == "event" or name.startswith("event.") for name in names)
        )

    def _cronofy_send_without_texts(self, error):
        """Queue the create again without the texts, and say so in the chatter."""
        self.ensure_one()
        self.write({"cronofy_texts_refused": True})
        self._postpone(
            0,
            self.env._("Cronofy refused the texts; sending from the template alone."),
            count_attempt=False,
        )
        self.applicant_id.sudo().message_post(
            body=Markup("<p>{}</p>").format(
                self.env._(
                    "Cronofy refused the interview texts of '%(template)s' (%(fields)s): "
                    "the scheduling link is created with the Cronofy template's own title "
                    "and description instead.",
                    template=self.template_id.name,
                    fields=", ".join(sorted(error.field_errors)),
                )
            ),
            subtype_xmlid="mail.mt_note",
        )

    # ------------------------------------------------------------------
    # Embed path
    # ------------------------------------------------------------------

    @api.model
    def _embed_prepare(self, applicant):
        prepared = super()._embed_prepare(applicant)
        template = applicant._cronofy_template_for(fallback_to_company_template=True)
        if template and template.duration_minutes:
            prepared["event_duration_minutes"] = template.duration_minutes
        return prepared

    @api.model
    def _embed_event_summary(self, applicant):
        """The applicant's template title (stage template, else the company's first),
        else the plain default. A template that fails here falls back to the default:
        the recruiter sees and can edit the title in the scheduler before creating."""
        template = applicant._cronofy_template_for(fallback_to_company_template=True)
        if template.event_summary:
            try:
                summary = template._cronofy_render_for(applicant).get("event_summary")
            except CronofyRenderError as error:
                _logger.info("Embed title falls back to the default: %s", error)
                summary = None
            if summary:
                return summary
        return super()._embed_event_summary(applicant)
