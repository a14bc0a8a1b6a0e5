"""OAuth 2 Organization Connect: consent page, token endpoint and revocation (contract §5).

Authorize (browser, app host): ``GET /oauth/authorize`` shows a consent page where an OU admin
picks the Organizational Unit and allows or denies; the decision is ``POST``ed back and the
browser is redirected to ``redirect_uri`` with ``code`` and the caller's ``state`` (or ``error``).
Token (server, API host): ``POST /oauth/token`` (JSON or form), grant types
``authorization_code`` and ``refresh_token``. Revoke: ``POST /oauth/token/revoke``.
"""

from urllib.parse import urlencode, urlsplit

from .api_auth import SCHEDULER_SCOPE
from .clock import now as clock_now
from .html_pages import error_page, esc, hidden_inputs, page
from .ids import new_secret
from .web import HttpError, Response, empty_response, json_response

AUTHORIZE_FIELDS = ("response_type", "client_id", "redirect_uri", "scope", "state")


def register(router, sim):
    router.add("GET", "/oauth/authorize", "oauth.authorize", lambda r: authorize_page(sim, r))
    router.add("POST", "/oauth/authorize", "oauth.authorize", lambda r: authorize_decision(sim, r))
    router.add("POST", "/oauth/token", "oauth.token", lambda r: token(sim, r))
    router.add("POST", "/oauth/token/revoke", "oauth.revoke", lambda r: revoke(sim, r))


# -- authorize ---------------------------------------------------------------------------------


def redirect_to(redirect_uri, params):
    separator = "&" if urlsplit(redirect_uri).query else "?"
    location = redirect_uri + separator + urlencode({k: v for k, v in params.items() if v})
    return Response(302, b"", {"Location": location, "Cache-Control": "no-store"})


def check_authorize(sim, data, params):
    """Validate an authorize request. Errors that make redirect_uri untrustworthy are shown as a
    page (never redirected, per RFC 6749 §4.1.2.1); the others go back to the client."""
    application = _application_by_client_id(data, params.get("client_id"))
    if application is None:
        raise HttpError(error_page("Unknown application", "The client_id is not recognised.", 400))
    redirect_uri = params.get("redirect_uri") or ""
    if not redirect_uri.startswith(("http://", "https://")):
        raise HttpError(error_page("Invalid redirect_uri", "A redirect_uri is required.", 400))
    registered = application.get("redirect_uris") or []
    if registered and redirect_uri.split("?")[0] not in registered:
        raise HttpError(
            error_page(
                "Invalid redirect_uri",
                "The redirect_uri is not registered for this application.",
                400,
            )
        )
    state = params.get("state")
    if params.get("response_type") != "code":
        raise HttpError(
            redirect_to(redirect_uri, {"error": "unsupported_response_type", "state": state})
        )
    if SCHEDULER_SCOPE not in (params.get("scope") or "").split():
        # [U] only Organization Connect is simulated.
        raise HttpError(redirect_to(redirect_uri, {"error": "invalid_scope", "state": state}))
    return application


def _application_by_client_id(data, client_id):
    if not client_id:
        return None
    for application in data["applications"].values():
        if application["client_id"] == client_id:
            return application
    return None


def authorize_page(sim, request):
    params = {k: request.query.get(k) for k in AUTHORIZE_FIELDS}
    with sim.store.read() as data:
        application = check_authorize(sim, data, params)
        units = sorted(data["organizational_units"].values(), key=lambda u: u["name"])
    if not units:
        return error_page("No organizational unit", "Create one through the admin API first.", 409)
    preselect = request.query.get("ou_id")
    options = "".join(
        f"<option value='{esc(u['id'])}'{' selected' if u['id'] == preselect else ''}>"
        f"{esc(u['name'])}</option>"
        for u in units
    )
    body = (
        f"<h1>Connect {esc(application['name'])} to your organization</h1>"
        f"<p><strong>{esc(application['name'])}</strong> asks to create and manage scheduling "
        "requests for an Organizational Unit (scope "
        f"<code>{esc(params['scope'])}</code>).</p>"
        "<form method='post' action='/oauth/authorize' id='cronofy-sim-consent'>"
        f"{hidden_inputs(params)}"
        "<label for='cronofy-sim-ou'>Organizational Unit</label>"
        f"<select id='cronofy-sim-ou' name='ou_id'>{options}</select><p>"
        "<button type='submit' name='decision' value='allow' id='cronofy-sim-consent-allow'>"
        "Allow</button> "
        "<button type='submit' name='decision' value='deny' class='secondary' "
        "id='cronofy-sim-consent-deny'>Deny</button></p></form>"
    )
    return page("Authorize application", body)


