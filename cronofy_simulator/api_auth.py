"""Who is calling the Scheduler API, and may they?

``Authorization: Bearer`` carries either an Organization Connect access token (scope
``organizational_unit_scheduler``) or an Internal Application's client secret [C contract §4.1].
After authentication each call counts against the application's rate limits.
"""

from .clock import now as clock_now
from .web import HttpError, empty_response

SCHEDULER_SCOPE = "organizational_unit_scheduler"


def _unauthorized():
    # [U] Cronofy's 401 body; an empty body with the standard bearer challenge.
    return HttpError(empty_response(401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}))


def bearer_token(request):
    header = request.header("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(sim, request):
    """Return {"application_id", "ou_id", "via"} or raise 401/403/429."""
    token = bearer_token(request)
    if token is None:
        raise _unauthorized()
    principal = None
    with sim.store.read() as data:
        access = data["oauth_tokens"].get(token)
        if access is not None:
            grant = data["oauth_grants"].get(access["grant_id"])
            if access["revoked"] or grant is None or grant["revoked"]:
                raise _unauthorized()
            if access["expires_at"] <= clock_now(data):
                raise _unauthorized()
            if SCHEDULER_SCOPE not in grant["scope"].split():
                raise HttpError(empty_response(403))
            principal = {
                "application_id": grant["application_id"],
                "ou_id": grant["ou_id"],
                "via": "access_token",
            }
        else:
            for application in data["applications"].values():
                if any(s["secret"] == token and s["active"] for s in application["client_secrets"]):
                    principal = {
                        "application_id": application["id"],
                        "ou_id": application["ou_id"],
                        "via": "client_secret",
                    }
                    break
    if principal is None:
        raise _unauthorized()
    enforce_rate_limit(sim, principal["application_id"])
    request.application_id = principal["application_id"]
    return principal


def enforce_rate_limit(sim, application_id):
    retry_after = sim.rate_limiter.hit(application_id)
    if retry_after is not None:
        # [U] Cronofy documents the 429 but not its headers; Retry-After in whole seconds.
        raise HttpError(empty_response(429, {"Retry-After": str(retry_after)}))
