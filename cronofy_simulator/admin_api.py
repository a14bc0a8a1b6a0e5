"""Test and demo control over JSON under ``/_sim/`` (documented in README.md).

Not part of Cronofy. It seeds the world, drives the candidate's actions without a browser,
inspects what happened (requests, tokens, webhook deliveries, API calls) and injects faults.
It has no authentication: the simulator is meant for loopback only.
"""

import time

from . import clock, oauth, records, scheduling, seed
from .availability import free_slots
from .clock import iso_utc
from .clock import now as clock_now
from .ids import new_secret
from .web import HttpError, json_response

MAX_WAIT_SECONDS = 60.0
MAX_CLOCK_OFFSET = 100 * 366 * 86400


def not_found(what):
    return HttpError(json_response({"error": "not_found", "message": f"unknown {what}"}, 404))


def invalid(errors):
    return HttpError(json_response({"errors": errors}, 422))


def admin_route(router, sim, method, path, handler):
    """Route ``/_sim<path>`` to ``handler(sim, request, **path_params)``, named admin.<path>."""
    name = "admin." + path.strip("/").replace("/", ".").replace("<", "").replace(">", "")
    router.add(method, "/_sim" + path, name, lambda r: handler(sim, r, **r.path_params))


def conflict(error):
    """409 for a candidate action the request's state does not allow (a TransitionError)."""
    return HttpError(json_response({"error": error.code, "message": error.message}, 409))


def link_metadata(spec):
    """Link metadata of a choose/reschedule/Book Now body: ``metadata`` plus ``correlation_id``."""
    metadata = spec.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise invalid({"metadata": "must be an object"})
    metadata = dict(metadata)
    if "correlation_id" in spec:
        metadata["correlation_id"] = spec["correlation_id"]
    return metadata


def register(router, sim):
    def add(method, path, handler):
        admin_route(router, sim, method, path, handler)

    add("GET", "/health", health)
    add("POST", "/reset", reset)
    add("GET", "/config", get_config)
    add("PATCH", "/config", patch_config)
    add("POST", "/seed/<name>", apply_seed)
    add("GET", "/state", dump_state)
    add("GET", "/clock", get_clock)
    add("POST", "/clock", move_clock)

    add("GET", "/applications", list_applications)
    add("POST", "/applications", create_application)
    add("GET", "/applications/<application_id>", get_application)
    add("PATCH", "/applications/<application_id>", patch_application)
    add("POST", "/applications/<application_id>/client_secrets", add_client_secret)
    add(
        "POST", "/applications/<application_id>/client_secrets/deactivate", deactivate_client_secret
    )

    add("GET", "/organizational_units", list_units)
    add("POST", "/organizational_units", create_unit)
    add("PATCH", "/organizational_units/<ou_id>", patch_unit)
    add("GET", "/hosts", list_hosts)
    add("POST", "/hosts", create_host)
    add("PATCH", "/hosts/<sub>", patch_host)
    add("GET", "/templates", list_templates)
    add("POST", "/templates", create_template)

    add("GET", "/scheduling_requests", list_requests)
    add("GET", "/scheduling_requests/<request_id>", get_request)
    add("GET", "/scheduling_requests/<request_id>/slots", request_slots)
    add("POST", "/scheduling_requests/<request_id>/choose", choose)
    add("POST", "/scheduling_requests/<request_id>/reschedule", reschedule)
    add("POST", "/scheduling_requests/<request_id>/decline", decline)
    add("POST", "/scheduling_requests/<request_id>/cancel", cancel)

    add("POST", "/oauth/authorize", oauth_authorize)
    add("GET", "/oauth/tokens", list_tokens)
    add("POST", "/oauth/tokens/expire", expire_tokens)

    add("GET", "/webhooks/deliveries", list_deliveries)
    add("POST", "/webhooks/wait", wait_for_webhooks)

    add("GET", "/faults", list_faults)
    add("POST", "/faults", add_fault)
    add("DELETE", "/faults", clear_faults)

    add("GET", "/calls", list_calls)
    add("DELETE", "/calls", clear_calls)


# -- general -----------------------------------------------------------------------------------


def health(sim, request):
    return json_response({"status": "ok", "base_url": sim.base_url})


def reset(sim, request):
    sim.reset()
    return json_response({"status": "reset"})


