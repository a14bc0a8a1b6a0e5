"""Embed token checks (sign-up page and element endpoints), sign-up linking, CORS, the JS module."""

import re
import time
import uuid

import jwt
import pytest


def _token(demo, **overrides):
    now = int(time.time())
    claims = {
        "iss": demo["embed_key"],
        "iat": now,
        "exp": now + 4 * 3600,
        "aud": "scheduler_embed",
        "jti": str(uuid.uuid4()),
        "tenant_id": "db-uuid-1/company-1",
        "tenant_name": "Globex & <Co>",
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, overrides.pop("key", demo["embed_secret"]), algorithm="HS256")


def _sign_up_page(sim, http, token):
    return http.get(
        f"{sim.base_url}/sign_up", params={"style": "embedded", "embedded_authtoken": token}
    )


def test_good_token_shows_sign_up_form_with_escaped_tenant_name(sim, demo, http):
    page = _sign_up_page(sim, http, _token(demo))
    assert page.status_code == 200
    assert "id='cronofy-sim-signup'" in page.text
    assert "Globex &amp; &lt;Co&gt;" in page.text
    assert "<Co>" not in page.text


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"key": "ESK_not_the_right_secret_at_all_000000000"}, "bad_signature"),
        ({"aud": "scheduler_embed_booking_page"}, "wrong_audience"),
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"iat": int(time.time()) + 3600, "exp": int(time.time()) + 7200}, "issued_in_future"),
        ({"iss": "EMB_unknown"}, "unknown_issuer"),
        ({"exp": int(time.time()) + 10 * 24 * 3600}, "lifetime_too_long"),
    ],
)
def test_bad_tokens_get_a_clear_error_page(sim, demo, http, overrides, reason):
    key = overrides.pop("key", None)
    claims_token = (
        _token(demo, **overrides)
        if key is None
        else jwt.encode(
            {
                "iss": demo["embed_key"],
                "iat": int(time.time()),
                "exp": int(time.time()) + 60,
                "aud": "scheduler_embed",
            },
            key,
            algorithm="HS256",
        )
    )
    page = _sign_up_page(sim, http, claims_token)
    assert page.status_code == 401
    assert page.headers["X-Cronofy-Sim-Error"] == reason
    assert "id='cronofy-sim-error-title'" in page.text
    assert "id='cronofy-sim-signup'" not in page.text


def test_garbage_token_and_missing_token(sim, demo, http):
    assert _sign_up_page(sim, http, "not.a.jwt").headers["X-Cronofy-Sim-Error"] == "malformed"
    page = http.get(f"{sim.base_url}/sign_up")
    assert page.status_code == 401


def test_sign_up_links_tenant_then_embed_creates_requests(sim, demo, http, receiver):
    token = _token(demo)
    context = http.get(
        f"{sim.base_url}/embed/v1/context", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert context["organizational_unit"] is None
    assert "/sign_up?style=embedded&embedded_authtoken=" in context["sign_up_url"]

    done = http.post(
        f"{sim.base_url}/sign_up",
        data={
            "embedded_authtoken": token,
            "ou_name": "Globex Hiring",
            "name": "Rita Recruiter",
            "email": "rita@globex.example",
            "tzid": "Europe/Paris",
        },
    )
    assert done.status_code == 200
    assert "cronofy-sim-signup-done" in done.text
    (unit,) = [u for u in sim.admin.organizational_units() if u["name"] == "Globex Hiring"]
    assert unit["tenant_ids"] == ["db-uuid-1/company-1"]
    # A colleague with the same tenant joins the same OU.
    join_page = _sign_up_page(sim, http, _token(demo))
    assert "cronofy-sim-signup-join" in join_page.text

    context = http.get(
        f"{sim.base_url}/embed/v1/context", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert context["organizational_unit"]["id"] == unit["id"]
    (host,) = context["hosts"]

    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    created = http.post(
        f"{sim.base_url}/embed/v1/scheduling_requests",
        headers={"Authorization": f"Bearer {token}", "Origin": "http://127.0.0.1:8069"},
        json={
            "correlation_id": "hr.applicant:7",
            "host_sub": host["sub"],
            "recipient": {"email": "cand@example.com", "display_name": "Cand"},
            "event": {"summary": "Interview", "duration": {"minutes": 45}},
        },
    )
    assert created.status_code == 200, created.text
    assert created.headers["Access-Control-Allow-Origin"] == "*"
    request = created.json()["scheduling_request"]
    assert request["event"]["metadata"]["scheduler"]["correlation_id"] == "hr.applicant:7"
    assert set(request["recipient_operations"]) == {"view_url"}  # pending: no other links yet
    stored = sim.admin.scheduling_request(request["scheduling_request_id"])
    assert stored["_sim"]["created_via"] == "embed"
    assert stored["_sim"]["organizational_unit_id"] == unit["id"]
    sim.admin.choose(request["scheduling_request_id"])
    (delivery,) = receiver.wait_for(1)
    assert b'"correlation_id": "hr.applicant:7"' in delivery["body"]


def test_embed_create_refuses_bad_tokens_and_unlinked_tenants(sim, demo, http):
    url = f"{sim.base_url}/embed/v1/scheduling_requests"
    body = {
        "host_sub": "acc_demo_alex",
        "recipient": {"email": "c@example.com"},
        "event": {"summary": "S", "duration": {"minutes": 30}},
    }
    wrong_aud = http.post(
        url, json=body, headers={"Authorization": f"Bearer {_token(demo, aud='other')}"}
    )
    assert wrong_aud.status_code == 401
    assert wrong_aud.json()["error"] == "wrong_audience"
    unlinked = http.post(url, json=body, headers={"Authorization": f"Bearer {_token(demo)}"})
    assert unlinked.status_code == 403
    assert unlinked.json()["error"] == "sign_up_required"
    # Without tenant_id the application's own OU is used.
    ok = http.post(
        url, json=body, headers={"Authorization": f"Bearer {_token(demo, tenant_id=None)}"}
    )
    assert ok.status_code == 200
    invalid = http.post(
        url,
        json={"host_sub": "acc_x"},
        headers={"Authorization": f"Bearer {_token(demo, tenant_id=None)}"},
    )
    assert invalid.status_code == 422
    assert {"recipient.email", "event.summary", "host_sub"} <= set(invalid.json()["errors"])


def test_cors_preflight_and_script(sim, http):
    preflight = http.options(
        f"{sim.base_url}/embed/v1/scheduling_requests",
        headers={
            "Origin": "http://127.0.0.1:8069",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    script = http.get(f"{sim.base_url}/embed/scheduler-embed.js")
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert script.headers["Access-Control-Allow-Origin"] == "*"
    assert 'customElements.define("cronofy-scheduler-button"' in script.text
    assert '"cronofyschedulerrequestcreated"' in script.text
    for attribute in (
        "embed-token",
        "correlation-id",
        "recipient-email",
        "recipient-name",
        "event-summary",
        "event-duration-minutes",
    ):
        assert f'"{attribute}"' in script.text
    assert re.search(r"bubbles:\s*true,\s*composed:\s*true", script.text)
    assert "innerHTML" not in script.text
