"""A scheduling request's booking, inherited by ``cronofy.scheduling.request``: Cronofy
notifications applied to the request and to one ``calendar.event`` on the applicant (the
interview), and the stage moves a booking asks for.

Rules that make delivery order and duplicates irrelevant:

- a notification is applied only if it is newer than the last one applied,
  compared on (triggered_at, type rank); equal means duplicate, so nothing
  happens twice and an older notification never undoes a newer one;
- the request row is locked (``FOR UPDATE``) while a notification is applied, so
  concurrent workers apply one at a time and see each other's result;
- the interview is found through ``calendar.event.cronofy_request_id`` (unique),
  so a request can never get a second interview.

Stage moves, set per scheduling template: "when the candidate chooses a time, move the
applicant to stage X" and "when the interview is declined or cancelled, move it back out
to stage Y". The way back applies only to an applicant still in X, so a recruiter's own
move since the booking is never undone. The moves never send another link (even into a
stage with a scheduling template) and skip refused or archived applicants and stages of
another job.
"""

import logging
from datetime import UTC
from urllib.parse import urlsplit

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import html2plaintext

from ..cronofy_protocol import CronofyError, NotificationType, event_hosts
from .applicant_context import NO_AUTOMATION_KEY
from .cronofy_notification import RetryableProcessingError
from .scheduling_states import ALLOWED_TRANSITIONS, BOOKED_STATES

_logger = logging.getLogger(__name__)

STATE_OF_TYPE = {
    NotificationType.TIME_CHOSEN: "time_chosen",
    NotificationType.RESCHEDULED: "rescheduled",
    NotificationType.DECLINED: "declined",
    NotificationType.CANCELLED: "cancelled",
}
# Tie-break for notifications Cronofy stamps with the same second: a booking
# comes before its reschedule, and either before a decline or cancellation.
TYPE_RANK = {
    NotificationType.TIME_CHOSEN: 1,
    NotificationType.RESCHEDULED: 2,
    NotificationType.DECLINED: 3,
    NotificationType.CANCELLED: 4,
}
# States that undo a booking: the applicant may move back out of the booked stage.
UNBOOKED_STATES = ("declined", "cancelled")


def _naive_utc(moment_time):
    return moment_time.astimezone(UTC).replace(tzinfo=None)


def _is_plain_https_url(url):
    try:
        parts = urlsplit(url)
        return bool(
            parts.scheme == "https" and parts.hostname and "@" not in parts.netloc
        ) and not any(char.isspace() for char in url)
    except ValueError:
        return False