def get_config(sim, request):
    return json_response(sim.config.to_dict())


def patch_config(sim, request):
    errors = sim.config.update(request.json())
    if errors:
        raise invalid(errors)
    return json_response(sim.config.to_dict())


def apply_seed(sim, request, name):
    if name not in seed.SEEDS:
        raise not_found("seed")
    body = request.json_or_empty()
    with sim.store.write() as data:
        credentials = seed.seed_demo(data, webhook_urls=body.get("webhook_urls") or [])
    return json_response(dict(credentials, base_url=sim.base_url))


def dump_state(sim, request):
    with sim.store.read() as data:
        return json_response(data)


def _clock_view(data):
    return {"now": iso_utc(clock_now(data)), "offset_seconds": round(clock.offset(data), 3)}


def get_clock(sim, request):
    with sim.store.read() as data:
        return json_response(_clock_view(data))


def move_clock(sim, request):
    """Move business time: exactly one of ``advance_seconds`` (may be negative), ``set`` (an ISO
    8601 instant; the clock keeps ticking from there) or ``reset: true`` (back to real time)."""
    spec = request.json()
    actions = [key for key in ("advance_seconds", "set", "reset") if key in spec]
    unknown = sorted(set(spec) - {"advance_seconds", "set", "reset"})
    if unknown or len(actions) != 1:
        errors = {key: "unknown field" for key in unknown}
        if len(actions) != 1:
            errors["clock"] = "give exactly one of advance_seconds, set, reset"
        raise invalid(errors)
    action, value = actions[0], spec[actions[0]]
    if action == "advance_seconds" and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        raise invalid({"advance_seconds": "must be a number of seconds"})
    if action == "set" and clock.parse_iso(value) is None:
        raise invalid({"set": "must be an ISO 8601 instant with a time zone, e.g. ...Z"})
    if action == "reset" and value is not True:
        raise invalid({"reset": "must be true"})
    with sim.store.write() as data:
        if action == "advance_seconds":
            offset = clock.offset(data) + value
        elif action == "set":
            offset = clock.parse_iso(value) - time.time()
        else:
            offset = 0
        if not abs(offset) <= MAX_CLOCK_OFFSET:  # also refuses NaN
            raise invalid({action: "the clock may move at most 100 years from real time"})
        clock.set_offset(data, offset)
        return json_response(_clock_view(data))


# -- applications, OUs, hosts, templates -------------------------------------------------------


def _application_or_404(data, application_id):
    application = data["applications"].get(application_id)
    if application is None:
        raise not_found("application")
    return application


def list_applications(sim, request):
    with sim.store.read() as data:
        return json_response({"applications": list(data["applications"].values())})


def create_application(sim, request):
    spec = request.json_or_empty()
    with sim.store.write() as data:
        if spec.get("ou_id") is None:
            unit, errors = records.build_organizational_unit(
                data, {"name": f"{spec.get('name') or 'Simulated application'} OU"}
            )
            data["organizational_units"][unit["id"]] = unit
            spec = dict(spec, ou_id=unit["id"])
        application, errors = records.build_application(data, spec)
        if errors:
            raise invalid(errors)
        data["applications"][application["id"]] = application
        return json_response(application, 201)


def get_application(sim, request, application_id):
    with sim.store.read() as data:
        return json_response(_application_or_404(data, application_id))


def patch_application(sim, request, application_id):
    spec = request.json()
    with sim.store.write() as data:
        application = _application_or_404(data, application_id)
        errors = records.update_application(application, spec)
        if errors:
            raise invalid(errors)
        return json_response(application)


def add_client_secret(sim, request, application_id):
    """Add an active client secret (rotation: both old and new now sign webhooks)."""
    spec = request.json_or_empty()
    secret = spec.get("secret") or new_secret("CRN_", 36)
    if not isinstance(secret, str):
        raise invalid({"secret": "must be a string"})
    with sim.store.write() as data:
        application = _application_or_404(data, application_id)
        if any(s["secret"] == secret for s in application["client_secrets"]):
            raise invalid({"secret": "already present"})
        application["client_secrets"].append(records.secret_entry(secret, clock_now(data)))
        return json_response(application, 201)


