"""The embed element and the endpoints it calls from the recruiter's browser.

``GET /embed/scheduler-embed.js`` is an ES module that defines ``<cronofy-scheduler-button>``.
It talks back to its own origin (CORS open, see app.py) with the embed token as bearer:

- ``GET /embed/v1/context``: who the token is for (OU, hosts) or why it is refused.
- ``POST /embed/v1/scheduling_requests``: create a request; the answer is the same
  ``{"scheduling_request": {...}}`` as the Scheduler API and becomes the DOM event's detail.
"""

from pathlib import Path

from . import embed_token, scheduling
from .api_auth import bearer_token, enforce_rate_limit
from .clock import now as clock_now
from .request_spec import MAX_DURATION_MINUTES
from .web import HttpError, Response, field_error, json_response, validation_error


def register(router, sim):
    router.add("GET", "/embed/scheduler-embed.js", "embed.script", lambda r: script(sim, r))
    router.add("GET", "/embed/v1/context", "embed.context", lambda r: context(sim, r))
    router.add("POST", "/embed/v1/scheduling_requests", "embed.create", lambda r: create(sim, r))


def script(sim, request):
    source = (Path(__file__).parent / "static" / "scheduler-embed.js").read_bytes()
    return Response(
        200,
        source,
        {"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache"},
    )


def _verified(sim, request, data):
    try:
        return embed_token.verify(
            data, bearer_token(request), embed_token.BUTTON_AUDIENCE, sim.config
        )
    except embed_token.EmbedTokenError as error:
        raise HttpError(
            json_response({"error": error.reason, "message": error.message}, 401)
        ) from None


def _sign_up_url(sim, request):
    return f"{sim.base_url}/sign_up?style=embedded&embedded_authtoken={bearer_token(request)}"


def context(sim, request):
    with sim.store.read() as data:
        application, claims = _verified(sim, request, data)
        unit = embed_token.tenant_ou(data, application, claims)
        hosts = []
        if unit is not None:
            hosts = [
                {"sub": h["sub"], "name": h["name"], "email": h["email"], "tzid": h["tzid"]}
                for h in data["hosts"].values()
                if h["ou_id"] == unit["id"]
            ]
        answer = {
            "application": {"name": application["name"]},
            "organizational_unit": {"id": unit["id"], "name": unit["name"]} if unit else None,
            "hosts": sorted(hosts, key=lambda h: h["name"]),
            "sign_up_url": _sign_up_url(sim, request),
        }
    return json_response(answer)


def create(sim, request):
    body = request.json()
    with sim.store.write() as data:
        application, claims = _verified(sim, request, data)
        enforce_rate_limit(sim, application["id"])
        request.application_id = application["id"]
        unit = embed_token.tenant_ou(data, application, claims)
        if unit is None:
            raise HttpError(
                json_response(
                    {
                        "error": "sign_up_required",
                        "message": "This workspace is not linked to a Cronofy organization yet.",
                        "sign_up_url": _sign_up_url(sim, request),
                    },
                    403,
                )
            )
        errors = {}
        recipient = body.get("recipient") if isinstance(body.get("recipient"), dict) else {}
        email = recipient.get("email")
        if not isinstance(email, str) or "@" not in email:
            errors["recipient.email"] = field_error("required", "an email address is required")
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        summary = event.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            errors["event.summary"] = field_error("required", "required")
        duration = event.get("duration") if isinstance(event.get("duration"), dict) else {}
        minutes = duration.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            errors["event.duration.minutes"] = field_error("required", "required")
        elif not 1 <= minutes <= MAX_DURATION_MINUTES:
            errors["event.duration.minutes"] = field_error("invalid", "out of range")
        host_sub = body.get("host_sub")
        host = data["hosts"].get(host_sub) if isinstance(host_sub, str) else None
        if host is None or host["ou_id"] != unit["id"]:
            errors["host_sub"] = field_error("not_found", "pick a host of the organization")
        correlation_id = body.get("correlation_id")
        if correlation_id is not None and not isinstance(correlation_id, str):
            errors["correlation_id"] = field_error("invalid", "must be a string")
        if errors:
            raise validation_error(errors)
        name = recipient.get("display_name")
        record = scheduling.create_request(
            sim,
            data,
            application_id=application["id"],
            ou_id=unit["id"],
            created_via="embed",
            created_with="embed_token",
            summary=summary.strip(),
            duration_minutes=minutes,
            host_subs=[host_sub],
            recipients=[
                {
                    "email": email,
                    "display_name": name if isinstance(name, str) and name else None,
                    "slot_selector": True,
                }
            ],
            metadata={"correlation_id": correlation_id} if correlation_id else None,
            now=clock_now(data),
        )
        result = scheduling.view(sim.base_url, record)
    return json_response({"scheduling_request": result})
