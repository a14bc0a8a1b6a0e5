import hashlib
import hmac
import logging
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..cronofy_protocol import is_link_of, link_host
from .access import RECRUITMENT_INTERVIEWER, RECRUITMENT_OFFICER, check_groups
from .interview_time_format import format_interview_time, valid_zone

_logger = logging.getLogger(__name__)

# The lifecycle of a scheduling request, in one place.
#
# queued       Odoo has decided to send a link; the Scheduler API call has not
#              happened yet (automation runs it after the user's commit).
# pending      Cronofy created the request; the candidate has the link.
# time_chosen  The candidate picked a time; an interview exists.
# rescheduled  The candidate (or host) moved the time; the interview moved.
# declined     The candidate declined; the interview, if any, is cancelled.
# cancelled    The recruiter or Odoo cancelled the request.
# expired      Nobody picked a time before the reconciler gave up on it.
# failed       Creating it at Cronofy failed for good (the reason is kept).
STATES = [
    ("queued", "Queued"),
    ("pending", "Link sent"),
    ("time_chosen", "Time chosen"),
    ("rescheduled", "Rescheduled"),
    ("declined", "Declined"),
    ("cancelled", "Cancelled"),
    ("expired", "Expired"),
    ("failed", "Failed"),
]
OPEN_STATES = ("queued", "pending", "time_chosen", "rescheduled")
BOOKED_STATES = ("time_chosen", "rescheduled")

# Which state may follow which. Notification-driven moves are permissive on
# purpose: a candidate may use a declined or expired link again [U], and
# ordering between notifications is decided by their triggered_at, not here.
ALLOWED_TRANSITIONS = {
    "queued": {"pending", "failed", "cancelled"},
    "pending": {"time_chosen", "rescheduled", "declined", "cancelled", "expired"},
    "time_chosen": {"time_chosen", "rescheduled", "declined", "cancelled"},
    "rescheduled": {"time_chosen", "rescheduled", "declined", "cancelled"},
    "declined": {"time_chosen", "rescheduled", "cancelled"},
    "expired": {"time_chosen", "rescheduled", "declined", "cancelled"},
    "failed": {"queued", "cancelled"},
    "cancelled": set(),
}

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


class CronofySchedulingRequest(models.Model):
    _name = "cronofy.scheduling.request"
    _description = "Cronofy Scheduling Request"
    _inherit = ["mail.thread"]
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
    state = fields.Selection(
        STATES, required=True, default="pending", index=True, tracking=True, readonly=True
    )
    is_open = fields.Boolean(compute="_compute_is_open", search="_search_is_open")
    correlation_id = fields.Char(
        required=True,
        copy=False,
        readonly=True,
        default=lambda self: self._new_correlation_id(),
        help="Sent to Cronofy with the link and echoed in its notifications; "
        "ties them to this applicant.",
    )
    candidate_url = fields.Char(
        "Candidate link", readonly=True, help="The link the candidate opens to pick a time."
    )
    dashboard_url = fields.Char("Cronofy dashboard", readonly=True)
    reschedule_url = fields.Char(readonly=True)
    decline_url = fields.Char(readonly=True)
    summary = fields.Char("Event summary", readonly=True)
    duration_minutes = fields.Integer(readonly=True)
    interview_start = fields.Datetime(readonly=True, tracking=True)
    interview_stop = fields.Datetime(readonly=True)
    event_id = fields.Many2one("calendar.event", "Interview", readonly=True, ondelete="set null")
    last_notification_at = fields.Datetime(
        readonly=True,
        help="Cronofy's triggered_at of the newest notification applied; older ones "
        "arriving later do not undo it.",
    )
    failure_reason = fields.Text(readonly=True)

    _sql_constraints = [
        ("cronofy_id_unique", "unique(cronofy_id)", "This Cronofy request is already recorded."),
        ("correlation_id_unique", "unique(correlation_id)", "Correlation ids must be unique."),
    ]

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
        applicant to another stage (the scheduling template's setting) and reloads the
        open applicant views."""
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
        self._post_state_on_applicant()
        self._move_applicants_for_state(new_state, previous)
        self._notify_applicant_views()

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

    def _state_label(self, state):
        return dict(self._fields["state"]._description_selection(self.env)).get(state, state)

    def _post_state_on_applicant(self):
        for request in self:
            body = Markup("<p>{}</p>").format(request._state_message()) + request._booked_links()
            request.applicant_id.sudo().message_post(
                body=body,
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )

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

    def _state_message(self):
        """One line for the applicant's chatter, candidate text escaped by Markup."""
        self.ensure_one()
        state = self.state
        candidate = self.applicant_id.partner_name or self.env._("The candidate")
        when = self.interview_start and format_interview_time(
            self.env, self.interview_start, self._display_zone()
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
        return messages[state] % {
            "candidate": candidate,
            "when": when or self.env._("unknown time"),
            "reason": self.failure_reason or self.env._("unknown reason"),
        }

    # ------------------------------------------------------------------
    # Actions
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
