"""Scheduling requests: creation, their Cronofy JSON view, and the candidate/host life cycle.

Shared by the Scheduler API, the embed element, the candidate pages and the admin API, so the
state machine lives in one place:

    pending --choose--> complete --reschedule--> complete
    pending|complete --decline--> declined      (recipient)
    pending|complete --cancel--> cancelled      (host, through the API)
    (Book Now) --create--> complete             (mode book_now, time booked at creation)

Each transition queues a signed webhook (see webhooks.py); creation does so only for Book Now or
with the notify_on_create setting. The admin API may also force any slot_selection value.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from . import availability
from .clock import iso_utc, parse_iso
from .ids import new_id, new_link_token

# Link metadata stored when a slot is selected [C DOC-WORKFLOWS]; each at most 128 characters.
LINK_METADATA_KEYS = (
    "correlation_id",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
)
METADATA_MAX_LENGTH = 128

TIME_CHOSEN = "scheduling_request_time_chosen"
RESCHEDULED = "scheduling_request_rescheduled"
DECLINED = "scheduling_request_declined"
CANCELLED = "scheduling_request_cancelled"  # [U] name and existence

# States the simulator closes a request with [U: Cronofy documents only pending and complete].
CLOSED_STATES = ("declined", "cancelled")


class TransitionError(Exception):
    """A life-cycle action that the request's current state does not allow."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def clean_metadata(values):
    """Keep the documented link parameters; longer values are cut to 128 characters [U]."""
    metadata = {}
    for key in LINK_METADATA_KEYS:
        value = values.get(key)
        if isinstance(value, str) and value != "":
            metadata[key] = value[:METADATA_MAX_LENGTH]
    return metadata


def create_request(
    sim,
    data,
    *,
    application_id,
    ou_id,
    created_via,
    summary,
    duration_minutes,
    host_subs,
    recipients,
    description=None,
    location=None,
    template_sub=None,
    metadata=None,
    created_with,
    announce=True,
    now,
):
    """Store a new pending request. ``created_with`` is the credential used ("client_secret",
    "access_token", "embed_token"): an application's push_notifications setting may depend on it.
    ``announce`` queues the "created" notification when the config's notify_on_create is on."""
    request_id = new_id("srq_")
    stored_recipients = []
    for recipient in recipients:
        stored_recipients.append(
            {
                "email": recipient["email"],
                "display_name": recipient.get("display_name"),
                "slot_selector": bool(recipient.get("slot_selector", True)),
                "token": new_link_token(),
            }
        )
    selector = next((r for r in stored_recipients if r["slot_selector"]), stored_recipients[0])
    record = {
        "id": request_id,
        "application_id": application_id,
        "ou_id": ou_id,
        "created_via": created_via,
        "created_with": created_with,
        "created_at": now,
        "template_sub": template_sub,
        "summary": summary,
        "description": description,
        "location": location,
        "duration_minutes": duration_minutes,
        "host_subs": list(host_subs),
        "recipients": stored_recipients,
        "token": selector["token"],
        "slot_selection": "pending",
        "slot_selection_mode": None,
        "host_sub": None,
        "host": None,
        "event_start": None,
        "event_end": None,
        "tzid": None,
        "metadata": clean_metadata(metadata or {}),
        "history": [{"at": iso_utc(now), "action": "created", "via": created_via}],
    }
    data["scheduling_requests"][request_id] = record
    if announce and sim.config.notify_on_create:
        sim.webhooks.notify(data, record, sim.config.created_notification_type, now)
    return record


def create_booked_now(sim, data, *, start=None, metadata=None, now, **fields):
    """Book Now [C DOC book-now]: the request is created with its time already chosen
    (``slot_selection`` complete, ``slot_selection_mode`` book_now), and the "created"
    notification, carrying the booked times, is the only one sent for it.

    ``start`` picks the slot (default: the first free one). If it cannot be booked, nothing is
    created and the TransitionError is raised."""
    record = create_request(sim, data, announce=False, now=now, **fields)
    try:
        _take_slot(sim, data, record, start, metadata, now, "booked_now", "book_now")
    except TransitionError:
        del data["scheduling_requests"][record["id"]]
        raise
    record["slot_selection"] = "complete"
    record["slot_selection_mode"] = "book_now"
    sim.webhooks.notify(data, record, sim.config.created_notification_type, now)
    return record


