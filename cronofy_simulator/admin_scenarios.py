"""Admin endpoints that make the simulator play what the real Cronofy may do where the contract
is unsure, so that a client can be tested against each possibility (README "Guesses"):

- ``POST /_sim/scheduling_requests/book_now``: a request created already booked (Book Now [C]),
  announced only by the "created" notification.
- ``POST /_sim/scheduling_requests/<id>/notify``: a signed notification of any type string.
- ``PATCH /_sim/scheduling_requests/<id>``: any ``slot_selection`` value, e.g. an undocumented
  ``expired``, with or without the event times and without a notification.
"""

from . import scheduling
from .admin_api import admin_route, conflict, invalid, link_metadata, request_or_404
from .clock import now as clock_now
from .request_spec import parse_create_body
from .web import json_response

BOOK_NOW_EXTRA_FIELDS = ("start", "correlation_id", "metadata", "application_id")


def register(router, sim):
    admin_route(router, sim, "POST", "/scheduling_requests/book_now", book_now)
    admin_route(router, sim, "POST", "/scheduling_requests/<request_id>/notify", notify)
    admin_route(router, sim, "PATCH", "/scheduling_requests/<request_id>", force_slot_selection)


def _owning_application(data, spec):
    """``application_id``, else the first application of the OU owning ``template.sub``."""
    if "application_id" in spec:
        application_id = spec["application_id"]
        application = (
            data["applications"].get(application_id) if isinstance(application_id, str) else None
        )
        if application is None:
            raise invalid({"application_id": "unknown application"})
        return application
    template_ref = spec.get("template")
    sub = template_ref.get("sub") if isinstance(template_ref, dict) else None
    template = data["templates"].get(sub) if isinstance(sub, str) else None
    owners = sorted(
        (a for a in data["applications"].values() if template and a["ou_id"] == template["ou_id"]),
        key=lambda a: (a["created_at"], a["id"]),
    )
    if not owners:
        raise invalid(
            {"application_id": "required unless template.sub names a template of an application"}
        )
    return owners[0]


def book_now(sim, request):
    """Create and book at once. The body is an API create body (checked like one, 422s in
    Cronofy's shape) plus ``start`` (default: first free slot), ``correlation_id``, ``metadata``
    and ``application_id``. Book Now is an Embedded Scheduler feature, so the request counts as
    created through the embed for the application's push_notifications setting."""
    spec = request.json()
    metadata = link_metadata(spec)
    with sim.store.write() as data:
        application = _owning_application(data, spec)
        body = {k: v for k, v in spec.items() if k not in BOOK_NOW_EXTRA_FIELDS}
        fields = parse_create_body(body, data, application["ou_id"], None, sim.config)
        fields["created_via"] = "book_now"
        try:
            record = scheduling.create_booked_now(
                sim,
                data,
                application_id=application["id"],
                ou_id=application["ou_id"],
                created_with="embed_token",
                start=spec.get("start"),
                metadata=metadata,
                now=clock_now(data),
                **fields,
            )
        except scheduling.TransitionError as error:
            raise conflict(error) from None
        return json_response(scheduling.admin_view(sim.base_url, record), 201)


def _checked_body(request, allowed, flag):
    """The JSON body, refusing unknown fields and a non-boolean ``flag`` (default False)."""
    spec = request.json()
    errors = {key: "unknown field" for key in sorted(set(spec) - set(allowed))}
    if not isinstance(spec.get(flag, False), bool):
        errors[flag] = "must be true or false"
    return spec, errors


def _required_text(spec, key, errors, what):
    value = spec.get(key)
    if not isinstance(value, str) or not value.strip():
        errors[key] = f"required: {what}"
    return value


def notify(sim, request, request_id):
    """Deliver a notification of any ``type`` with the request's current view, through the
    normal machinery (push_notifications setting, faults, retries); ``omit_event_times`` leaves
    ``event.start``/``end`` out. Answers the deliveries it created."""
    spec, errors = _checked_body(request, ("type", "omit_event_times"), "omit_event_times")
    notification_type = _required_text(spec, "type", errors, "a notification type string")
    if errors:
        raise invalid(errors)
    with sim.store.write() as data:
        record = request_or_404(data, request_id)
        deliveries = sim.webhooks.notify(
            data,
            record,
            notification_type,
            clock_now(data),
            omit_event_times=spec.get("omit_event_times", False),
        )
        return json_response({"deliveries": deliveries})


def force_slot_selection(sim, request, request_id):
    """Set ``slot_selection`` to any string, sending nothing; ``drop_event_times`` also forgets
    the booked time. The query API and later notifications then show that state."""
    spec, errors = _checked_body(
        request, ("slot_selection", "drop_event_times"), "drop_event_times"
    )
    value = _required_text(spec, "slot_selection", errors, "any slot_selection string")
    if errors:
        raise invalid(errors)
    with sim.store.write() as data:
        record = request_or_404(data, request_id)
        scheduling.force_slot_selection(
            record, value, spec.get("drop_event_times", False), clock_now(data)
        )
        return json_response(scheduling.admin_view(sim.base_url, record))
