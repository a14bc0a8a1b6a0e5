"""The applicant as scheduling sees it: its requests and the current one, the
placeholders mail templates use, the stage automation that queues links, and the
recruiter's actions on the link (send, resend, cancel).

Stage automation: entries into a stage that names a Cronofy scheduling template queue
one request per applicant (batched, no HTTP); leaving the pipeline cancels open
requests. Core ``hr.applicant.write`` calls ``super().write`` once per record when the
stage changes, so the old stages are read before super, for the whole recordset.

Search filters: "Awaiting booking" and "Booked" filter on the stored
``cronofy_scheduling_state``; "Needs attention" on the stored
``cronofy_needs_attention``, computed from the same current request: a link that
failed, was declined or expired, or whose creation at Cronofy has an unknown outcome
(see the automation queue). Stored, so that searching and grouping a job's applicants
costs one query whatever their number.
"""

import logging
from collections import defaultdict

import psycopg2.errors
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from .access import RECRUITMENT_INTERVIEWER, RECRUITMENT_OFFICER, check_groups
from .applicant_context import NO_AUTOMATION_KEY, STAND_IN_LINK_KEY
from .cronofy_scheduling_request import BOOKED_STATES, OPEN_STATES, STATES
from .interview_time_format import format_interview_time, valid_zone
from .scheduling_states import ATTENDANCE, is_overdue, overdue_domain

_logger = logging.getLogger(__name__)

# Hired applicants keep a booked interview (it may be the one that got them hired);
# only links still waiting for the candidate are withdrawn.
WAITING_STATES = ("queued", "pending")
# The states after which a link will not lead to an interview without the recruiter.
ATTENTION_STATES = ("failed", "declined", "expired")
SCHEDULING_LINK_TEMPLATE = "hr_recruitment_cronofy.mail_template_schedule_interview"

# Plain paths a recruitment manager outside "Mail Template Editor" may use, in mail
# templates and scheduling templates. They are rendered by the regex renderer (no
# evaluation) and hold nothing a recruiter cannot already read on the applicant. The
# placeholder picker shows a non-editor only listed paths, so the many2one steps are
# listed too, to be able to open them (as core lists object.partner_id); a
# placeholder ending on a record is refused on save.
ALLOWED_PLACEHOLDER_PATHS = (
    "object.cronofy_scheduling_url",
    "object.cronofy_scheduling_button",
    "object.partner_name",
    "object.partner_id.lang",
    "object.job_id",
    "object.job_id.name",
    "object.department_id",
    "object.department_id.name",
    "object.company_id",
    "object.company_id.name",
    "object.stage_id",
    "object.stage_id.name",
    "object.cronofy_interviewer_names",
    "object.cronofy_scheduling_intro",
)