def deactivate_client_secret(sim, request, application_id):
    secret = request.json().get("secret")
    with sim.store.write() as data:
        application = _application_or_404(data, application_id)
        entry = next((s for s in application["client_secrets"] if s["secret"] == secret), None)
        if entry is None:
            raise not_found("client secret")
        entry["active"] = False
        return json_response(application)


def list_units(sim, request):
    with sim.store.read() as data:
        return json_response({"organizational_units": list(data["organizational_units"].values())})


def create_unit(sim, request):
    with sim.store.write() as data:
        unit, errors = records.build_organizational_unit(data, request.json_or_empty())
        if errors:
            raise invalid(errors)
        data["organizational_units"][unit["id"]] = unit
        return json_response(unit, 201)


def patch_unit(sim, request, ou_id):
    spec = request.json()
    with sim.store.write() as data:
        unit = data["organizational_units"].get(ou_id)
        if unit is None:
            raise not_found("organizational unit")
        errors = {k: "cannot be changed" for k in set(spec) - {"name", "tenant_ids"}}
        tenant_ids = spec.get("tenant_ids", unit["tenant_ids"])
        if not isinstance(tenant_ids, list):
            errors["tenant_ids"] = "must be a list"
        if errors:
            raise invalid(errors)
        unit.update(spec, tenant_ids=[str(t) for t in tenant_ids])
        return json_response(unit)


def list_hosts(sim, request):
    with sim.store.read() as data:
        return json_response({"hosts": list(data["hosts"].values())})


def create_host(sim, request):
    with sim.store.write() as data:
        host, errors = records.build_host(data, request.json())
        if errors:
            raise invalid(errors)
        data["hosts"][host["sub"]] = host
        return json_response(host, 201)


def patch_host(sim, request, sub):
    spec = request.json()
    with sim.store.write() as data:
        host = data["hosts"].get(sub)
        if host is None:
            raise not_found("host")
        errors = records.update_host(host, spec)
        if errors:
            raise invalid(errors)
        return json_response(host)


def list_templates(sim, request):
    with sim.store.read() as data:
        return json_response({"templates": list(data["templates"].values())})


def create_template(sim, request):
    with sim.store.write() as data:
        template, errors = records.build_template(data, request.json())
        if errors:
            raise invalid(errors)
        data["templates"][template["sub"]] = template
        return json_response(template, 201)


# -- scheduling requests and the candidate's actions --------------------------------------------


def request_or_404(data, request_id):
    record = data["scheduling_requests"].get(request_id)
    if record is None:
        raise not_found("scheduling request")
    return record


def list_requests(sim, request):
    status = request.query.get("slot_selection")
    correlation_id = request.query.get("correlation_id")
    with sim.store.read() as data:
        found = [
            scheduling.admin_view(sim.base_url, r)
            for r in sorted(data["scheduling_requests"].values(), key=lambda r: r["created_at"])
            if (status is None or r["slot_selection"] == status)
            and (correlation_id is None or r["metadata"].get("correlation_id") == correlation_id)
        ]
    return json_response({"scheduling_requests": found})


def get_request(sim, request, request_id):
    with sim.store.read() as data:
        return json_response(scheduling.admin_view(sim.base_url, request_or_404(data, request_id)))


def request_slots(sim, request, request_id):
    with sim.store.read() as data:
        record = request_or_404(data, request_id)
        return json_response({"slots": free_slots(data, record, sim.config, clock_now(data))})


def _transition(sim, request, request_id, action):
    spec = request.json_or_empty()
    metadata = link_metadata(spec)
    with sim.store.write() as data:
        now = clock_now(data)
        record = request_or_404(data, request_id)
        try:
            if action in ("choose", "reschedule"):
                step = scheduling.choose if action == "choose" else scheduling.reschedule
                step(sim, data, record, spec.get("start"), metadata, now, via="admin")
            elif action == "decline":
                scheduling.decline(sim, data, record, now, via="admin")
            else:
                scheduling.cancel(sim, data, record, now, via="admin")
        except scheduling.TransitionError as error:
            raise conflict(error) from None
        return json_response(scheduling.admin_view(sim.base_url, record))


def choose(sim, request, request_id):
    return _transition(sim, request, request_id, "choose")


def reschedule(sim, request, request_id):
    return _transition(sim, request, request_id, "reschedule")


