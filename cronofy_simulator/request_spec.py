"""Reading a create body (``POST /v1/scheduling_requests``) into a new request's fields.

Shared by the Scheduler API's create and the admin Book Now, so both check a body the same way.
Errors use Cronofy's 422 shape: ``{"field": [{"key": "errors.…", "description"}]}`` [C].
"""

from .web import field_error, validation_error

MAX_DURATION_MINUTES = 24 * 60  # [U] upper bound


def required_error():
    return field_error("required", "required")


def invalid_error(description):
    return field_error("invalid", description)


def validate_recipients(value, errors):
    """Recipients: a non-empty list of {email, display_name?, slot_selector} [C]."""
    if value is None:
        errors["recipients"] = required_error()
        return []
    if not isinstance(value, list) or not value:
        errors["recipients"] = invalid_error("must be a non-empty list")
        return []
    recipients = []
    for recipient in value:
        if not isinstance(recipient, dict):
            errors["recipients"] = invalid_error("each recipient must be an object")
            return []
        email = recipient.get("email")
        if email is None:
            errors["recipients.email"] = required_error()
        elif not isinstance(email, str) or "@" not in email or len(email) > 254:
            errors["recipients.email"] = invalid_error("must be an email address")
        if "slot_selector" not in recipient:
            errors["recipients.slot_selector"] = required_error()
        elif not isinstance(recipient["slot_selector"], bool):
            errors["recipients.slot_selector"] = invalid_error("must be true or false")
        name = recipient.get("display_name")
        if name is not None and not isinstance(name, str):
            errors["recipients.display_name"] = invalid_error("must be a string")
        recipients.append(recipient)
    if recipients and "recipients.slot_selector" not in errors:
        if not any(r.get("slot_selector") is True for r in recipients):
            # [U] one recipient must pick the slot.
            errors["recipients.slot_selector"] = invalid_error(
                "one recipient must be the slot selector"
            )
    return recipients


def _hosts_from_body(body, data, ou_id, impersonate, errors):
    """Resolve the host(s): host.sub, host_group (inline members) or Cronofy-Impersonate."""
    host, host_group = body.get("host"), body.get("host_group")
    if host is not None:
        sub = host.get("sub") if isinstance(host, dict) else None
        if not isinstance(sub, str):
            errors["host.sub"] = required_error()
            return []
        if not host_in_ou(data, sub, ou_id):
            errors["host.sub"] = field_error(
                "not_found", "no such account in the organizational unit"
            )
            return []
        return [sub]
    if host_group is not None:
        if not isinstance(host_group, dict):
            errors["host_group"] = invalid_error("must be an object")
            return []
        if "sub" in host_group:
            # Selection rules (sel_...) are not simulated [U].
            errors["host_group.sub"] = field_error("not_found", "unknown selection rule")
            return []
        members = host_group.get("members")
        if not isinstance(members, list) or not members:
            errors["host_group.members"] = required_error()
            return []
        subs = [m.get("sub") if isinstance(m, dict) else None for m in members]
        if any(not isinstance(s, str) or not host_in_ou(data, s, ou_id) for s in subs):
            errors["host_group.members"] = field_error(
                "not_found", "every member must be an account in the organizational unit"
            )
            return []
        if host_group.get("required", 1) != 1:
            errors["host_group.required"] = invalid_error("only 1 is supported")  # [U]
            return []
        return subs
    if impersonate:
        return [impersonate]
    return []


def host_in_ou(data, sub, ou_id):
    host = data["hosts"].get(sub)
    return host is not None and host["ou_id"] == ou_id


def _event_text(event, key, errors, required=False):
    value = event.get(key) if isinstance(event, dict) else None
    if value is None:
        if required:
            errors[f"event.{key}"] = required_error()
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        errors[f"event.{key}"] = invalid_error("must be a non-empty string")
        return None
    return value


def _duration(event, errors, required):
    duration = event.get("duration") if isinstance(event, dict) else None
    if duration is None:
        if required:
            errors["event.duration.minutes"] = required_error()
        return None
    minutes = duration.get("minutes") if isinstance(duration, dict) else None
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        errors["event.duration.minutes"] = (
            required_error()
            if minutes is None
            else invalid_error("must be a whole number of minutes")
        )
        return None
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        errors["event.duration.minutes"] = invalid_error(
            f"must be between 1 and {MAX_DURATION_MINUTES}"
        )
        return None
    return minutes


def _template(body, data, ou_id, errors):
    """The template named by ``template.sub`` (None when absent or wrong, with an error)."""
    template_ref = body.get("template")
    if template_ref is None:
        return None
    sub = template_ref.get("sub") if isinstance(template_ref, dict) else None
    if not isinstance(sub, str):
        errors["template.sub"] = required_error()
        return None
    template = data["templates"].get(sub)
    if template is None or template["ou_id"] != ou_id:
        errors["template.sub"] = field_error("not_found", "unknown template")
        return None
    return template


def _template_event_overrides(event, policy, errors):
    """What a template create does with ``event`` fields sent beside it [U, audit U8].

    "accept" applies them, "ignore" drops them silently, "refuse" names each one in a 422.
    """
    if not event or policy == "accept":
        return event
    if policy == "refuse":
        for key in event:
            errors[f"event.{key}"] = field_error("not_permitted", "cannot be given with a template")
    return None


def parse_create_body(body, data, ou_id, impersonate, config):
    """The fields for ``scheduling.create_request``, or raise the 422 listing every problem."""
    errors = {}
    recipients = validate_recipients(body.get("recipients"), errors)
    event = body.get("event")
    if event is not None and not isinstance(event, dict):
        errors["event"] = invalid_error("must be an object")
        event = None
    template = _template(body, data, ou_id, errors)
    if template is not None:
        event = _template_event_overrides(event, config.template_event_overrides, errors)
    if body.get("template") is None or template is not None:
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
            errors["host"] = required_error()
    if errors:
        raise validation_error(errors)
    return {
        "created_via": "template" if template else "api",
        "summary": summary,
        "description": description,
        "location": location_text if isinstance(location_text, str) else None,
        "duration_minutes": minutes,
        "host_subs": host_subs,
        "recipients": recipients,
        "template_sub": template["sub"] if template else None,
    }
