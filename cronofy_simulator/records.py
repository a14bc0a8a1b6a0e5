"""Building and validating the seedable records (applications, OUs, hosts, templates).

Used by the admin API and the demo seed; errors come back as {field: message} dicts.
"""

from .availability import DEFAULT_WORKING_HOURS, validate_tzid, validate_working_hours
from .clock import now as clock_now
from .ids import new_id, new_secret

DATA_CENTERS = ("us", "uk", "de", "au", "ca", "sg")
# Which of an application's requests get push notifications [U, audit U14]: whether Cronofy
# pushes for requests created with an Organization Connect token depends on the customer's setup.
# "not_for_organization_connect" silences exactly those (access-token creates); requests created
# with the client secret or through the embed still get theirs.
PUSH_NOTIFICATION_MODES = ("all", "none", "not_for_organization_connect")


def _string(spec, key, errors, default=None, required=False):
    value = spec.get(key, default)
    if value is None:
        if required:
            errors[key] = "required"
        return None
    if not isinstance(value, str) or not value.strip():
        errors[key] = "must be a non-empty string"
        return None
    return value


def _string_list(spec, key, errors, default=()):
    value = spec.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        errors[key] = "must be a list of strings"
        return []
    return list(value)


def _urls(spec, key, errors):
    urls = _string_list(spec, key, errors)
    if any(not u.startswith(("http://", "https://")) for u in urls):
        errors[key] = "every URL must start with http:// or https://"
    return urls


def _choice(spec, key, choices, errors, default):
    value = spec.get(key, default)
    if value not in choices:
        errors[key] = f"one of {', '.join(choices)}"
    return value


def secret_entry(secret, created_at):
    return {"secret": secret, "active": True, "created_at": created_at}


def build_organizational_unit(data, spec):
    errors = {}
    unit = {
        "id": _string(spec, "id", errors) or new_id("ou_"),
        "name": _string(spec, "name", errors, default="Organization"),
        "tenant_ids": [str(t) for t in _string_list(spec, "tenant_ids", errors)],
        "tenant_name": spec.get("tenant_name"),
        "created_at": clock_now(data),
        "created_via": "admin",
    }
    if unit["id"] in data["organizational_units"]:
        errors["id"] = "already exists"
    for other in data["organizational_units"].values():
        if set(other["tenant_ids"]) & set(unit["tenant_ids"]):
            errors["tenant_ids"] = f"already linked to {other['id']}"
    return unit, errors


def build_application(data, spec):
    errors = {}
    application_id = _string(spec, "id", errors) or new_id("app_")
    ou_id = _string(spec, "ou_id", errors)
    if ou_id is not None and ou_id not in data["organizational_units"]:
        errors["ou_id"] = "unknown organizational unit"
    secrets = _string_list(spec, "client_secrets", errors, default=[new_secret("CRN_", 36)])
    if not secrets:
        errors["client_secrets"] = "at least one secret is needed"
    data_center = _choice(spec, "data_center", DATA_CENTERS, errors, "us")
    push_notifications = _choice(spec, "push_notifications", PUSH_NOTIFICATION_MODES, errors, "all")
    application = {
        "id": application_id,
        "name": _string(spec, "name", errors, default="Simulated application"),
        "ou_id": ou_id,
        "client_id": _string(spec, "client_id", errors) or new_secret(length=32),
        "client_secrets": [secret_entry(s, clock_now(data)) for s in secrets],
        "embed_key": _string(spec, "embed_key", errors) or new_secret("EMB_", 32),
        "embed_secret": _string(spec, "embed_secret", errors) or new_secret("ESK_", 40),
        "data_center": data_center,
        "webhook_urls": _urls(spec, "webhook_urls", errors),
        "redirect_uris": _urls(spec, "redirect_uris", errors),
        "push_notifications": push_notifications,
        "created_at": clock_now(data),
    }
    if application_id in data["applications"]:
        errors["id"] = "already exists"
    for other in data["applications"].values():
        if other["client_id"] == application["client_id"]:
            errors["client_id"] = "already used"
        if other["embed_key"] == application["embed_key"]:
            errors["embed_key"] = "already used"
    return application, errors


def update_application(application, spec):
    errors = {}
    changes = {}
    for key in ("webhook_urls", "redirect_uris"):
        if key in spec:
            changes[key] = _urls(spec, key, errors)
    if "name" in spec:
        changes["name"] = _string(spec, "name", errors)
    if "data_center" in spec:
        changes["data_center"] = _choice(spec, "data_center", DATA_CENTERS, errors, None)
    if "push_notifications" in spec:
        changes["push_notifications"] = _choice(
            spec, "push_notifications", PUSH_NOTIFICATION_MODES, errors, None
        )
    changeable = {"webhook_urls", "redirect_uris", "name", "data_center", "push_notifications"}
    for key in set(spec) - changeable:
        errors[key] = "cannot be changed"
    if not errors:
        application.update(changes)
    return errors


def build_host(data, spec):
    errors = {}
    ou_id = _string(spec, "ou_id", errors, required=True)
    if ou_id is not None and ou_id not in data["organizational_units"]:
        errors["ou_id"] = "unknown organizational unit"
    tzid = spec.get("tzid", "Europe/London")
    problem = validate_tzid(tzid)
    if problem:
        errors["tzid"] = problem
    working_hours = spec.get("working_hours", [dict(h) for h in DEFAULT_WORKING_HOURS])
    problem = validate_working_hours(working_hours)
    if problem:
        errors["working_hours"] = problem
    host = {
        "sub": _string(spec, "sub", errors) or new_id("acc_"),
        "ou_id": ou_id,
        "name": _string(spec, "name", errors, default="Host"),
        "email": _string(spec, "email", errors, default="host@example.com"),
        "tzid": tzid,
        "working_hours": working_hours,
    }
    if host["sub"] in data["hosts"]:
        errors["sub"] = "already exists"
    return host, errors


def update_host(host, spec):
    errors = {}
    if "tzid" in spec:
        problem = validate_tzid(spec["tzid"])
        if problem:
            errors["tzid"] = problem
    if "working_hours" in spec:
        problem = validate_working_hours(spec["working_hours"])
        if problem:
            errors["working_hours"] = problem
    for key in set(spec) - {"tzid", "working_hours", "name", "email"}:
        errors[key] = "cannot be changed"
    if not errors:
        host.update(spec)
    return errors


def build_template(data, spec):
    errors = {}
    ou_id = _string(spec, "ou_id", errors, required=True)
    if ou_id is not None and ou_id not in data["organizational_units"]:
        errors["ou_id"] = "unknown organizational unit"
    minutes = spec.get("duration_minutes", 30)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 1440:
        errors["duration_minutes"] = "must be a whole number of minutes (1-1440)"
    host_subs = _string_list(spec, "host_subs", errors)
    for sub in host_subs:
        host = data["hosts"].get(sub)
        if host is None or host["ou_id"] != ou_id:
            errors["host_subs"] = f"{sub} is not a host of the organizational unit"
    name = _string(spec, "name", errors, default="Interview")
    template = {
        "sub": _string(spec, "sub", errors) or new_id("sgr_"),
        "ou_id": ou_id,
        "name": name,
        "summary": _string(spec, "summary", errors, default=name),
        "description": spec.get("description"),
        "duration_minutes": minutes,
        "host_subs": host_subs,
    }
    if template["sub"] in data["templates"]:
        errors["sub"] = "already exists"
    return template, errors