def find_by_token(data, token):
    for record in data["scheduling_requests"].values():
        if any(r["token"] == token for r in record["recipients"]):
            return record
    return None


def holds_booked_time(record):
    """True while the request has a time booked: from choose/Book Now until declined/cancelled.

    An admin PATCH of ``slot_selection`` to an undocumented value keeps the time unless told to
    drop it, so a client can be shown e.g. ``expired`` with or without event times.
    """
    return record["event_start"] is not None and record["slot_selection"] not in CLOSED_STATES


def recipient_operations(view_url, record):
    """Cronofy's documented pending request has only ``view_url``; the reschedule and decline
    links appear on a completed one (contract §4.3/§4.4). Guess 11: they leave again once the
    request is declined or cancelled."""
    operations = {"view_url": view_url}
    if holds_booked_time(record):
        operations["reschedule_url"] = f"{view_url}?reschedule=true"
        operations["decline_url"] = f"{view_url}?decline=true"
    return operations


def view(base_url, record, event_hosts="none"):
    """The scheduling_request object as Cronofy returns it (contract §4.3 / §3.2).
    ``event_hosts`` is the config's choice of whether a booked request names its host."""
    view_url = f"{base_url}/rts/{record['token']}"
    event = {"summary": record["summary"]}
    if record.get("description"):
        event["description"] = record["description"]
    if record.get("location"):
        event["location"] = {"description": record["location"]}
    if record["metadata"]:
        event["metadata"] = {"scheduler": dict(record["metadata"])}
    if holds_booked_time(record):
        # [U] start/end shaped like the RTS callback's {time, tzid}.
        event["start"] = {"time": iso_utc(record["event_start"]), "tzid": record["tzid"]}
        event["end"] = {"time": iso_utc(record["event_end"]), "tzid": record["tzid"]}
        if event_hosts == "participants" and record.get("host"):
            # [U] Guess 28: shaped like a selection rule's members.
            event["participants"] = [dict(record["host"])]
    result = {
        "scheduling_request_id": record["id"],
        "slot_selection": record["slot_selection"],
    }
    if record.get("slot_selection_mode"):
        result["slot_selection_mode"] = record["slot_selection_mode"]  # "book_now" [C]
    return result | {
        "primary_select_url": view_url,
        "dashboard_url": f"{base_url}/scheduler/requests/{record['id']}",
        "summary": record["summary"],
        "duration": {"minutes": record["duration_minutes"]},
        "recipient_operations": recipient_operations(view_url, record),
        "recipients": [
            {
                "email": r["email"],
                "display_name": r["display_name"],
                "slot_selector": r["slot_selector"],
                "select_url": f"{base_url}/rts/{r['token']}",
            }
            for r in record["recipients"]
        ],
        "event": event,
    }


def admin_view(base_url, record):
    """The Cronofy view plus simulator-only facts tests want to assert on."""
    result = view(base_url, record)
    result["_sim"] = {
        "application_id": record["application_id"],
        "organizational_unit_id": record["ou_id"],
        "created_via": record["created_via"],
        "created_with": record.get("created_with"),
        "template_sub": record["template_sub"],
        "host_subs": record["host_subs"],
        "host_sub": record["host_sub"],
        "start": iso_utc(record["event_start"]) if record["event_start"] is not None else None,
        "end": iso_utc(record["event_end"]) if record["event_end"] is not None else None,
        "tzid": record["tzid"],
        "link_token": record["token"],
        "history": record["history"],
    }
    return result