def decline(sim, request, request_id):
    return _transition(sim, request, request_id, "decline")


def cancel(sim, request, request_id):
    return _transition(sim, request, request_id, "cancel")


# -- OAuth -------------------------------------------------------------------------------------


def oauth_authorize(sim, request):
    """Approve consent without a browser: returns the code and the redirect URL."""
    spec = request.json()
    params = {
        "response_type": "code",
        "client_id": spec.get("client_id"),
        "redirect_uri": spec.get("redirect_uri"),
        "scope": spec.get("scope", oauth.SCHEDULER_SCOPE),
        "state": spec.get("state"),
    }
    with sim.store.write() as data:
        try:
            application = oauth.check_authorize(sim, data, params)
        except HttpError as error:
            raise HttpError(
                json_response(
                    {
                        "error": "authorize_refused",
                        "status": error.response.status,
                        "location": error.response.headers.get("Location"),
                    },
                    422,
                )
            ) from None
        ou_id = spec.get("ou_id") or application["ou_id"]
        if ou_id not in data["organizational_units"]:
            raise invalid({"ou_id": "unknown organizational unit"})
        code = oauth.issue_code(
            sim, data, application, params["redirect_uri"], params["scope"], ou_id
        )
    location = oauth.redirect_to(params["redirect_uri"], {"code": code, "state": params["state"]})
    return json_response({"code": code, "redirect_url": location.headers["Location"]})


def list_tokens(sim, request):
    with sim.store.read() as data:
        now = clock_now(data)
        tokens = []
        for token in data["oauth_tokens"].values():
            grant = data["oauth_grants"].get(token["grant_id"], {})
            tokens.append(
                {
                    "access_token": token["access_token"],
                    "refresh_token": grant.get("refresh_token"),
                    "application_id": grant.get("application_id"),
                    "organizational_unit_id": grant.get("ou_id"),
                    "scope": grant.get("scope"),
                    "issued_at": iso_utc(token["issued_at"]),
                    "expires_at": iso_utc(token["expires_at"]),
                    "expired": token["expires_at"] <= now,
                    "revoked": token["revoked"] or grant.get("revoked", False),
                }
            )
    return json_response({"tokens": tokens})


def expire_tokens(sim, request):
    """Expire one access token (``access_token``) or, without a body, all of them."""
    spec = request.json_or_empty()
    wanted = spec.get("access_token")
    with sim.store.write() as data:
        now = clock_now(data)
        if wanted is not None and wanted not in data["oauth_tokens"]:
            raise not_found("access token")
        count = 0
        for token in data["oauth_tokens"].values():
            if wanted is None or token["access_token"] == wanted:
                token["expires_at"] = min(token["expires_at"], now - 1)
                count += 1
    return json_response({"expired": count})


# -- webhooks, faults, calls -------------------------------------------------------------------


def list_deliveries(sim, request):
    request_id = request.query.get("scheduling_request_id")
    status = request.query.get("status")
    with sim.store.read() as data:
        deliveries = []
        for delivery in data["webhook_deliveries"].values():
            if request_id and delivery["scheduling_request_id"] != request_id:
                continue
            if status and delivery["status"] != status:
                continue
            deliveries.append(dict(delivery))
    deliveries.sort(key=lambda d: d["created_at"])
    return json_response({"deliveries": deliveries})


def wait_for_webhooks(sim, request):
    timeout = request.json_or_empty().get("timeout", 10)
    if not isinstance(timeout, int | float) or timeout < 0:
        raise invalid({"timeout": "must be a non-negative number of seconds"})
    idle = sim.webhooks.wait_idle(min(float(timeout), MAX_WAIT_SECONDS))
    return json_response({"idle": idle})


def list_faults(sim, request):
    return json_response({"faults": sim.faults.list()})


def add_fault(sim, request):
    rule, errors = sim.faults.add(request.json())
    if errors:
        raise invalid(errors)
    return json_response(rule, 201)


def clear_faults(sim, request):
    sim.faults.clear()
    return json_response({"faults": []})


def list_calls(sim, request):
    route = request.query.get("route")
    calls = [c for c in sim.recorded_calls() if route is None or c["route"] == route]
    return json_response({"calls": calls})


def clear_calls(sim, request):
    sim.clear_calls()
    return json_response({"calls": []})
