"""Scheduler API: create, query and cancel scheduling requests (contract §4)."""

from . import scheduling
from .api_auth import authenticate
from .clock import now as clock_now
from .web import HttpError, empty_response, field_error, json_response, validation_error

MAX_DURATION_MINUTES = 24 * 60  # [U] upper bound


def register(router, sim):
    router.add(
        "POST",
        "/v1/scheduling_requests",
        "scheduling_requests.create",
        lambda request: create(sim, request),
    )
    router.add(
        "POST",
        "/v1/scheduling_requests/query",
        "scheduling_requests.query",
        lambda request: query(sim, request),
    )
    router.add(
        "POST",
        "/v1/scheduling_requests/cancel",
        "scheduling_requests.cancel",
        lambda request: cancel(sim, request),
    )


def _required():
    return field_error("required", "required")


def _invalid(description):
    return field_error("invalid", description)


def validate_recipients(value, errors):
    """Recipients: a non-empty list of {email, display_name?, slot_selector} [C]."""
    if value is None:
        errors["recipients"] = _required()
        return []
    if not isinstance(value, list) or not value:
        errors["recipients"] = _invalid("must be a non-empty list")
        return []
    recipients = []
    for recipient in value:
        if not isinstance(recipient, dict):
            errors["recipients"] = _invalid("each recipient must be an object")
            return []
        email = recipient.get("email")
        if email is None:
            errors["recipients.email"] = _required()
        elif not isinstance(email, str) or "@" not in email or len(email) > 254:
            errors["recipients.email"] = _invalid("must be an email address")
        if "slot_selector" not in recipient:
            errors["recipients.slot_selector"] = _required()
        elif not isinstance(recipient["slot_selector"], bool):
            errors["recipients.slot_selector"] = _invalid("must be true or false")
        name = recipient.get("display_name")
        if name is not None and not isinstance(name, str):
            errors["recipients.display_name"] = _invalid("must be a string")
        recipients.append(recipient)
    if recipients and "recipients.slot_selector" not in errors:
        if not any(r.get("slot_selector") is True for r in recipients):
            # [U] one recipient must pick the slot.
            errors["recipients.slot_selector"] = _invalid("one recipient must be the slot selector")
    return recipients


def _hosts_from_body(body, data, ou_id, impersonate, errors):
    """Resolve the host(s): host.sub, host_group (inline members) or Cronofy-Impersonate."""
    host, host_group = body.get("host"), body.get("host_group")
    if host is not None:
        sub = host.get("sub") if isinstance(host, dict) else None
        if not isinstance(sub, str):
            errors["host.sub"] = _required()
            return []
        if not _host_in_ou(data, sub, ou_id):
            errors["host.sub"] = field_error(
                "not_found", "no such account in the organizational unit"
            )
            return []
        return [sub]
    if host_group is not None:
        if not isinstance(host_group, dict):
            errors["host_group"] = _invalid("must be an object")
            return []
        if "sub" in host_group:
            # Selection rules (sel_...) are not simulated [U].
            errors["host_group.sub"] = field_error("not_found", "unknown selection rule")
            return []
        members = host_group.get("members")
        if not isinstance(members, list) or not members:
            errors["host_group.members"] = _required()
            return []
        subs = [m.get("sub") if isinstance(m, dict) else None for m in members]
        if any(not isinstance(s, str) or not _host_in_ou(data, s, ou_id) for s in subs):
            errors["host_group.members"] = field_error(
                "not_found", "every member must be an account in the organizational unit"
            )
            return []
        if host_group.get("required", 1) != 1:
            errors["host_group.required"] = _invalid("only 1 is supported")  # [U]
            return []
        return subs
    if impersonate:
        return [impersonate]
    return []


def _host_in_ou(data, sub, ou_id):
    host = data["hosts"].get(sub)
    return host is not None and host["ou_id"] == ou_id


def _event_text(event, key, errors, required=False):
    value = event.get(key) if isinstance(event, dict) else None
    if value is None:
        if required:
            errors[f"event.{key}"] = _required()
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        errors[f"event.{key}"] = _invalid("must be a non-empty string")
        return None
    return value


