"""Pages the candidate and the host see: the booking page behind ``primary_select_url``
(``/rts/<token>``, with ``?reschedule=true`` / ``?decline=true``) and the host dashboard
(``/scheduler/requests/<id>``).

Link metadata (``correlation_id``, ``utm_*``) on the URL is carried through the form and stored
when a slot is picked, as the Scheduler does [C DOC-WORKFLOWS].
"""

from collections import OrderedDict
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from . import availability, scheduling
from .clock import iso_utc, parse_iso
from .clock import now as clock_now
from .html_pages import error_page, esc, hidden_inputs, page
from .web import Response

SLOTS_SHOWN = 60


def register(router, sim):
    router.add("GET", "/rts/<token>", "candidate.page", lambda r: booking_page(sim, r))
    router.add("POST", "/rts/<token>", "candidate.submit", lambda r: booking_submit(sim, r))
    router.add("GET", "/scheduler/requests/<request_id>", "dashboard", lambda r: dashboard(sim, r))


def _metadata_from(values):
    return {k: values.get(k) for k in scheduling.LINK_METADATA_KEYS if values.get(k)}


def _slot_buttons(slots):
    """Slots grouped per day in the host's time zone, each a submit button carrying its start."""
    by_day = OrderedDict()
    zone = None
    for slot in slots[:SLOTS_SHOWN]:
        zone = ZoneInfo(slot["tzid"])
        moment = datetime.fromtimestamp(parse_iso(slot["start"]), zone)
        by_day.setdefault(moment.strftime("%A %d %B %Y"), []).append((moment, slot))
    html = []
    for day, entries in by_day.items():
        html.append(f"<div class='day'>{esc(day)}</div><div class='slots'>")
        for moment, slot in entries:
            html.append(
                f"<button type='submit' name='start' value='{esc(slot['start'])}' "
                f"class='cronofy-sim-slot' data-start='{esc(slot['start'])}'>"
                f"{esc(moment.strftime('%H:%M'))}</button>"
            )
        html.append("</div>")
    if zone is not None:
        html.append(f"<p class='muted'>Times are shown in {esc(str(zone))}.</p>")
    return "".join(html)


def _header(record):
    recipient = record["recipients"][0]
    who = recipient["display_name"] or recipient["email"]
    return (
        f"<h1 id='cronofy-sim-summary'>{esc(record['summary'])}</h1>"
        f"<p class='muted'>Hello {esc(who)} &middot; {esc(record['duration_minutes'])} minutes"
        "</p>"
    )


def booking_page(sim, request):
    token = request.path_params["token"]
    metadata = _metadata_from(request.query)
    with sim.store.read() as data:
        record = scheduling.find_by_token(data, token)
        if record is None:
            return error_page("Link not found", "This scheduling link does not exist.", 404)
        state = record["slot_selection"]
        header = _header(record)
        slots = []
        wants_slots = state == "pending" or (
            state == "complete" and request.query.get("reschedule") == "true"
        )
        if wants_slots and request.query.get("decline") != "true":
            slots = availability.free_slots(data, record, sim.config, clock_now(data))
        booked = (
            scheduling.local_time_label(record["event_start"], record["tzid"])
            if record["event_start"] is not None
            else None
        )
    links = f"/rts/{esc(token)}"
    query_tail = ("&" + urlencode(metadata)) if metadata else ""
    if state in ("declined", "cancelled"):
        text = (
            "You declined this invitation."
            if state == "declined"
            else ("This meeting request was cancelled by the organizer.")
        )
        return page(record["summary"], f"{header}<p id='cronofy-sim-state-{state}'>{text}</p>")
    if request.query.get("decline") == "true":
        body = (
            f"{header}<form method='post' action='{links}' id='cronofy-sim-decline-form'>"
            f"{hidden_inputs({'action': 'decline', **metadata})}"
            "<p>Do you want to decline this meeting?</p>"
            "<button type='submit' id='cronofy-sim-decline-confirm'>Decline</button> "
            f"<a class='button secondary' href='{links}'>Back</a></form>"
        )
        return page(record["summary"], body)
    if state == "complete" and request.query.get("reschedule") != "true":
        body = (
            f"{header}<p id='cronofy-sim-booked'>Booked: <strong>{esc(booked)}</strong></p>"
            f"<p><a class='button' id='cronofy-sim-reschedule' "
            f"href='{links}?reschedule=true{query_tail}'>Reschedule</a> "
            f"<a class='button secondary' id='cronofy-sim-decline' "
            f"href='{links}?decline=true{query_tail}'>Decline</a></p>"
        )
        return page(record["summary"], body)
    action = "reschedule" if state == "complete" else "choose"
    intro = "Pick a new time." if action == "reschedule" else "Pick a time that suits you."
    if not slots:
        choices = "<p id='cronofy-sim-no-slots'>No times are available at the moment.</p>"
    else:
        choices = _slot_buttons(slots)
    body = (
        f"{header}<p>{intro}</p>"
        f"<form method='post' action='{links}' id='cronofy-sim-slot-form'>"
        f"{hidden_inputs({'action': action, **metadata})}{choices}</form>"
        f"<p><a class='secondary button' id='cronofy-sim-decline' "
        f"href='{links}?decline=true{query_tail}'>Decline</a></p>"
    )
    return page(record["summary"], body)


def booking_submit(sim, request):
    token = request.path_params["token"]
    form = request.form()
    action = form.get("action")
    with sim.store.write() as data:
        now = clock_now(data)
        record = scheduling.find_by_token(data, token)
        if record is None:
            return error_page("Link not found", "This scheduling link does not exist.", 404)
        try:
            if action == "choose":
                scheduling.choose(sim, data, record, form.get("start"), _metadata_from(form), now)
            elif action == "reschedule":
                scheduling.reschedule(
                    sim, data, record, form.get("start"), _metadata_from(form), now
                )
            elif action == "decline":
                scheduling.decline(sim, data, record, now)
            else:
                return error_page("Unknown action", "Please use the buttons on the page.", 400)
        except scheduling.TransitionError as error:
            return error_page("That did not work", error.message, 409)
    # Post/redirect/get so a refresh does not submit twice.
    return Response(303, b"", {"Location": f"/rts/{token}"})


def dashboard(sim, request):
    with sim.store.read() as data:
        record = data["scheduling_requests"].get(request.path_params["request_id"])
        if record is None:
            return error_page("Not found", "No such scheduling request.", 404)
        host = data["hosts"].get(record["host_sub"]) if record["host_sub"] else None
        rows = [
            ("Request", record["id"]),
            ("Status", record["slot_selection"]),
            ("Summary", record["summary"]),
            ("Duration", f"{record['duration_minutes']} minutes"),
            (
                "Recipients",
                ", ".join(r["display_name"] or r["email"] for r in record["recipients"]),
            ),
            ("Host", host["name"] if host else "not decided yet"),
            (
                "Time",
                scheduling.local_time_label(record["event_start"], record["tzid"])
                if record["event_start"] is not None
                else "not chosen yet",
            ),
            ("Created", iso_utc(record["created_at"])),
        ]
        for key, value in record["metadata"].items():
            rows.append((key, value))
    details = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    return page("Scheduling request", f"<h1>Scheduling request</h1><dl>{details}</dl>")