class HrApplicant(models.Model):
    _inherit = "hr.applicant"

    cronofy_request_ids = fields.One2many(
        "cronofy.scheduling.request", "applicant_id", "Scheduling Requests"
    )
    cronofy_request_count = fields.Integer(compute="_compute_cronofy_request_count")
    # Stored so that kanban and list views show them without a query per card.
    cronofy_current_request_id = fields.Many2one(
        "cronofy.scheduling.request",
        "Current Scheduling Request",
        compute="_compute_cronofy_current_request",
        store=True,
    )
    cronofy_scheduling_state = fields.Selection(
        STATES,
        "Scheduling",
        compute="_compute_cronofy_current_request",
        store=True,
        # Grouped by it, the pipeline reads in the lifecycle's order, every state shown.
        group_expand=True,
    )
    cronofy_interview_start = fields.Datetime(
        "Interview Time",
        compute="_compute_cronofy_current_request",
        store=True,
    )
    cronofy_sla_due_at = fields.Datetime(
        "Booking Due",
        compute="_compute_cronofy_current_request",
        store=True,
    )
    cronofy_attendance = fields.Selection(
        ATTENDANCE,
        "Interview Attendance",
        compute="_compute_cronofy_current_request",
        store=True,
    )
    # Not stored (they depend on the clock), computed from the stored fields above:
    # no query per record in the kanban.
    cronofy_scheduling_overdue = fields.Boolean(
        "Booking Overdue",
        compute="_compute_cronofy_clock_flags",
        search="_search_cronofy_scheduling_overdue",
        help="The link is still unbooked after its scheduling template's service level.",
    )
    cronofy_attendance_due = fields.Boolean(
        "Attendance To Mark",
        compute="_compute_cronofy_clock_flags",
        help="The booked interview has started and nobody said whether the candidate came.",
    )
    cronofy_needs_attention = fields.Boolean(
        "Scheduling Needs Attention",
        compute="_compute_cronofy_needs_attention",
        store=True,
        help="The current scheduling link failed, was declined or expired, or Odoo does "
        "not know whether Cronofy created it.",
    )
    # Not stored: the composer renders a stand-in in its place (see STAND_IN_LINK_KEY),
    # which a stored value could not depend on. As superuser, as it was while stored:
    # whoever reads the applicant reads its link, whatever the request's record rules.
    cronofy_scheduling_url = fields.Char(
        "Scheduling Link",
        compute="_compute_cronofy_scheduling_url",
        compute_sudo=True,
        help="The candidate's self-scheduling link of the current open request. "
        "Use it in mail templates as a placeholder.",
    )
    cronofy_scheduling_button = fields.Html(
        "Scheduling Button",
        compute="_compute_cronofy_scheduling_button",
        sanitize=False,
        help="A 'Choose a time' button linking to the scheduling link, for mail "
        "templates. Built here, with the link escaped, so that templates need no "
        "t-att-href and stay usable under restricted template rendering.",
    )
    cronofy_interview_candidate_time = fields.Char(
        "Candidate's Time",
        compute="_compute_cronofy_interview_candidate_time",
        help="The interview time in the time zone the candidate chose it in, shown where "
        "that zone is not yours.",
    )
    cronofy_interviewer_names = fields.Char(
        "Interviewer Names",
        compute="_compute_cronofy_interviewer_names",
        help="The interviewers' names, comma separated, for scheduling templates.",
    )
    cronofy_scheduling_intro = fields.Html(
        "Scheduling Email Introduction",
        compute="_compute_cronofy_scheduling_intro",
        sanitize=False,
        help="The email introduction of the scheduling template behind the current "
        "link, filled in for this applicant. Use it in mail templates as "
        '<t t-out="object.cronofy_scheduling_intro"/>.',
    )

    # ------------------------------------------------------------------
    # The current request and what is read from it
    # ------------------------------------------------------------------

    @api.depends("cronofy_request_ids")
    def _compute_cronofy_request_count(self):
        counts = dict(
            self.env["cronofy.scheduling.request"]._read_group(
                [("applicant_id", "in", self.ids)], ["applicant_id"], ["__count"]
            )
        )
        for applicant in self:
            applicant.cronofy_request_count = counts.get(applicant._origin, 0)

    @api.depends(
        "cronofy_request_ids.state",
        "cronofy_request_ids.interview_start",
        "cronofy_request_ids.sla_due_at",
        "cronofy_request_ids.attendance",
    )
    def _compute_cronofy_current_request(self):
        for applicant in self:
            requests = applicant.cronofy_request_ids.sorted(
                lambda request: (request.create_date or fields.Datetime.now(), request.id or 0),
                reverse=True,
            )
            open_requests = requests.filtered(lambda request: request.state in OPEN_STATES)
            current = open_requests[:1] or requests[:1]
            applicant.cronofy_current_request_id = current
            applicant.cronofy_scheduling_state = current.state or False
            applicant.cronofy_interview_start = current.interview_start or False
            applicant.cronofy_sla_due_at = current.sla_due_at or False
            applicant.cronofy_attendance = current.attendance or False

    @api.depends("cronofy_scheduling_state", "cronofy_sla_due_at", "cronofy_attendance")
    def _compute_cronofy_clock_flags(self):
        now = fields.Datetime.now()
        for applicant in self:
            state = applicant.cronofy_scheduling_state
            due = applicant.cronofy_sla_due_at
            applicant.cronofy_scheduling_overdue = is_overdue(state, due, now)
            start = applicant.cronofy_interview_start
            applicant.cronofy_attendance_due = bool(
                state in BOOKED_STATES
                and start
                and start <= now
                and not applicant.cronofy_attendance
            )

    def _search_cronofy_scheduling_overdue(self, operator, value):
        domain = overdue_domain(
            "cronofy_scheduling_state", "cronofy_sla_due_at", operator, value, fields.Datetime.now()
        )
        if domain is None:
            raise UserError(self.env._("Booking Overdue can only be searched as true or false."))
        return domain

    @api.depends(
        "cronofy_current_request_id",
        "cronofy_request_ids.state",
        "cronofy_request_ids.outcome_unknown",
    )
    def _compute_cronofy_needs_attention(self):
        for applicant in self:
            current = applicant.cronofy_current_request_id
            # An unknown outcome is only ever recorded on a failed request; counted on
            # its own too, unless the recruiter has cancelled the request since.
            applicant.cronofy_needs_attention = current.state in ATTENTION_STATES or bool(
                current.outcome_unknown and current.state != "cancelled"
            )

    @api.depends("cronofy_current_request_id.state", "cronofy_current_request_id.candidate_url")
    @api.depends_context(STAND_IN_LINK_KEY)
    def _compute_cronofy_scheduling_url(self):
        stand_in = self.env.context.get(STAND_IN_LINK_KEY) or False
        for applicant in self:
            current = applicant.cronofy_current_request_id
            link = current.candidate_url if current.state in OPEN_STATES else False
            applicant.cronofy_scheduling_url = link or stand_in

    @api.depends("cronofy_scheduling_url")
    @api.depends_context("lang", STAND_IN_LINK_KEY)
    def _compute_cronofy_scheduling_button(self):
        label = self.env._("Choose a time")
        for applicant in self:
            url = applicant.cronofy_scheduling_url
            applicant.cronofy_scheduling_button = url and Markup(
                '<a href="{url}" target="_blank" rel="noopener" style="background-color: '
                "#714B67; padding: 10px 16px; text-decoration: none; color: #fff; "
                'border-radius: 5px; display: inline-block;">{label}</a>'
            ).format(url=url, label=label)

    # The booked interview time in the candidate's own time zone, for the applicant
    # form, where it differs from the reader's (the form shows the time itself in the
    # reader's).
    @api.depends("cronofy_interview_start", "cronofy_current_request_id.interview_tzid")
    @api.depends_context("tz", "lang")
    def _compute_cronofy_interview_candidate_time(self):
        reader_zone = valid_zone(self.env.context.get("tz")) or valid_zone(self.env.user.tz)
        for applicant in self:
            zone = valid_zone(applicant.cronofy_current_request_id.interview_tzid)
            booked = applicant.cronofy_scheduling_state in BOOKED_STATES
            applicant.cronofy_interview_candidate_time = (
                booked
                and applicant.cronofy_interview_start
                and zone
                and zone != reader_zone
                and format_interview_time(self.env, applicant.cronofy_interview_start, zone)
            ) or False

    # ------------------------------------------------------------------
    # Placeholders for mail and scheduling templates
    # ------------------------------------------------------------------

    # A many2many has no plain field path: the names are given as one text.
    @api.depends("interviewer_ids.name")
    def _compute_cronofy_interviewer_names(self):
        for applicant in self:
            applicant.cronofy_interviewer_names = ", ".join(
                applicant.interviewer_ids.mapped("name")
            )

    # The intro may show the link too: rendered for the composer's stand-in, it must not
    # be served from the cache outside it.
    @api.depends("cronofy_current_request_id.template_id.mail_intro")
    @api.depends_context(STAND_IN_LINK_KEY)
    def _compute_cronofy_scheduling_intro(self):
        for applicant in self:
            # Which template is behind the link is not secret; the applicant's fields
            # are read with the rights of whoever renders the mail.
            template = applicant.cronofy_current_request_id.sudo().template_id.with_env(self.env)
            intro = False
            if template.mail_intro and applicant.id:
                try:
                    intro = template._cronofy_render_for(applicant).get("mail_intro") or False
                except Exception:  # noqa: BLE001 - a broken intro must not break the mail
                    _logger.info(
                        "Scheduling intro of template %s failed for applicant %s",
                        template.id,
                        applicant.id,
                        exc_info=True,
                    )
            applicant.cronofy_scheduling_intro = intro

    # @api.model like the base method: the placeholder picker calls it without ids
    # (undecorated, it breaks the picker on applicants).
    @api.model
    def mail_allowed_qweb_expressions(self):
        # Recruiters outside "Mail Template Editor" compose under restricted rendering,
        # which only accepts the plain paths listed here.
        return super().mail_allowed_qweb_expressions() + ALLOWED_PLACEHOLDER_PATHS

    # ------------------------------------------------------------------
    # Stage automation: detection
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
    # The recruiter's actions
    # ------------------------------------------------------------------

    def action_open_cronofy_requests(self):
        check_groups(
            self, RECRUITMENT_INTERVIEWER, self.env._("Opening an applicant's scheduling requests")
        )
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "hr_recruitment_cronofy.cronofy_scheduling_request_action"
        )
        action["domain"] = [("applicant_id", "=", self.id)]
        action["context"] = {"default_applicant_id": self.id, "create": False}
        return action

    def action_send_cronofy_scheduling_link(self):
        """Open the mail composer with the invitation template. When the applicant
        has no open link yet, Send first opens the Embedded Scheduler to create one
        (see mail.compose.message)."""
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Sending scheduling links"))
        self.ensure_one()
        self.check_access("write")
        self._check_cronofy_can_receive_link()
        template = self.env.ref(SCHEDULING_LINK_TEMPLATE, raise_if_not_found=False)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send scheduling link"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_composition_mode": "comment",
                "default_template_id": template.id if template else False,
                "default_email_layout_xmlid": "mail.mail_notification_light",
            },
        }

    def _check_cronofy_can_receive_link(self):
        """A link is only useful to a candidate we can email."""
        for applicant in self:
            if not applicant.email_from:
                raise UserError(
                    self.env._(
                        "%(candidate)s has no email address: add one to the candidate "
                        "before sending a scheduling link.",
                        candidate=applicant.partner_name or applicant.display_name,
                    )
                )

    def action_resend_cronofy_link(self):
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Resending scheduling links"))
        self.check_access("write")
        requests = self._cronofy_current_requests(
            ("pending",), self.env._("%(candidate)s has no link waiting for a booking to resend.")
        )
        return requests.action_resend_link()

    def action_cronofy_mark_attended(self):
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Marking interview attendance"))
        return self._cronofy_booked_requests().action_mark_attended()

    def action_cronofy_mark_no_show(self):
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Marking interview attendance"))
        return self._cronofy_booked_requests().action_mark_no_show()

    def _cronofy_booked_requests(self):
        self.check_access("write")
        return self._cronofy_current_requests(
            BOOKED_STATES, self.env._("%(candidate)s has no booked interview to mark.")
        )

    def action_cancel_cronofy_link(self):
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Cancelling scheduling requests"))
        self.check_access("write")
        requests = self._cronofy_current_requests(
            OPEN_STATES, self.env._("%(candidate)s has no open scheduling link to cancel.")
        )
        return requests.action_cancel()

    def _cronofy_current_requests(self, states, refusal):
        """The applicants' current requests, each in one of ``states``; else a
        UserError (``refusal``, with %(candidate)s) naming the first one without."""
        for applicant in self:
            if applicant.cronofy_current_request_id.state not in states:
                raise UserError(
                    refusal % {"candidate": applicant.partner_name or applicant.display_name}
                )
        return self.cronofy_current_request_id

    # Server action "Cronofy: send scheduling link" (Action menu, automation rules).
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
    # Stage automation: queueing
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
            self.env["cronofy.scheduling.request"].sudo()._trigger_link_senders()
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

    @api.ondelete(at_uninstall=False)
    def _unlink_cronofy_requests(self):
        # Delete the requests (and, by cascade, their notifications) before the
        # applicant. Left to the database's cascade, one DELETE would both null the
        # interview's applicant and delete its request, and PostgreSQL refuses that
        # for an interview written in the same transaction (its request key is
        # checked again on the update).
        self.env["cronofy.scheduling.request"].sudo().search(
            [("applicant_id", "in", self.ids)]
        ).unlink()