class CronofySchedulingBooking(models.AbstractModel):
    _name = "cronofy.scheduling.booking"
    _description = "Cronofy Scheduling Request Booking"

    # ------------------------------------------------------------------
    # Finding the request a notification is about
    # ------------------------------------------------------------------

    @api.model
    def _find_for_notification(self, notification, company):
        """The request (sudo) of ``company`` a notification is about, or an empty
        recordset: by Cronofy id, then by our correlation id. A signed correlation
        id naming an applicant of this company but no request (the embed's answer
        never reached Odoo) gets a request created for it."""
        Request = self.sudo().with_context(active_test=False)
        cronofy_id = notification.scheduling_request.scheduling_request_id
        # Only this company's requests: a notification that came in through
        # another company's URL and secret must not even touch ours.
        of_company = [("company_id", "=", company.id)]
        request = Request.search([("cronofy_id", "=", cronofy_id), *of_company], limit=1)
        correlation_id = notification.correlation_id
        if not request and correlation_id:
            request = Request.search(
                [("correlation_id", "=", correlation_id), ("cronofy_id", "=", False), *of_company],
                limit=1,
            )
            if request:
                request.cronofy_id = cronofy_id
            else:
                applicant_id = Request._applicant_id_from_correlation_id(correlation_id)
                applicant = self.env["hr.applicant"].sudo().with_context(active_test=False)
                applicant = applicant.browse(applicant_id).exists() if applicant_id else applicant
                if applicant and applicant.company_id == company:
                    request = Request._create_from_notification(
                        notification, applicant, correlation_id=correlation_id
                    )
        return request

    @api.model
    def _create_from_notification(self, notification, applicant, correlation_id=None):
        connection = self.env["cronofy.connection"]._for_company(
            applicant.company_id or self.env.company
        )
        values = self._values_from_cronofy(notification.scheduling_request, connection)
        values.update(applicant_id=applicant.id, origin="embed", user_id=applicant.user_id.id)
        if correlation_id:
            values["correlation_id"] = correlation_id
        return self.sudo().create(values)

    # ------------------------------------------------------------------
    # Applying a notification
    # ------------------------------------------------------------------

    def _order_key(self):
        return (
            self.last_notification_at or fields.Datetime.to_datetime("1970-01-01"),
            TYPE_RANK.get(self.last_notification_type, 0),
        )

    @staticmethod
    def _notification_key(notification):
        return (_naive_utc(notification.triggered_at), TYPE_RANK[notification.known_type])

    def _is_stale(self, notification):
        if not self.last_notification_at:
            return False
        key, last = self._notification_key(notification), self._order_key()
        if key != last:
            return key < last
        # Same second, same type: a duplicate, unless it names another slot (two
        # moves within one second); then only Cronofy knows which one is current.
        return not self._names_another_slot(notification)

    def _names_another_slot(self, notification):
        event = notification.scheduling_request.event
        if not (event and event.start and self.interview_start):
            return False
        return _naive_utc(event.start.time) != self.interview_start

    def _lock_row(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id FROM cronofy_scheduling_request WHERE id = %s FOR UPDATE", [self.id]
        )
        self.invalidate_recordset()

    def _apply_cronofy_notification(self, notification, connection):
        """Apply one parsed notification of a known type. Returns (inbox state,
        message); raises RetryableProcessingError when the booked time is unknown."""
        self.ensure_one()
        request = self.sudo()
        if request._is_stale(notification):
            return "skipped", self.env._(
                "Already applied, or older than the last notification applied."
            )
        target_state = STATE_OF_TYPE[notification.known_type]
        start = end = None
        if target_state in BOOKED_STATES:
            ambiguous = request._notification_key(notification) == request._order_key()
            start, end = request._booked_moments(notification, connection, ask_cronofy=ambiguous)
        request._lock_row()
        if request._is_stale(notification):
            return "skipped", self.env._("Another worker applied a newer notification first.")
        ordering = {
            "last_notification_at": _naive_utc(notification.triggered_at),
            "last_notification_type": notification.type,
        }
        if target_state not in ALLOWED_TRANSITIONS[request.state]:
            if target_state == request.state:
                # e.g. a second decline: nothing left to change.
                request.write(ordering)
                return "done", False
            return "skipped", self.env._(
                "The scheduling request is %(state)s; %(type)s does not apply to it.",
                state=request._state_label(request.state),
                type=notification.type,
            )
        values = dict(ordering)
        details = notification.scheduling_request.event
        note = details and details.scheduler_metadata.captured_data.get("notes")
        values["candidate_note"] = note if isinstance(note, str) else False
        # Cronofy gives the reschedule and decline links only once a time is chosen:
        # stored first, so that the interview shows them from its first version.
        described_before = request._interview_description()
        request.write(request._link_values(notification.scheduling_request, connection))
        host_users = self.env["res.users"]
        if start:
            host_users = request._note_interview_hosts(details)
            values.update(
                interview_start=_naive_utc(start.time),
                interview_stop=_naive_utc(end.time),
                interview_tzid=start.tzid or False,
            )
            # The interview points at the request (cronofy_request_id): that is the
            # link, request.event_id only reads it back.
            request._upsert_interview(
                values["interview_start"],
                values["interview_stop"],
                details,
                described_before,
                host_users=host_users,
            )
        else:
            request._cancel_interview()
        request._set_state(target_state, values)
        return "done", False

    def _link_values(self, scheduling_request, connection):
        # The candidate link keeps the correlation id we added at creation.
        values = self._values_from_cronofy(scheduling_request, connection)
        values.pop("candidate_url", None)
        values.pop("cronofy_id", None)
        return values

    def _booked_moments(self, notification, connection, ask_cronofy=False):
        """(start, end) Moments of the booked slot: from the notification, or
        queried through the Scheduler API when the notification lacks them (or
        when ``ask_cronofy``, because it cannot be ordered against the last one)."""
        event = notification.scheduling_request.event
        if event and event.start and event.end and not ask_cronofy:
            return event.start, event.end
        if not connection:
            raise RetryableProcessingError(
                self.env._("The notification has no interview time and no connection to ask.")
            )
        cronofy_id = notification.scheduling_request.scheduling_request_id
        try:
            with connection._scheduler_client() as client:
                found = client.query_scheduling_requests([cronofy_id])
        except CronofyError as error:
            raise RetryableProcessingError(
                self.env._("Asking Cronofy for the interview time failed: %s", error)
            ) from None
        for scheduling_request in found:
            details = scheduling_request.event
            if scheduling_request.scheduling_request_id == cronofy_id and details:
                if details.start and details.end:
                    return details.start, details.end
        raise RetryableProcessingError(
            self.env._(
                "The interview time of Cronofy request %s is not known yet "
                "(neither in the notification nor from the Scheduler API).",
                cronofy_id,
            )
        )

    # ------------------------------------------------------------------
    # The interview (calendar.event)
    # ------------------------------------------------------------------

    def _note_interview_hosts(self, details):
        """The Odoo users among the hosts Cronofy named for the booking; the others,
        or the fact that it named none ([U] undocumented), go to
        ``interview_hosts_note`` and from there into the interview's description."""
        hosts = event_hosts(details.extra) if details else ()
        users = self.env["res.users"]._for_cronofy_hosts(hosts)
        if not hosts:
            note = self.env._(
                "Cronofy did not say which host takes this interview: add the "
                "interviewer as an attendee if they are not listed."
            )
        elif unmapped := [host.label for host in hosts if host not in users]:
            note = self.env._(
                "Hosts Cronofy named who are not Odoo users (or whose account is not "
                "set on a user): %s",
                ", ".join(unmapped),
            )
        else:
            note = False
        self.interview_hosts_note = note
        # In Cronofy's order: the first host named is the organizer.
        return self.env["res.users"].union(*(users[host] for host in hosts if host in users))

    def _interview_partners(self):
        applicant = self.applicant_id
        if not applicant.partner_id and applicant.partner_name:
            # As hr.applicant.action_create_meeting does.
            applicant.partner_id = self.env["res.partner"].create(
                {
                    "is_company": False,
                    "name": applicant.partner_name,
                    "email": applicant.email_from,
                }
            )
        self._name_candidate_partner()
        return (
            applicant.partner_id
            | applicant.user_id.partner_id
            | applicant.interviewer_ids.partner_id
            | self.user_id.partner_id
        )

    def _name_candidate_partner(self):
        """Odoo's hr.candidate creates the contact from the email address alone
        (res.partner.find_or_create), so it is named after the address: the interview
        would list the candidate as "ada@example.com". Such a contact, and only such a
        one (not a user, not renamed by anyone), takes the applicant's name."""
        applicant = self.applicant_id
        partner = applicant.partner_id.sudo()
        if not (partner and applicant.partner_name) or partner.user_ids or partner.is_company:
            return
        named_after_email = (partner.name or "").strip().lower() in {
            (partner.email or "").strip().lower(),
            partner.email_normalized or "",
        }
        if named_after_email and partner.name != applicant.partner_name:
            partner.name = applicant.partner_name

    def _interview_description(self):
        links = [
            (self.env._("Candidate's link"), self.candidate_url),
            (self.env._("Reschedule"), self.reschedule_url),
            (self.env._("Decline"), self.decline_url),
            (self.env._("Cronofy dashboard"), self.dashboard_url),
        ]
        items = Markup("").join(
            Markup('<li>{}: <a href="{}" target="_blank">{}</a></li>').format(label, url, url)
            for label, url in links
            if url
        )
        intro = self.env._("Booked by the candidate through Cronofy.")
        description = Markup("<p>{}</p><ul>{}</ul>").format(intro, items)
        if self.interview_hosts_note:
            description += Markup("<p>{}</p>").format(self.interview_hosts_note)
        return description

    @staticmethod
    def _conference_url(details):
        """[U] Cronofy does not document a conferencing field in webhooks; read the
        shapes its event API uses (``conferencing.join_url``, a URL location)."""
        if not details:
            return False
        conferencing = details.extra.get("conferencing")
        join_url = conferencing.get("join_url") if hasattr(conferencing, "get") else None
        location = details.extra.get("location")
        description = location.get("description") if hasattr(location, "get") else None
        # A video link lives on the conferencing provider's host, not Cronofy's: any
        # https address with a host and no user information (which would make it read
        # like one host while going to another); nothing else becomes a link.
        for candidate in (join_url, description):
            if isinstance(candidate, str) and _is_plain_https_url(candidate):
                return candidate
        return False

    @staticmethod
    def _location(details):
        location = details and details.extra.get("location")
        description = location.get("description") if hasattr(location, "get") else None
        if isinstance(description, str) and not description.startswith("https://"):
            return description
        return False

    def _upsert_interview(self, start, stop, details, described_before=None, host_users=None):
        """Create the interview, or move (and restore) the one this request has. An
        existing interview whose description is still the one Odoo wrote (as text:
        ``described_before``) gets the request's current links; one a person edited
        is left as it is. ``host_users``, the Odoo users among Cronofy's hosts, are
        attendees and the first one the organizer, so it is in their calendar."""
        self.ensure_one()
        # Cronofy has already sent the invitations: Odoo must not mail attendees.
        Event = (
            self.env["calendar.event"]
            .sudo()
            .with_context(no_mail_to_attendees=True, active_test=False)
        )
        event = Event.search([("cronofy_request_id", "=", self.id)], limit=1)
        values = {"start": start, "stop": stop, "allday": False}
        video_url = self._conference_url(details)
        if video_url:
            values["videocall_location"] = video_url
        # Cronofy's own location first; else the template's note, which Cronofy may not
        # have applied (audit U8) but the candidate was told in the invitation.
        location = self._location(details) or self.location_note
        if location:
            values["location"] = location
        host_users = host_users or self.env["res.users"]
        if host_users:
            values["user_id"] = host_users[0].id
        if event:
            if host_users:
                values["partner_ids"] = [
                    fields.Command.link(partner.id) for partner in host_users.partner_id
                ]
            if not event.active:
                values["active"] = True
            described_now = self._interview_description()
            if described_before is not None and html2plaintext(
                event.description or ""
            ) == html2plaintext(described_before):
                if html2plaintext(described_now) != html2plaintext(described_before):
                    values["description"] = described_now
            event.write(values)
            return event
        applicant = self.applicant_id
        values.update(
            name=(details and details.summary)
            or self.summary
            or self.env._("Interview with %s", applicant.partner_name or ""),
            applicant_id=applicant.id,
            res_model_id=self.env["ir.model"]._get_id("hr.applicant"),
            res_id=applicant.id,
            user_id=values.get("user_id") or (applicant.user_id or self.user_id).id,
            partner_ids=[
                fields.Command.set((self._interview_partners() | host_users.partner_id).ids)
            ],
            description=self._interview_description(),
            cronofy_request_id=self.id,
        )
        return Event.create(values)

    def _cancel_interview(self):
        """Odoo 18 has no cancelled meeting state: the interview is archived (kept,
        with its history, and restored if the candidate books again) and its
        meeting activity removed from the recruiter's to-do list."""
        events = (
            self.env["calendar.event"]
            .sudo()
            .search([("cronofy_request_id", "in", self.ids), ("active", "=", True)])
        )
        if events:
            events.activity_ids.unlink()
            events.with_context(no_mail_to_attendees=True).write({"active": False})

    # ------------------------------------------------------------------
    # Stage moves that follow a booking
    # ------------------------------------------------------------------

    def _move_applicants_for_state(self, new_state, previous_states):
        """Called by _set_state (``previous_states``: {request id: state before}): the
        stage moves ``new_state`` asks for. Only the first booking moves the applicant
        in; a reschedule leaves it where the recruiter may have moved it since."""
        moves = {}
        for request in self.filtered("template_id"):
            template = request.template_id.sudo()
            applicant = request.applicant_id.sudo()
            if new_state in BOOKED_STATES:
                if previous_states.get(request.id) in BOOKED_STATES:
                    continue
                stage = template.booked_stage_id
            elif new_state in UNBOOKED_STATES and applicant.stage_id == template.booked_stage_id:
                stage = template.unbooked_stage_id
            else:
                continue
            job = applicant.job_id
            fits_job = not stage.job_ids or job in stage.job_ids
            if stage and fits_job and applicant.active and applicant.stage_id != stage:
                moves.setdefault(stage, applicant.browse())
                moves[stage] |= applicant
        for stage, applicants in moves.items():
            applicants.with_context(**{NO_AUTOMATION_KEY: True}).write({"stage_id": stage.id})
