"""Who hosts a booked interview, as far as Cronofy says.

[U] Cronofy documents no host, organizer or attendee on a scheduling request (contract
§3.2, §4.3). Its neighbouring APIs name people in two shapes, read here wherever they
appear on the request's ``event``: ``participants`` as a list of ``{sub, email?,
display_name?}`` (the Real-Time Scheduling callback's ``participants: [{sub}]``, a
selection rule's ``members``), possibly grouped as ``{members: [...]}`` (availability
queries); and ``organizer: {email, display_name}`` (Smart Invites). Anything else is
ignored, so a wrong guess names no host rather than a wrong one. Every value is
untrusted text from the network: checked, trimmed, and capped in number.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

MAX_HOSTS = 20
MAX_NAME_LENGTH = 128
# An account id (acc_...) or any other opaque token: no spaces, no control characters.
_SUB = re.compile(r"[A-Za-z0-9_\-]{1,128}")
# Deliberately plain: one @, no spaces or angle brackets; Odoo normalises it further.
_EMAIL = re.compile(r"[^@\s<>\"',;]{1,64}@[^@\s<>\"',;]{1,190}\.[^@\s<>\"',;.]{1,63}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class EventHost:
    sub: str | None = None
    email: str | None = None
    display_name: str | None = None

    @property
    def label(self) -> str:
        """ "Name <email>", or whichever of name, email and account id is known."""
        if self.display_name and self.email:
            return f"{self.display_name} <{self.email}>"
        return self.display_name or self.email or self.sub or ""


def event_hosts(event_extra: Mapping) -> tuple[EventHost, ...]:
    """The hosts named in an event's unparsed fields (``EventDetails.extra``), in
    order, without duplicates (same account id or same email)."""
    if not isinstance(event_extra, Mapping):
        return ()
    people = list(_people(event_extra.get("participants")))
    organizer = event_extra.get("organizer")
    if isinstance(organizer, Mapping):
        people.append(organizer)
    hosts, seen = [], set()
    for person in people:
        host = _host(person)
        if host is None:
            continue
        keys = {key for key in (host.sub, host.email) if key}
        if keys & seen:
            continue
        seen |= keys
        hosts.append(host)
        if len(hosts) == MAX_HOSTS:
            break
    return tuple(hosts)


def _people(participants):
    # Parsed events are frozen (lists become tuples); raw JSON has lists.
    if not isinstance(participants, list | tuple):
        return
    for entry in participants[: MAX_HOSTS * 5]:
        if not isinstance(entry, Mapping):
            continue
        members = entry.get("members")
        if isinstance(members, list | tuple):
            yield from (m for m in members[: MAX_HOSTS * 5] if isinstance(m, Mapping))
        else:
            yield entry


def _host(person: Mapping) -> EventHost | None:
    sub = person.get("sub")
    sub = sub if isinstance(sub, str) and _SUB.fullmatch(sub) else None
    email = person.get("email")
    email = email.strip().lower() if isinstance(email, str) else None
    if email and not _EMAIL.fullmatch(email):
        email = None
    if not (sub or email):
        return None
    name = person.get("display_name")
    name = _CONTROL.sub(" ", name).strip()[:MAX_NAME_LENGTH] if isinstance(name, str) else ""
    return EventHost(sub=sub, email=email, display_name=name or None)
