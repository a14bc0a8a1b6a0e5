"""Stage automation on applicants: detect entries into a stage that names a Cronofy
scheduling template, queue one request per applicant (batched, no HTTP), cancel open
requests when the applicant leaves the pipeline.

Core ``hr.applicant.write`` calls ``super().write`` once per record when the stage
changes, so the old stages are read here, before super, for the whole recordset.
"""

from collections import defaultdict

import psycopg2.errors
from markupsafe import Markup

from odoo import api, models

from .access import RECRUITMENT_OFFICER, check_groups
from .cronofy_scheduling_request import OPEN_STATES

# Hired applicants keep a booked interview (it may be the one that got them hired);
# only links still waiting for the candidate are withdrawn.
WAITING_STATES = ("queued", "pending")
QUEUE_CRON_XMLID = "hr_recruitment_cronofy.ir_cron_cronofy_automation_queue"
# Context key for code that moves applicants and must not send links (data fixes).
NO_AUTOMATION_KEY = "cronofy_no_automation"


class HrApplicant(models.Model):
    _inherit = "hr.applicant"

    # ------------------------------------------------------------------
    # Detection
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        applicants = super().create(vals_list)
        if not self.env.context.get(NO_AUTOMATION_KEY):
            entered = applicants.filtered(
                lambda applicant: applicant.stage_id.cronofy_scheduling_template_id
            )
            if entered:
                entered._cronofy_queue_scheduling_links()
        return applicants

    def write(self, vals):
        old_stages = self._cronofy_stages_before_write(vals)
        result = super().write(vals)
        if old_stages:
            entered = self.filtered(
                lambda applicant: (
                    applicant.stage_id.id != old_stages.get(applicant.id)
                    and applicant.stage_id.cronofy_scheduling_template_id
                )
            )
            if entered:
                entered._cronofy_queue_scheduling_links()
        self._cronofy_withdraw_after_write(vals)
        return result

    def _cronofy_stages_before_write(self, vals):
        """``{applicant id: stage id}`` when this write may move applicants into an
        automated stage, else an empty dict (and no query: moves into ordinary stages
        cost nothing)."""
        if self.env.context.get(NO_AUTOMATION_KEY) or self.env.context.get("just_unarchived"):
            return {}
        if "stage_id" in vals:
            stage = self.env["hr.recruitment.stage"].browse(vals["stage_id"])
            if not (stage and stage.cronofy_scheduling_template_id):
                return {}
        elif "job_id" not in vals:
            # The stage is computed from the job; any other write keeps it.
            return {}
        return {applicant.id: applicant.stage_id.id for applicant in self}

    def _cronofy_withdraw_after_write(self, vals):
        if vals.get("refuse_reason_id") or ("active" in vals and not vals["active"]):
            leaving = self.filtered(lambda applicant: not applicant.active)
            leaving._cronofy_open_requests(OPEN_STATES)._cancel_open(
                reason=self.env._("The applicant was refused or archived.")
            )
        elif "stage_id" in vals or "date_closed" in vals:
            stage = self.env["hr.recruitment.stage"].browse(vals.get("stage_id"))
            if "date_closed" in vals or stage.hired_stage:
                hired = self.filtered("date_closed")
                hired._cronofy_open_requests(WAITING_STATES)._cancel_open(
                    reason=self.env._("The applicant was hired.")
                )

    def _cronofy_open_requests(self, states):
        if not self:
            return self.env["cronofy.scheduling.request"]
        return (
            self.env["cronofy.scheduling.request"]
            .sudo()
            .search([("applicant_id", "in", self.ids), ("state", "in", states)])
        )

    # ------------------------------------------------------------------
    # Server action "Cronofy: send scheduling link" (Action menu, automation rules)
    # ------------------------------------------------------------------

    def action_cronofy_send_scheduling_link(self):
        """Queue a link for each selected applicant, with their stage's template or,
        when the stage has none, the company's first scheduling template."""
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Sending scheduling links"))
        # The requests are created with sudo: only for applicants the caller may change.
        self.check_access("write")
        queued, skipped = self._cronofy_queue_scheduling_links(fallback_to_company_template=True)
        message = self.env._("%(queued)s scheduling link(s) queued.", queued=len(queued))
        if skipped:
            message += " " + self.env._(
                "%(skipped)s applicant(s) skipped: see their chatter.", skipped=len(skipped)
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "warning" if skipped else "success",
                "sticky": False,
            },
        }

    # ------------------------------------------------------------------
    # Queueing
    # ------------------------------------------------------------------

    def _cronofy_skip_reason(self):
        """Why no link may be sent to this applicant now, or None."""
        self.ensure_one()
        status = self.application_status
        if status == "refused":
            return self.env._("No scheduling link sent: the applicant is refused.")
        if status == "archived":
            return self.env._("No scheduling link sent: the applicant is archived.")
        if status == "hired":
            return self.env._("No scheduling link sent: the applicant is already hired.")
        if not self.email_from:
            return self.env._(
                "No scheduling link sent: the applicant has no email address. Add one, "
                "then use Action > Cronofy: send scheduling link."
            )
        return None

    def _cronofy_template_for(self, *, template=None, fallback_to_company_template=False):
        self.ensure_one()
        template = template or self.stage_id.cronofy_scheduling_template_id
        if not template and fallback_to_company_template:
            company = self.company_id or self.env.company
            template = self.env["cronofy.scheduling.template"].search(
                [("company_id", "=", company.id)], limit=1
            )
        return template

    def _cronofy_queue_scheduling_links(self, template=None, fallback_to_company_template=False):
        """Queue one request per applicant (skipping those with an open request for the
        same template) and wake the cron. Returns ``(queued requests, skipped
        applicants)``; skipped applicants get a chatter note saying why."""
        Request = self.env["cronofy.scheduling.request"].sudo()
        to_queue = defaultdict(lambda: self.browse())
        skipped = {}
        for applicant in self:
            reason = applicant._cronofy_skip_reason()
            chosen = applicant._cronofy_template_for(
                template=template, fallback_to_company_template=fallback_to_company_template
            )
            if not reason and not chosen:
                reason = self.env._(
                    "No scheduling link sent: no Cronofy scheduling template is set on the "
                    "stage or for the company."
                )
            if reason:
                skipped[applicant] = reason
            else:
                to_queue[chosen] |= applicant
        vals_list = []
        for chosen, applicants in to_queue.items():
            already_open = {
                applicant.id
                for [applicant] in Request._read_group(
                    [
                        ("applicant_id", "in", applicants.ids),
                        ("template_id", "=", chosen.id),
                        ("state", "in", OPEN_STATES),
                    ],
                    ["applicant_id"],
                )
            }
            vals_list += [
                applicant._cronofy_queued_request_values(chosen)
                for applicant in applicants
                if applicant.id not in already_open
            ]
        queued = self._cronofy_insert_queued(vals_list)
        for applicant, reason in skipped.items():
            applicant.sudo().message_post(
                body=Markup("<p>{}</p>").format(reason), subtype_xmlid="mail.mt_note"
            )
        if queued:
            self.env.ref(QUEUE_CRON_XMLID).sudo()._trigger()
        return queued, self.browse([applicant.id for applicant in skipped])

    def _cronofy_queued_request_values(self, template):
        self.ensure_one()
        Request = self.env["cronofy.scheduling.request"]
        # The stage (or an officer) chose the template: anyone allowed to move the
        # applicant, e.g. an interviewer who cannot read templates, triggers it.
        template = template.sudo()
        # Everything the request's create() would otherwise look up one applicant at a
        # time is given here, so queueing 500 applicants stays a handful of queries.
        return {
            "applicant_id": self.id,
            "company_id": (self.company_id or self.env.company).id,
            "correlation_id": Request._new_correlation_id(self),
            "template_id": template.id,
            "state": "queued",
            "origin": "automation",
            "user_id": self.env.user.id,
            "summary": template.name,
            "duration_minutes": template.duration_minutes,
        }

    def _cronofy_insert_queued(self, vals_list):
        Request = (
            self.env["cronofy.scheduling.request"]
            .sudo()
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True, mail_notrack=True)
        )
        if not vals_list:
            return Request
        # flush=False: a flushing savepoint would run the tracking of the whole stage
        # move now, one query per applicant (it runs at commit anyway). The INSERT is a
        # single statement, so a conflict leaves nothing half-done in the cache.
        try:
            with self.env.cr.savepoint(flush=False):
                return Request.create(vals_list)
        except psycopg2.errors.UniqueViolation:
            # A concurrent move queued some of them first (the partial unique index
            # decided): keep the others, never fail the user's stage move.
            queued = Request
            for vals in vals_list:
                try:
                    with self.env.cr.savepoint(flush=False):
                        queued |= Request.create(vals)
                except psycopg2.errors.UniqueViolation:
                    continue
            return queued