def authorize_decision(sim, request):
    form = request.form()
    params = {k: form.get(k) for k in AUTHORIZE_FIELDS}
    with sim.store.write() as data:
        application = check_authorize(sim, data, params)
        if form.get("decision") != "allow":
            return redirect_to(
                params["redirect_uri"], {"error": "access_denied", "state": params["state"]}
            )
        ou_id = form.get("ou_id")
        if ou_id not in data["organizational_units"]:
            return error_page("Unknown organizational unit", "Pick one from the list.", 400)
        code = issue_code(sim, data, application, params["redirect_uri"], params["scope"], ou_id)
    return redirect_to(params["redirect_uri"], {"code": code, "state": params["state"]})


def issue_code(sim, data, application, redirect_uri, scope, ou_id):
    code = new_secret(length=24)
    data["oauth_codes"][code] = {
        "code": code,
        "application_id": application["id"],
        "redirect_uri": redirect_uri,
        "scope": scope,
        "ou_id": ou_id,
        "expires_at": clock_now(data) + sim.config.authorization_code_ttl,
        "used": False,
        "grant_id": None,
    }
    return code


# -- token -------------------------------------------------------------------------------------


def _token_error(error, description, status=400):
    # [U] RFC 6749 error body; Cronofy's exact 400 body is undocumented.
    return HttpError(
        json_response(
            {"error": error, "error_description": description},
            status,
            {"Cache-Control": "no-store", "Pragma": "no-cache"},
        )
    )


def _authenticate_client(data, params):
    application = _application_by_client_id(data, params.get("client_id"))
    secret = params.get("client_secret")
    if application is None or not any(
        s["secret"] == secret and s["active"] for s in application["client_secrets"]
    ):
        raise _token_error("invalid_client", "unknown client or wrong client secret")
    return application


def _issue_access_token(sim, data, grant):
    access_token = new_secret(length=32)
    data["oauth_tokens"][access_token] = {
        "access_token": access_token,
        "grant_id": grant["id"],
        "issued_at": clock_now(data),
        "expires_at": clock_now(data) + sim.config.access_token_ttl,
        "revoked": False,
    }
    return {
        "token_type": "bearer",
        "access_token": access_token,
        "expires_in": sim.config.access_token_ttl,
        "refresh_token": grant["refresh_token"],
        "scope": grant["scope"],
        "sub": grant["ou_id"],  # [U] whether/how the OU is identified in the response
    }


def _revoke_grant(data, grant):
    grant["revoked"] = True
    for access in data["oauth_tokens"].values():
        if access["grant_id"] == grant["id"]:
            access["revoked"] = True


def token(sim, request):
    params = request.params()
    with sim.store.write() as data:
        application = _authenticate_client(data, params)
        request.application_id = application["id"]
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            code = data["oauth_codes"].get(params.get("code") or "")
            if code is None or code["application_id"] != application["id"]:
                raise _token_error("invalid_grant", "unknown authorization code")
            if code["used"]:
                # A replayed code revokes what it granted (RFC 6749 §4.1.2) [U for Cronofy].
                grant = data["oauth_grants"].get(code["grant_id"])
                if grant:
                    _revoke_grant(data, grant)
                raise _token_error("invalid_grant", "authorization code already used")
            if code["expires_at"] <= clock_now(data):
                raise _token_error("invalid_grant", "authorization code expired")
            if params.get("redirect_uri") != code["redirect_uri"]:
                raise _token_error("invalid_grant", "redirect_uri does not match")
            grant = {
                "id": new_secret("grt_", 16),
                "application_id": application["id"],
                "ou_id": code["ou_id"],
                "scope": code["scope"],
                "refresh_token": new_secret(length=32),
                "revoked": False,
                "created_at": clock_now(data),
            }
            data["oauth_grants"][grant["id"]] = grant
            code["used"] = True
            code["grant_id"] = grant["id"]
        elif grant_type == "refresh_token":
            grant = next(
                (
                    g
                    for g in data["oauth_grants"].values()
                    if g["refresh_token"] == params.get("refresh_token")
                    and g["application_id"] == application["id"]
                ),
                None,
            )
            if grant is None or grant["revoked"]:
                raise _token_error("invalid_grant", "unknown or revoked refresh token")
        else:
            raise _token_error("unsupported_grant_type", "use authorization_code or refresh_token")
        answer = _issue_access_token(sim, data, grant)
    return json_response(answer, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def revoke(sim, request):
    """Revoking either token revokes the whole grant [U]; unknown tokens are ignored (RFC 7009)."""
    params = request.params()
    with sim.store.write() as data:
        application = _authenticate_client(data, params)
        request.application_id = application["id"]
        value = params.get("token")
        grant = None
        access = data["oauth_tokens"].get(value or "")
        if access is not None:
            grant = data["oauth_grants"].get(access["grant_id"])
        else:
            grant = next(
                (g for g in data["oauth_grants"].values() if g["refresh_token"] == value), None
            )
        if grant is not None and grant["application_id"] == application["id"]:
            _revoke_grant(data, grant)
    return empty_response(200)
