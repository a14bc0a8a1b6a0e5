"""The scheduling request: one link Cronofy made for one applicant to pick an
interview time, and everything Odoo knows about it (ids, links, texts, the booked
time) with its lifecycle in one place.

What is done *to* a request in the background lives in AbstractModels it inherits,
named by their job: ``cronofy.scheduling.queue`` (sending it at Cronofy for stage
automation, cancelling it there, asking Cronofy about it, the follow-up and reminder
crons) and ``cronofy.scheduling.booking`` (turning Cronofy's notifications into the
interview, a ``calendar.event``). This file calls their methods by name; none of them
redefines a method of this one.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import RedirectWarning, UserError, ValidationError
from odoo.tools import SQL, sql

from ..cronofy_protocol import (
    NotificationParseError,
    is_link_of,
    link_host,
    parse_scheduling_request,
)

# Odoo builds a module's models in the order their classes are defined: the
# AbstractModels this record inherits come first.
from . import cronofy_scheduling_booking  # noqa: F401
from .access import RECRUITMENT_INTERVIEWER, RECRUITMENT_OFFICER, check_groups
from .cronofy_scheduling_queue import AutomationFailure
from .cronofy_scheduling_template import CronofyRenderError
from .interview_time_format import format_interview_time, valid_zone
from .scheduling_states import (
    ALLOWED_TRANSITIONS,
    ATTENDANCE,
    BOOKED_STATES,
    OPEN_STATES,
    STATES,
    is_overdue,
    overdue_domain,
)

_logger = logging.getLogger(__name__)

ORIGINS = [
    ("embed", "Embedded Scheduler"),
    ("button", "Send button"),
    ("automation", "Stage automation"),
]

# Cronofy stores correlation_id and echoes it in notifications; it may be at
# most 128 characters (contract 4.6).
CORRELATION_PREFIX = "odoo-a"
CORRELATION_MAX_LENGTH = 128

# Sent once per transaction to open applicant views (static/src/interview_live_update.js
# listens) naming every applicant whose scheduling request changed in it.
BUS_NOTIFICATION = "hr_recruitment_cronofy/scheduling_changed"
_CHANGED_REQUESTS = "hr_recruitment_cronofy.changed_requests"

# The guard rail "one open link per applicant and template", as a partial unique
# index (see init).
ONE_OPEN_INDEX = "cronofy_scheduling_request_one_open_per_template"

# The Embedded Scheduler element's own default; hr.job has no interview length to
# take it from.
DEFAULT_INTERVIEW_MINUTES = 30
SETTINGS_ACTION = "hr_recruitment.action_hr_recruitment_configuration"
INVITATION_TEMPLATE = "hr_recruitment_cronofy.mail_template_schedule_interview"


class CronofySchedulingRequest(models.Model):
    _name = "cronofy.scheduling.request"
    _description = "Cronofy Scheduling Request"
    _inherit = ["mail.thread", "cronofy.scheduling.queue", "cronofy.scheduling.booking"]
    _order = "create_date desc, id desc"
    _rec_names_search = ["applicant_id", "cronofy_id", "correlation_id"]

    cronofy_id = fields.Char(
        "Cronofy Request ID",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="Cronofy's scheduling request id (srq_...).",
    )
    applicant_id = fields.Many2one(
        "hr.applicant", required=True, index=True, ondelete="cascade", tracking=True
    )
    candidate_id = fields.Many2one(related="applicant_id.candidate_id", store=True)
    job_id = fields.Many2one(related="applicant_id.job_id", store=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    origin = fields.Selection(ORIGINS, required=True, default="button", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        "Requested by",
        default=lambda self: self.env.user,
        readonly=True,
        help="Who sent the link (for automation: who moved the applicant).",
    )
    template_id = fields.Many2one(
        "cronofy.scheduling.template",
        "Scheduling Template",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    state = fields.Selection(
        STATES, required=True, default="pending", index=True, tracking=True, readonly=True
    )
    is_open = fields.Boolean(compute="_compute_is_open", search="_search_is_open")
    failure_reason = fields.Text(
        readonly=True, help="Why the request failed for good (state Failed)."
    )
    correlation_id = fields.Char(
        required=True,
        copy=False,
        readonly=True,
        default=lambda self: self._new_correlation_id(),
        help="Sent to Cronofy with the link and echoed in its notifications; "
        "ties them to this applicant.",
    )
    # Links Cronofy gave
    candidate_url = fields.Char(
        "Candidate link", readonly=True, help="The link the candidate opens to pick a time."
    )
    dashboard_url = fields.Char("Cronofy dashboard", readonly=True)
    reschedule_url = fields.Char(readonly=True)
    decline_url = fields.Char(readonly=True)
    # Texts of the interview (rendered from the scheduling template, or Cronofy's)
    summary = fields.Char("Event summary", readonly=True)
    duration_minutes = fields.Integer(readonly=True)
    event_description = fields.Text("Event description", readonly=True)
    location_note = fields.Text("Location note", readonly=True)
    cronofy_texts_refused = fields.Boolean(
        "Texts refused by Cronofy",
        readonly=True,
        copy=False,
        help="Cronofy refused the texts sent with the template (422): the request is "
        "created from the Cronofy template alone, with its own texts.",
    )
    # The booking
    interview_start = fields.Datetime(readonly=True, tracking=True)
    interview_stop = fields.Datetime(readonly=True)
    interview_tzid = fields.Char(
        "Candidate's time zone", readonly=True, help="The zone the time was picked in."
    )
    candidate_note = fields.Text(readonly=True, help="What the candidate wrote when booking.")
    interview_hosts_note = fields.Text(
        "Hosts",
        readonly=True,
        copy=False,
        help="The hosts Cronofy named for the booked interview that are not Odoo users, "
        "or that Cronofy named none; Odoo users it named are the interview's attendees.",
    )
    # The interview's own cronofy_request_id is the one stored pointer (unique, so a
    # request never gets two); event_id reads it back for forms and code.
    event_ids = fields.One2many(
        "calendar.event",
        "cronofy_request_id",
        "Interviews",
        readonly=True,
        context={"active_test": False},
    )
    event_id = fields.Many2one("calendar.event", "Interview", compute="_compute_event_id")
    # Notifications applied, in Cronofy's order
    last_notification_at = fields.Datetime(
        readonly=True,
        help="Cronofy's triggered_at of the newest notification applied; older ones "
        "arriving later do not undo it.",
    )
    last_notification_type = fields.Char(readonly=True)

    # The request's figures for Recruitment > Reporting > Interview Scheduling, kept by
    # _set_state as the story happens (and backfilled on upgrade from what was stored).
    sent_at = fields.Datetime(
        "Sent", readonly=True, copy=False, help="When the candidate's link was created."
    )
    first_chosen_at = fields.Datetime(
        "First Time Chosen",
        readonly=True,
        copy=False,
        help="When the candidate first chose an interview time.",
    )
    working_hours_to_schedule = fields.Float(
        "Working Hours to Schedule",
        readonly=True,
        copy=False,
        digits=(16, 1),
        help="Working hours of the company's calendar (public holidays excluded) between "
        "sending the link and the first time chosen.",
    )
    reschedule_count = fields.Integer("Reschedules", readonly=True, copy=False)
    attendance = fields.Selection(
        ATTENDANCE,
        readonly=True,
        copy=False,
        tracking=True,
        help="Set by the recruiter after the interview.",
    )
    sla_due_at = fields.Datetime(
        "Booking Due",
        compute="_compute_sla_due_at",
        store=True,
        help="When the candidate should have booked, by the scheduling template's service level.",
    )
    is_overdue = fields.Boolean(
        "Overdue",
        compute="_compute_is_overdue",
        search="_search_is_overdue",
        help="Still unbooked after the scheduling template's service level.",
    )
    notification_ids = fields.One2many("cronofy.notification", "scheduling_request_id")

    _sql_constraints = [
        ("cronofy_id_unique", "unique(cronofy_id)", "This Cronofy request is already recorded."),
        ("correlation_id_unique", "unique(correlation_id)", "Correlation ids must be unique."),
    ]

    def init(self):
        res = super().init()
        # The guard rail "one open link per applicant and template" as a constraint the
        # database enforces for every worker and every transaction.
        if not sql.index_exists(self.env.cr, ONE_OPEN_INDEX):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX %s ON cronofy_scheduling_request "
                    "(applicant_id, template_id) "
                    "WHERE template_id IS NOT NULL AND state IN %s",
                    SQL.identifier(ONE_OPEN_INDEX),
                    OPEN_STATES,
                )
            )
        return res

    # ------------------------------------------------------------------
    # Display
    # ------------------------------------------------------------------

    @api.depends("applicant_id.partner_name", "state")
    def _compute_display_name(self):
        labels = dict(self._fields["state"]._description_selection(self.env))
        for request in self:
            name = request.applicant_id.partner_name or request.applicant_id.display_name or ""
            request.display_name = f"{name} ({labels.get(request.state, request.state)})"

    @api.depends("state")
    def _compute_is_open(self):
        for request in self:
            request.is_open = request.state in OPEN_STATES

    def _search_is_open(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on open scheduling requests."))
        wants_open = (operator == "=") == bool(value)
        return [("state", "in" if wants_open else "not in", OPEN_STATES)]

    @api.depends("sent_at", "template_id.booking_sla_hours")
    def _compute_sla_due_at(self):
        for request in self:
            hours = request.template_id.booking_sla_hours
            request.sla_due_at = (
                request.sent_at + timedelta(hours=hours) if hours and request.sent_at else False
            )

    @api.depends("state", "sla_due_at")
    def _compute_is_overdue(self):
        now = fields.Datetime.now()
        for request in self:
            request.is_overdue = is_overdue(request.state, request.sla_due_at, now)

    def _search_is_overdue(self, operator, value):
        domain = overdue_domain("state", "sla_due_at", operator, value, fields.Datetime.now())
        if domain is None:
            raise UserError(self.env._("Overdue can only be searched as true or false."))
        return domain

    @api.depends("event_ids")
    def _compute_event_id(self):
        # As a stored Many2one did: the interview whoever may read the request, also
        # when it is archived (a cancelled booking) or private to its organizer.
        for request in self:
            request.event_id = request.sudo().event_ids[:1].id

    # ------------------------------------------------------------------
    # Correlation ids: signed, so a notification's correlation_id can be
    # trusted to name an applicant of this database without a lookup table.
    # ------------------------------------------------------------------

    @api.model
    def _correlation_signature(self, payload):
        key = self.env["ir.config_parameter"].sudo().get_param("database.secret", "")
        digest = hmac.new(key.encode(), f"cronofy-correlation:{payload}".encode(), hashlib.sha256)
        return digest.hexdigest()[:16]

    @api.model
    def _new_correlation_id(self, applicant=None):
        applicant_id = (applicant or self.env["hr.applicant"]).id or 0
        payload = f"{CORRELATION_PREFIX}{applicant_id}-{secrets.token_hex(6)}"
        return f"{payload}-{self._correlation_signature(payload)}"

    @api.model
    def _applicant_id_from_correlation_id(self, correlation_id):
        """The applicant id a correlation id was minted for, or None when it
        was not minted by this database (unknown, truncated or forged)."""
        if not correlation_id or len(correlation_id) > CORRELATION_MAX_LENGTH:
            return None
        payload, _sep, signature = correlation_id.rpartition("-")
        if not payload.startswith(CORRELATION_PREFIX) or not hmac.compare_digest(
            signature, self._correlation_signature(payload)
        ):
            return None
        applicant_part = payload[len(CORRELATION_PREFIX) :].split("-", 1)[0]
        return int(applicant_part) if applicant_part.isdigit() and int(applicant_part) else None

    @api.model
    def _link_with_correlation(self, url, correlation_id):
        """Cronofy stores link metadata given on the query string when a slot is
        selected (contract 4.6): make sure the candidate's link carries ours."""
        if not url:
            return url
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        if not any(key == "correlation_id" for key, _value in query):
            query.append(("correlation_id", correlation_id))
        return urlunsplit(parts._replace(query=urlencode(query)))

    # ------------------------------------------------------------------
    # Creation from Cronofy's answer
    # ------------------------------------------------------------------

    @api.model
    def _values_from_cronofy(self, scheduling_request, connection):
        """Field values from a cronofy_protocol SchedulingRequest (API answer,
        embed event or notification): the ids and links Cronofy gave us. A link is
        kept only on ``connection``'s Cronofy app host (https, or the simulator's
        loopback http): a body crafted by anyone holding a secret must not put a
        link to another site in front of a candidate or a recruiter."""
        operations = scheduling_request.recipient_operations
        links = {
            "dashboard_url": scheduling_request.dashboard_url,
            "reschedule_url": operations and operations.reschedule_url,
            "decline_url": operations and operations.decline_url,
            "candidate_url": scheduling_request.primary_select_url
            or (operations and operations.view_url),
        }
        app_base_url = connection._endpoints().app_base_url if connection else None
        values = {"cronofy_id": scheduling_request.scheduling_request_id}
        for name, link in links.items():
            if link and app_base_url and is_link_of(link, app_base_url):
                values[name] = link
            elif link:
                _logger.warning(
                    "Cronofy request %s: %s on %s ignored, not the Cronofy app host of company %s",
                    scheduling_request.scheduling_request_id,
                    name,
                    link_host(link),
                    connection.company_id.id if connection else "-",
                )
            elif name != "candidate_url":
                values[name] = False
        if scheduling_request.summary:
            values["summary"] = scheduling_request.summary
        if scheduling_request.duration_minutes:
            values["duration_minutes"] = scheduling_request.duration_minutes
        return values

    @api.model_create_multi
    def create(self, vals_list):
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Creating scheduling requests"))
        # A new request is noted on its applicant's chatter with sudo (and mails the
        # candidate later): the caller must be allowed to change those applicants.
        self.env["hr.applicant"].browse(
            {vals["applicant_id"] for vals in vals_list if vals.get("applicant_id")}
        ).check_access("write")
        for vals in vals_list:
            if vals.get("applicant_id") and "company_id" not in vals:
                applicant = self.env["hr.applicant"].browse(vals["applicant_id"])
                vals["company_id"] = applicant.company_id.id or self.env.company.id
            state = vals.get("state", "pending")
            if state not in ("queued", "failed") and not vals.get("sent_at"):
                # Created with its link (button, embed) or already booked (Book Now).
                vals["sent_at"] = fields.Datetime.now()
            if state in BOOKED_STATES and not vals.get("first_chosen_at"):
                vals["first_chosen_at"] = vals["sent_at"]
                vals.setdefault("working_hours_to_schedule", 0.0)
            if vals.get("applicant_id") and not vals.get("correlation_id"):
                applicant = self.env["hr.applicant"].browse(vals["applicant_id"])
                vals["correlation_id"] = self._new_correlation_id(applicant)
        requests = super().create(vals_list)
        for request in requests:
            if request.candidate_url:
                request.candidate_url = self._link_with_correlation(
                    request.candidate_url, request.correlation_id
                )
        requests._post_state_on_applicant()
        requests._notify_applicant_views()
        return requests

    @api.constrains("applicant_id", "company_id")
    def _check_company_matches_applicant(self):
        for request in self:
            company = request.applicant_id.company_id
            if company and company != request.company_id:
                raise ValidationError(
                    self.env._(
                        "A scheduling request belongs to its applicant's company (%(company)s).",
                        company=company.name,
                    )
                )

    # ------------------------------------------------------------------
    # The state machine
    # ------------------------------------------------------------------

    def _set_state(self, new_state, values=None):
        """Move to ``new_state`` (with extra field ``values``) if the lifecycle
        allows it; raise otherwise. Every move is noted on the applicant, may move the
        applicant to another stage (the scheduling template's setting), ends the
        recruiter's follow-up once the link is answered, and reloads the open
        applicant views."""
        for request in self:
            if new_state not in ALLOWED_TRANSITIONS[request.state]:
                raise UserError(
                    self.env._(
                        "A scheduling request cannot go from %(old)s to %(new)s.",
                        old=request._state_label(request.state),
                        new=request._state_label(new_state),
                    )
                )
        previous = {request.id: request.state for request in self}
        self.write(dict(values or {}, state=new_state))
        self._count_figures(new_state, previous)
        self._post_state_on_applicant()
        self._move_applicants_for_state(new_state, previous)
        if new_state != "pending":
            self._end_follow_ups()
        self._notify_applicant_views()

    @api.model
    def _backfill_scheduling_figures(self):
        """Give requests made before the report its figures, from what was stored
        (run on upgrade; runs again harmlessly): sent = created, or for a stage's
        request its first state change out of the queue; first time chosen = the
        first booking notification applied, else the interview's creation; reschedules
        = the reschedule notifications applied (at least one if it is rescheduled)."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """
            UPDATE cronofy_scheduling_request r
               SET sent_at = CASE WHEN r.origin = 'automation' THEN COALESCE(
                       (SELECT MIN(m.date)
                          FROM mail_message m
                          JOIN mail_tracking_value t ON t.mail_message_id = m.id
                          JOIN ir_model_fields f ON f.id = t.field_id
                         WHERE m.model = 'cronofy.scheduling.request' AND m.res_id = r.id
                           AND f.model = 'cronofy.scheduling.request' AND f.name = 'state'),
                       r.create_date) ELSE r.create_date END
             WHERE r.sent_at IS NULL AND r.state <> 'queued'
               AND (r.cronofy_id IS NOT NULL OR r.candidate_url IS NOT NULL)
            """
        )
        cr.execute(
            """
            UPDATE cronofy_scheduling_request r
               SET first_chosen_at = GREATEST(booked.at, r.sent_at)
              FROM (
                    SELECT r2.id,
                           COALESCE(
                               (SELECT MIN(n.triggered_at) FROM cronofy_notification n
                                 WHERE n.scheduling_request_id = r2.id AND n.state = 'done'
                                   AND n.notification_type IN (
                                       'scheduling_request_time_chosen',
                                       'scheduling_request_rescheduled')),
                               (SELECT MIN(e.create_date) FROM calendar_event e
                                 WHERE e.cronofy_request_id = r2.id)
                           ) AS at
                      FROM cronofy_scheduling_request r2
                     WHERE r2.first_chosen_at IS NULL
                   ) booked
             WHERE booked.id = r.id AND booked.at IS NOT NULL
            """
        )
        cr.execute(
            """
            UPDATE cronofy_scheduling_request r
               SET reschedule_count = GREATEST(
                       (SELECT COUNT(DISTINCT n.triggered_at) FROM cronofy_notification n
                         WHERE n.scheduling_request_id = r.id AND n.state = 'done'
                           AND n.notification_type = 'scheduling_request_rescheduled'),
                       CASE WHEN r.state = 'rescheduled' THEN 1 ELSE 0 END)
             WHERE COALESCE(r.reschedule_count, 0) = 0 AND r.first_chosen_at IS NOT NULL
            """
        )
        figures = ["sent_at", "first_chosen_at", "reschedule_count"]
        self.invalidate_model(figures)
        # Working hours need the company's calendar: computed in Python, batch by batch.
        to_time = self.with_context(active_test=False).search(
            [("first_chosen_at", "!=", False), ("working_hours_to_schedule", "=", False)]
        )
        for batch in tools.split_every(1000, to_time.ids, self.browse):
            for request in batch:
                request.working_hours_to_schedule = request._working_hours_to_schedule()
            self.env.flush_all()
            self.env.invalidate_all()
        # What depends on them (the service level's due date, the applicant's copy of
        # it) is recomputed as if they had been written through the ORM.
        self.with_context(active_test=False).search([("sent_at", "!=", False)]).modified(figures)
        self.env.flush_all()

    def _working_hours_to_schedule(self):
        """Working hours between sent and first chosen, by the company's working
        calendar and its public holidays; False without a calendar or the times."""
        self.ensure_one()
        calendar = self.company_id.sudo().resource_calendar_id
        if not (calendar and self.sent_at and self.first_chosen_at):
            return False
        if self.first_chosen_at <= self.sent_at:
            return 0.0
        return calendar.get_work_hours_count(self.sent_at, self.first_chosen_at)

    def _count_figures(self, new_state, previous_states):
        """The report's figures, from the move just made: when the link went out,
        when a time was first chosen, how often it was moved."""
        now = fields.Datetime.now()
        for request in self:
            if new_state == "pending" and not request.sent_at:
                request.sent_at = now
            if new_state in BOOKED_STATES and not request.first_chosen_at:
                request.first_chosen_at = now
                request.working_hours_to_schedule = request._working_hours_to_schedule()
            if new_state == "rescheduled" and previous_states.get(request.id) in BOOKED_STATES:
                request.reschedule_count += 1

    def _state_label(self, state):
        return dict(self._fields["state"]._description_selection(self.env)).get(state, state)

    def _post_state_on_applicant(self):
        """Note each request's state on its applicant's chatter. A queued automation
        job is not news, its outcome is: a bulk move queues hundreds of jobs, and one
        note each would make the move slow and the chatter noisy (the applicant shows
        "Queued" as its scheduling state)."""
        for request in self:
            if request.template_id and request.state == "queued":
                continue
            body = Markup("<p>{}</p>").format(request._state_message()) + request._booked_links()
            request.applicant_id.sudo().message_post(
                body=body,
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )

    def _state_message(self):
        """One line for the applicant's chatter, candidate text escaped by Markup. A
        booking also gives the time in the candidate's own zone (when it differs from
        the note's) and, as for a decline, what the candidate wrote."""
        self.ensure_one()
        state = self.state
        candidate = self.applicant_id.partner_name or self.env._("The candidate")
        display_zone = self._display_zone()
        when = self.interview_start and format_interview_time(
            self.env, self.interview_start, display_zone
        )
        # "created", not "sent": the email is its own chatter message, posted after
        # this note (the embed path sends it only when the browser calls Send again).
        messages = {
            "queued": self.env._("Scheduling link queued for %(candidate)s."),
            "pending": self.env._("Scheduling link created for %(candidate)s."),
            "time_chosen": self.env._("%(candidate)s chose a time: %(when)s."),
            "rescheduled": self.env._("%(candidate)s moved the interview to %(when)s."),
            "declined": self.env._("%(candidate)s declined the interview."),
            "cancelled": self.env._("Scheduling request cancelled."),
            "expired": self.env._("Scheduling link expired without a booking."),
            "failed": self.env._("Sending the scheduling link failed: %(reason)s"),
        }
        message = messages[state] % {
            "candidate": candidate,
            "when": when or self.env._("unknown time"),
            "reason": self.failure_reason or self.env._("unknown reason"),
        }
        candidate_zone = valid_zone(self.interview_tzid)
        if state in BOOKED_STATES and self.interview_start and candidate_zone:
            if candidate_zone != display_zone:
                message += " " + self.env._(
                    "Candidate's time: %s.",
                    format_interview_time(self.env, self.interview_start, candidate_zone),
                )
        if state in BOOKED_STATES + ("declined",) and self.candidate_note:
            message += " " + self.env._("Candidate's note: %s", self.candidate_note)
        return message

    def _booked_links(self):
        """The candidate's reschedule and decline links, once Cronofy has given them
        (only after a time is chosen), as a list for the chatter; else nothing."""
        self.ensure_one()
        links = [
            (self.env._("Reschedule"), self.reschedule_url),
            (self.env._("Decline"), self.decline_url),
        ]
        if self.state not in BOOKED_STATES or not any(url for _label, url in links):
            return Markup()
        return Markup("<ul>{}</ul>").format(
            Markup("").join(
                Markup('<li><a href="{}" target="_blank" rel="noopener">{}</a></li>').format(
                    url, label
                )
                for label, url in links
                if url
            )
        )

    def _display_zone(self):
        """The time zone a chatter note gives interview times in (a note is written
        once for all its readers): the applicant's recruiter's, else the requester's,
        else the current user's, else UTC."""
        self.ensure_one()
        return (
            valid_zone(self.applicant_id.user_id.tz)
            or valid_zone(self.user_id.tz)
            or valid_zone(self.env.user.tz)
            or "UTC"
        )

    def _notify_applicant_views(self):
        """Have open applicant views reload these requests' applicants: one bus message
        per transaction, however many requests changed in it, sent as it commits (so
        a browser reloading on it reads the committed change). Sent to the interviewer
        group, which every recruitment user has; the views read what the user may."""
        if not self:
            return
        precommit = self.env.cr.precommit
        changed = precommit.data.get(_CHANGED_REQUESTS)
        if changed is None:
            changed = precommit.data[_CHANGED_REQUESTS] = {"applicants": {}, "requests": {}}
            env = self.env

            @precommit.add
            def send():
                changed = precommit.data.pop(_CHANGED_REQUESTS)
                group = env.ref(RECRUITMENT_INTERVIEWER, raise_if_not_found=False)
                if group:
                    group.sudo()._bus_send(
                        BUS_NOTIFICATION,
                        {
                            "applicant_ids": list(changed["applicants"]),
                            "request_ids": list(changed["requests"]),
                        },
                    )

        # dicts as ordered sets: the first change of each record gives its place.
        changed["applicants"].update(dict.fromkeys(self.applicant_id.ids))
        changed["requests"].update(dict.fromkeys(self.ids))

    def _post_link_mail(self, mail_template, **kwargs):
        """Mail the candidate ``mail_template`` (on the applicant, in the candidate's
        language), as a message in the applicant's chatter. Its placeholders show the
        applicant's current link: callers mail only the current request's."""
        self.ensure_one()
        applicant = self.applicant_id
        applicant.with_context(lang=applicant.partner_id.lang or None).message_post_with_source(
            mail_template,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            **kwargs,
        )

    # ------------------------------------------------------------------
    # Texts for the API path (stage automation): the worker renders the template's
    # texts just before the create and sends them as ``event`` overrides beside
    # ``template.sub`` ([U] choice, see _cronofy_create_extra).
    # ------------------------------------------------------------------

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
        """Other top-level keys of the create body, or None.

        [U] Cronofy documents a create from a template with only template.sub and
        recipients, and a full-spec create with event.summary/description/location
        (contract 4.2/4.3). We send the template *plus* event overrides: the template
        keeps choosing the host(s), availability and duration (Odoo does not know
        them), the texts come from Odoo. The simulator applies the overrides; if
        Cronofy ignored them, its template's own texts would be used, nothing fails.
        Empty texts are left out so the Cronofy template's own text applies."""
        if not self.template_id or self.cronofy_texts_refused:
            return None
        event = {}
        if self.summary and self.template_id.event_summary:
            event["summary"] = self.summary
        if self.event_description:
            event["description"] = self.event_description
        if self.location_note:
            event["location"] = {"description": self.location_note}
        return {"event": event} if event else None

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
    # The Embedded Scheduler: what the browser needs to open it, and recording the
    # request it reports back.
    #
    # The browser is not trusted: the answer it relays is parsed strictly, must carry
    # the correlation id this database signed for that very applicant, and may only
    # hold links on the company's Cronofy app host. No HTTP call to Cronofy happens
    # here (the recruiter's browser talked to the embed); everything is checked from
    # what we know.
    # ------------------------------------------------------------------

    @api.model
    def _embed_prepare(self, applicant):
        """Everything the browser needs to show <cronofy-scheduler-button> for
        ``applicant``. The embed token is signed with the applicant's company's
        embed secret and names its tenant; it never contains a secret itself. Title
        and duration come from the applicant's scheduling template (its stage's, else
        the company's first) when it has them."""
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
        template = applicant._cronofy_template_for(fallback_to_company_template=True)
        return {
            "embed_token": connection._embed_token(),
            "script_url": connection._embed_script_url(),
            "correlation_id": self._new_correlation_id(applicant),
            "recipient_email": email,
            "recipient_name": applicant.partner_name or "",
            "event_summary": self._embed_event_summary(applicant),
            "event_duration_minutes": (template and template.duration_minutes)
            or DEFAULT_INTERVIEW_MINUTES,
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
        if applicant.job_id:
            return self.env._("Interview: %(job)s", job=applicant.job_id.name)
        company = applicant.company_id or self.env.company
        return self.env._("Interview with %(company)s", company=company.name)

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

    # ------------------------------------------------------------------
    # User actions (list and form). Copying the link needs no server code: the
    # forms show it with a copy button.
    # ------------------------------------------------------------------

    def action_open_candidate_link(self):
        check_groups(
            self, RECRUITMENT_INTERVIEWER, self.env._("Opening a scheduling request's link")
        )
        self.ensure_one()
        self.check_access("read")
        if not self.candidate_url:
            raise UserError(self.env._("This request has no candidate link yet."))
        return {"type": "ir.actions.act_url", "url": self.candidate_url, "target": "new"}

    def action_open_dashboard(self):
        check_groups(
            self, RECRUITMENT_INTERVIEWER, self.env._("Opening a scheduling request in Cronofy")
        )
        self.ensure_one()
        self.check_access("read")
        if not self.dashboard_url:
            raise UserError(self.env._("Cronofy has not given a dashboard link for this request."))
        return {"type": "ir.actions.act_url", "url": self.dashboard_url, "target": "new"}

    def action_mark_attended(self):
        """After the interview: the candidate came (one click, for the report)."""
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Marking interview attendance"))
        self._mark_attendance("attended")
        return True

    def action_mark_no_show(self):
        """After the interview: the candidate did not come."""
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Marking interview attendance"))
        self._mark_attendance("no_show")
        return True

    def _mark_attendance(self, attendance):
        self.check_access("write")
        now = fields.Datetime.now()
        for request in self:
            candidate = request.applicant_id.partner_name or self.env._("The candidate")
            if request.state not in BOOKED_STATES:
                raise UserError(
                    self.env._(
                        "Attendance is marked on a booked interview; %(candidate)s's request "
                        "is %(state)s.",
                        candidate=candidate,
                        state=request._state_label(request.state),
                    )
                )
            if not request.interview_start or request.interview_start > now:
                raise UserError(
                    self.env._(
                        "The interview with %(candidate)s has not started yet: mark "
                        "attendance once it has.",
                        candidate=candidate,
                    )
                )
        self.write({"attendance": attendance})
        self._notify_applicant_views()

    def action_resend_link(self):
        """Mail the candidate the same link again, with the mail the stage's scheduling
        template sends, else the shipped invitation."""
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Resending scheduling links"))
        self.check_access("write")
        self.applicant_id.check_access("write")
        for request in self:
            request._check_can_resend()
        for request in self:
            request._post_link_mail(request._resend_mail_template())
        return True

    def _check_can_resend(self):
        self.ensure_one()
        candidate = self.applicant_id.partner_name or self.env._("The candidate")
        if self.state != "pending" or not self.candidate_url:
            raise UserError(
                self.env._(
                    "Only a link waiting for %(candidate)s to choose a time can be sent again "
                    "(this one is %(state)s).",
                    candidate=candidate,
                    state=self._state_label(self.state),
                )
            )
        if self.applicant_id.cronofy_current_request_id != self:
            # The mail's placeholders show the applicant's current link, not this one.
            raise UserError(
                self.env._(
                    "%(candidate)s has a newer scheduling link: resend that one from the "
                    "applicant, or cancel it first.",
                    candidate=candidate,
                )
            )
        self.applicant_id._check_cronofy_can_receive_link()

    def _resend_mail_template(self):
        self.ensure_one()
        mail_template = self.template_id.mail_template_id or self.env.ref(
            INVITATION_TEMPLATE, raise_if_not_found=False
        )
        if not mail_template:
            raise UserError(
                self.env._("The invitation email template is missing: update the module.")
            )
        return mail_template

    def action_retry(self):
        """Queue failed automation requests again, e.g. after fixing the connection."""
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Retrying scheduling requests"))
        self.check_access("write")
        retryable = self.filtered(lambda request: request.state == "failed" and request.template_id)
        if not retryable:
            raise UserError(self.env._("Only failed requests sent by a stage can be retried."))
        retryable._requeue()
        return True

    def action_cancel(self):
        """Cancel open requests; the Cronofy side is cancelled by the cron."""
        check_groups(self, RECRUITMENT_OFFICER, self.env._("Cancelling scheduling requests"))
        self.check_access("write")
        self._cancel_open(reason=self.env._("Cancelled by %s.", self.env.user.name))
        return True
