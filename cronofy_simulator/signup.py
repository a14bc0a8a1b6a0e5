"""Embedded sign-up: ``/sign_up?style=embedded&embedded_authtoken=<JWT>`` (contract §1.5, §2).

The URL itself is a guess [U]. A valid token (audience ``scheduler_embed`` [U]) shows a form;
submitting it creates the user's account (a host with default working hours) and either joins the
OU already linked to the token's ``tenant_id`` or creates a new OU linked to it. Any problem with
the token gives a clear error page, never a half-made OU.
"""

from . import embed_token
from .availability import DEFAULT_WORKING_HOURS, validate_tzid
from .clock import now as clock_now
from .html_pages import error_page, esc, hidden_inputs, page
from .ids import new_id


def register(router, sim):
    router.add("GET", "/sign_up", "sign_up", lambda r: sign_up_page(sim, r))
    router.add("POST", "/sign_up", "sign_up", lambda r: sign_up_submit(sim, r))


def _verify(sim, data, token):
    try:
        return embed_token.verify(data, token, embed_token.BUTTON_AUDIENCE, sim.config), None
    except embed_token.EmbedTokenError as error:
        response = error_page("This sign-up link is not valid", error.message, 401)
        response.headers["X-Cronofy-Sim-Error"] = error.reason
        return None, response


def sign_up_page(sim, request):
    token = request.query.get("embedded_authtoken")
    with sim.store.read() as data:
        verified, refusal = _verify(sim, data, token)
        if refusal:
            return refusal
        application, claims = verified
        unit = embed_token.tenant_ou(data, application, claims) if claims.get("tenant_id") else None
    if unit is not None:
        intro = (
            f"<p id='cronofy-sim-signup-join'>Your workspace is already connected to "
            f"<strong>{esc(unit['name'])}</strong>. Create your account to join it.</p>"
        )
        ou_field = ""
    else:
        default_name = claims.get("tenant_name") or application["name"]
        intro = (
            "<p>Create your Cronofy account and a new organization for "
            f"<strong>{esc(application['name'])}</strong>.</p>"
        )
        ou_field = (
            "<label for='cronofy-sim-ou-name'>Organization name</label>"
            f"<input id='cronofy-sim-ou-name' name='ou_name' value='{esc(default_name)}'>"
        )
    body = (
        "<h1>Sign up to Cronofy</h1>"
        f"{intro}"
        "<form method='post' action='/sign_up' id='cronofy-sim-signup'>"
        f"{hidden_inputs({'embedded_authtoken': token})}{ou_field}"
        "<label for='cronofy-sim-name'>Your name</label>"
        "<input id='cronofy-sim-name' name='name' required>"
        "<label for='cronofy-sim-email'>Your email</label>"
        "<input id='cronofy-sim-email' name='email' type='email' required>"
        "<label for='cronofy-sim-tzid'>Time zone</label>"
        "<input id='cronofy-sim-tzid' name='tzid' value='Europe/London'>"
        "<p><button type='submit' id='cronofy-sim-signup-submit'>Create account</button></p>"
        "</form>"
    )
    return page("Sign up to Cronofy", body)


def sign_up_submit(sim, request):
    form = request.form()
    name = (form.get("name") or "").strip()
    email = (form.get("email") or "").strip()
    tzid = (form.get("tzid") or "Europe/London").strip()
    with sim.store.write() as data:
        verified, refusal = _verify(sim, data, form.get("embedded_authtoken"))
        if refusal:
            return refusal
        application, claims = verified
        if not name or "@" not in email:
            return error_page("Missing details", "A name and an email address are needed.", 422)
        tz_problem = validate_tzid(tzid)
        if tz_problem:
            return error_page("Unknown time zone", tz_problem, 422)
        tenant_id = claims.get("tenant_id")
        unit = embed_token.tenant_ou(data, application, claims) if tenant_id else None
        created = unit is None
        if created:
            unit = {
                "id": new_id("ou_"),
                "name": (form.get("ou_name") or "").strip()
                or claims.get("tenant_name")
                or application["name"],
                "tenant_ids": [str(tenant_id)] if tenant_id is not None else [],
                "tenant_name": claims.get("tenant_name"),
                "created_at": clock_now(data),
                "created_via": "embedded_sign_up",
            }
            data["organizational_units"][unit["id"]] = unit
        host = {
            "sub": new_id("acc_"),
            "ou_id": unit["id"],
            "name": name,
            "email": email,
            "tzid": tzid,
            "working_hours": [dict(h) for h in DEFAULT_WORKING_HOURS],
        }
        data["hosts"][host["sub"]] = host
    verb = "created and linked to your workspace" if created else "joined"
    body = (
        "<h1 id='cronofy-sim-signup-done'>You are all set</h1>"
        f"<p>Organization <strong>{esc(unit['name'])}</strong> {verb}. "
        f"Your account <code>{esc(host['sub'])}</code> works "
        f"Monday&ndash;Friday 09:00&ndash;17:00 ({esc(tzid)}).</p>"
        "<p class='muted'>You can close this window and return to your application.</p>"
    )
    return page("Signed up", body)
