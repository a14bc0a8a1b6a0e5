"""Organization Connect: consent page, code exchange, refresh, expiry and revocation."""

import re
from urllib.parse import parse_qs, urlsplit

from simulator_helpers import api_headers

REDIRECT = "http://127.0.0.1:8069/cronofy/oauth/callback"


def _authorize_via_page(
    sim, http, client_id, state="signed-state", decision="allow", redirect_uri=REDIRECT
):
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "organizational_unit_scheduler",
        "state": state,
    }
    page = http.get(f"{sim.base_url}/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    assert "id='cronofy-sim-consent-allow'" in page.text
    ou_id = re.search(r"<option value='([^']+)'", page.text).group(1)
    answer = http.post(
        f"{sim.base_url}/oauth/authorize",
        data=dict(params, ou_id=ou_id, decision=decision),
        allow_redirects=False,
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(redirect_uri + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _exchange(sim, http, demo, code, redirect_uri=REDIRECT, secret=None):
    return http.post(
        f"{sim.base_url}/oauth/token",
        json={
            "client_id": demo["client_id"],
            "client_secret": secret or demo["client_secret"],
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
        },
    )


def _create(sim, http, token):
    return http.post(
        f"{sim.base_url}/v1/scheduling_requests",
        json={
            "template": {"sub": "sgr_demo_interview_30"},
            "recipients": [{"email": "a@example.com", "slot_selector": True}],
        },
        headers=api_headers(token),
    )


def test_code_flow_gives_a_token_that_creates_requests(sim, demo, http):
    query = _authorize_via_page(sim, http, demo["client_id"])
    assert query["state"] == "signed-state"
    response = _exchange(sim, http, demo, query["code"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = response.json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 3600
    assert token["scope"] == "organizational_unit_scheduler"
    assert token["refresh_token"]
    assert _create(sim, http, token["access_token"]).status_code == 200


def test_deny_and_bad_authorize_requests(sim, demo, http):
    query = _authorize_via_page(sim, http, demo["client_id"], decision="deny")
    assert query == {"error": "access_denied", "state": "signed-state"}
    unknown = http.get(
        f"{sim.base_url}/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": "nope",
            "redirect_uri": REDIRECT,
            "scope": "organizational_unit_scheduler",
        },
    )
    assert unknown.status_code == 400
    sim.admin.update_application("app_demo", redirect_uris=[REDIRECT])
    unregistered = http.get(
        f"{sim.base_url}/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": demo["client_id"],
            "redirect_uri": "http://evil.example/cb",
            "scope": "organizational_unit_scheduler",
        },
        allow_redirects=False,
    )
    assert unregistered.status_code == 400  # shown, never redirected to an unverified URI
    bad_scope = http.get(
        f"{sim.base_url}/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": demo["client_id"],
            "redirect_uri": REDIRECT,
            "scope": "read_events",
            "state": "s",
        },
        allow_redirects=False,
    )
    assert bad_scope.status_code == 302
    assert "error=invalid_scope" in bad_scope.headers["Location"]


def test_reused_code_wrong_client_and_bad_redirect(sim, demo, http):
    code = sim.admin.authorize(demo["client_id"], REDIRECT, state="x")["code"]
    wrong_secret = _exchange(sim, http, demo, code, secret="CRN_wrong")
    assert wrong_secret.status_code == 400
    assert wrong_secret.json()["error"] == "invalid_client"
    bad_redirect = _exchange(sim, http, demo, code, redirect_uri="http://127.0.0.1/other")
    assert bad_redirect.status_code == 400
    assert bad_redirect.json()["error"] == "invalid_grant"
    first = _exchange(sim, http, demo, code)
    assert first.status_code == 200
    reused = _exchange(sim, http, demo, code)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    # Replaying a code revokes what it granted.
    assert _create(sim, http, first.json()["access_token"]).status_code == 401


def test_expired_token_refresh_and_revoke(sim, demo, http):
    code = sim.admin.authorize(demo["client_id"], REDIRECT)["code"]
    token = _exchange(sim, http, demo, code).json()
    sim.admin.expire_tokens(token["access_token"])
    assert _create(sim, http, token["access_token"]).status_code == 401
    (listed,) = sim.admin.tokens()
    assert listed["expired"] is True
    refreshed = http.post(
        f"{sim.base_url}/oauth/token",
        data={
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
        },
    )
    assert refreshed.status_code == 200
    fresh = refreshed.json()
    assert fresh["refresh_token"] == token["refresh_token"]
    assert fresh["access_token"] != token["access_token"]
    assert _create(sim, http, fresh["access_token"]).status_code == 200
    revoke = http.post(
        f"{sim.base_url}/oauth/token/revoke",
        json={
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "token": token["refresh_token"],
        },
    )
    assert revoke.status_code == 200
    assert _create(sim, http, fresh["access_token"]).status_code == 401
    again = http.post(
        f"{sim.base_url}/oauth/token",
        json={
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
        },
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_token_scoped_to_the_chosen_ou(sim, demo, http):
    other = sim.admin.create_organizational_unit(name="Globex")
    code = sim.admin.authorize(demo["client_id"], REDIRECT, ou_id=other["id"])["code"]
    token = _exchange(sim, http, demo, code).json()
    assert token["sub"] == other["id"]
    # The demo template belongs to the demo OU, not to Globex.
    response = _create(sim, http, token["access_token"])
    assert response.status_code == 422
    assert response.json()["errors"]["template.sub"][0]["key"] == "errors.not_found"