def _duration(event, errors, required):
    duration = event.get("duration") if isinstance(event, dict) else None
    if duration is None:
        if required:
            errors["event.duration.minutes"] = _required()
        return None
    minutes = duration.get("minutes") if isinstance(duration, dict) else None
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        errors["event.duration.minutes"] = (
            _required() if minutes is None else _invalid("must be a whole number of minutes")
        )
        return None
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        errors["event.duration.minutes"] = _invalid(f"must be between 1 and {MAX_DURATION_MINUTES}")
        return None
    return minutes


def create(sim, request):
    principal = authenticate(sim, request)
    body = request.json()
    ou_id = principal["ou_id"]
    errors = {}
    with sim.store.write() as data:
        impersonate = request.header("Cronofy-Impersonate")
        if impersonate and not _host_in_ou(data, impersonate, ou_id):
            # [U] acting as an account outside the OU.
            raise HttpError(empty_response(403))
        recipients = validate_recipients(body.get("recipients"), errors)
        event = body.get("event")
        if event is not None and not isinstance(event, dict):
            errors["event"] = _invalid("must be an object")
            event = None
        template_ref = body.get("template")
        template = None
        if template_ref is not None:
            sub = template_ref.get("sub") if isinstance(template_ref, dict) else None
            if not isinstance(sub, str):
                errors["template.sub"] = _required()
            else:
                template = data["templates"].get(sub)
                if template is None or template["ou_id"] != ou_id:
                    errors["template.sub"] = field_error("not_found", "unknown template")
                    template = None
        if template_ref is None or template is not None:
            # With a template, event fields are optional overrides [U]; without, they are needed.
            summary = _event_text(event, "summary", errors, required=template is None)
            description = _event_text(event, "description", errors)
            location = event.get("location") if isinstance(event, dict) else None
            location_text = location.get("description") if isinstance(location, dict) else None
            minutes = _duration(event, errors, required=template is None)
            host_subs = _hosts_from_body(body, data, ou_id, impersonate, errors)
            if template is not None:
                summary = summary or template["summary"]
                description = description or template.get("description")
                minutes = minutes or template["duration_minutes"]
                host_subs = host_subs or list(template["host_subs"])
            if not host_subs and not any(k.startswith("host") for k in errors):
                errors["host"] = _required()
        if errors:
            raise validation_error(errors)
        record = scheduling.create_request(
            sim,
            data,
            application_id=principal["application_id"],
            ou_id=ou_id,
            created_via="template" if template else "api",
            summary=summary,
            description=description,
            location=location_text if isinstance(location_text, str) else None,
            duration_minutes=minutes,
            host_subs=host_subs,
            recipients=recipients,
            template_sub=template["sub"] if template else None,
            now=clock_now(data),
        )
        result = scheduling.view(sim.base_url, record)
    return json_response({"scheduling_request": result})


def query(sim, request):
    principal = authenticate(sim, request)
    body = request.json()
    ids = body.get("scheduling_request_ids")
    if ids is None:
        raise validation_error({"scheduling_request_ids": _required()})
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise validation_error(
            {"scheduling_request_ids": _invalid("must be a non-empty list of ids")}
        )
    found = []
    with sim.store.read() as data:
        for request_id in ids:
            record = data["scheduling_requests"].get(request_id)
            # Unknown ids and other OUs' requests are left out of the answer [U].
            if record is not None and record["ou_id"] == principal["ou_id"]:
                found.append({"scheduling_request": scheduling.view(sim.base_url, record)})
    return json_response({"scheduling_requests": found})


def cancel(sim, request):
    principal = authenticate(sim, request)
    body = request.json()
    request_id = body.get("scheduling_request_id")
    if request_id is None:
        raise validation_error({"scheduling_request_id": _required()})
    if not isinstance(request_id, str):
        raise validation_error({"scheduling_request_id": _invalid("must be a string")})
    with sim.store.write() as data:
        record = data["scheduling_requests"].get(request_id)
        if record is None or record["ou_id"] != principal["ou_id"]:
            raise HttpError(empty_response(404))  # [U]
        scheduling.cancel(sim, data, record, now=clock_now(data), via="api")
    return empty_response(202)