def local_time_label(timestamp, tzid):
    moment = datetime.fromtimestamp(timestamp, ZoneInfo(tzid))
    return moment.strftime("%A %d %B %Y, %H:%M ") + f"({tzid})"


def _pick_slot(sim, data, record, start, now):
    slots = availability.free_slots(data, record, sim.config, now)
    if not slots:
        raise TransitionError("no_slots", "No free time is left for this request.")
    if start is None:
        return slots[0]
    wanted = parse_iso(start)
    if wanted is None:
        raise TransitionError("invalid_start", "The start time is not an ISO 8601 instant.")
    for slot in slots:
        if parse_iso(slot["start"]) == wanted:
            return slot
    raise TransitionError("slot_unavailable", "That time is not available any more.")


def _book(record, slot, host):
    record["event_start"] = parse_iso(slot["start"])
    record["event_end"] = parse_iso(slot["end"])
    record["host_sub"] = slot["host_sub"]
    record["host"] = (
        {"sub": host["sub"], "email": host["email"], "display_name": host["name"]} if host else None
    )
    record["tzid"] = slot["tzid"]


def _take_slot(sim, data, record, start, metadata, now, action, via):
    """Book the slot at ``start`` (or the first free one) and record ``action`` in the history."""
    slot = _pick_slot(sim, data, record, start, now)
    _book(record, slot, data["hosts"].get(slot["host_sub"]))
    record["metadata"].update(clean_metadata(metadata or {}))
    record["history"].append({"at": iso_utc(now), "action": action, "via": via, **slot})


def choose(sim, data, record, start=None, metadata=None, now=None, via="candidate"):
    if record["slot_selection"] != "pending":
        raise TransitionError(
            "not_pending", f"A time cannot be chosen: the request is {record['slot_selection']}."
        )
    _take_slot(sim, data, record, start, metadata, now, "time_chosen", via)
    record["slot_selection"] = "complete"
    sim.webhooks.notify(data, record, TIME_CHOSEN, now)
    return record


def reschedule(sim, data, record, start=None, metadata=None, now=None, via="candidate"):
    if record["slot_selection"] != "complete":
        raise TransitionError(
            "not_complete",
            f"Only a booked request can be rescheduled ({record['slot_selection']}).",
        )
    _take_slot(sim, data, record, start, metadata, now, "rescheduled", via)
    sim.webhooks.notify(data, record, RESCHEDULED, now)
    return record


def decline(sim, data, record, now=None, via="candidate"):
    if record["slot_selection"] not in ("pending", "complete"):
        raise TransitionError(
            "closed", f"The request cannot be declined: it is {record['slot_selection']}."
        )
    record["slot_selection"] = "declined"  # [U] value name
    record["history"].append({"at": iso_utc(now), "action": "declined", "via": via})
    sim.webhooks.notify(data, record, DECLINED, now)
    return record


def cancel(sim, data, record, now=None, via="api"):
    """Host cancellation. Cancelling a closed request is a silent no-op [U]."""
    if record["slot_selection"] not in ("pending", "complete"):
        return record
    record["slot_selection"] = "cancelled"  # [U] value name
    record["history"].append({"at": iso_utc(now), "action": "cancelled", "via": via})
    sim.webhooks.notify(data, record, CANCELLED, now)
    return record


def force_slot_selection(record, slot_selection, drop_event_times=False, now=None):
    """Admin only: put any ``slot_selection`` value on the request, documented or not (e.g.
    ``expired``), with no notification, so a client's reaction to it can be tested. The booked
    time is kept (and shown, unless the value is declined/cancelled) unless dropped."""
    record["slot_selection"] = slot_selection
    if drop_event_times:
        record.update(event_start=None, event_end=None, tzid=None, host_sub=None, host=None)
    record["history"].append(
        {
            "at": iso_utc(now),
            "action": "slot_selection_forced",
            "via": "admin",
            "slot_selection": slot_selection,
            "event_times_dropped": bool(drop_event_times),
        }
    )
    return record
