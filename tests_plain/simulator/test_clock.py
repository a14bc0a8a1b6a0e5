"""The simulated clock (``/_sim/clock``): business time moves, rate limits and retries do not."""

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from simulator_helpers import (
    api_headers,
    create_from_template,
    exchange_code,
    organization_connect_grant,
)

from cronofy_simulator import SimulatorAdminError, SimulatorServer

REDIRECT = "http://127.0.0.1:8069/cronofy/oauth/callback"


def _instant(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _query(sim, http, token, request_id="srq_none"):
    return http.post(
        f"{sim.base_url}/v1/scheduling_requests/query",
        json={"scheduling_request_ids": [request_id]},
        headers=api_headers(token),
    )


def test_clock_starts_at_real_time_and_moves(sim):
    clock = sim.admin.clock()
    assert clock["offset_seconds"] == 0
    assert abs(_instant(clock["now"]) - datetime.now(UTC)) < timedelta(seconds=5)

    moved = sim.admin.advance_clock(7200)
    assert moved["offset_seconds"] == 7200
    assert abs(_instant(moved["now"]) - datetime.now(UTC) - timedelta(hours=2)) < timedelta(
        seconds=5
    )
    assert sim.admin.advance_clock(-3600)["offset_seconds"] == 3600

    fixed = sim.admin.set_clock("2030-01-01T09:00:00Z")
    assert abs(_instant(fixed["now"]) - datetime(2030, 1, 1, 9, tzinfo=UTC)) < timedelta(seconds=5)
    assert sim.admin.clock()["now"].startswith("2030-01-01T09:00")

    assert sim.admin.reset_clock()["offset_seconds"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"advance_seconds": 1, "reset": True},
        {"advance_seconds": "60"},
        {"advance_seconds": True},
        {"advance_seconds": 1e12},
        {"set": "tomorrow"},
        {"set": "2030-01-01T09:00:00"},  # no zone
        {"set": "2300-01-01T00:00:00Z"},
        {"reset": False},
        {"advance_seconds": 1, "speed": 2},
    ],
)
def test_bad_clock_moves_are_refused_without_effect(sim, http, body):
    answer = http.post(f"{sim.base_url}/_sim/clock", json=body)
    assert answer.status_code == 422, answer.text
    assert "errors" in answer.json()
    assert sim.admin.clock()["offset_seconds"] == 0


def test_reset_puts_the_clock_back(sim):
    sim.admin.advance_clock(86400)
    sim.admin.reset()
    assert sim.admin.clock()["offset_seconds"] == 0


def test_advancing_two_hours_expires_an_access_token(sim, demo, http):
    token = organization_connect_grant(http, sim, demo)
    assert _query(sim, http, token["access_token"]).status_code == 200

    sim.admin.advance_clock(2 * 3600)
    assert _query(sim, http, token["access_token"]).status_code == 401
    assert [t["expired"] for t in sim.admin.tokens()] == [True]

    refreshed = http.post(
        f"{sim.base_url}/oauth/token",
        json={
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
        },
    ).json()
    assert _query(sim, http, refreshed["access_token"]).status_code == 200
    # The new token's expiry is counted from the simulated now, not the real one.
    newest = next(t for t in sim.admin.tokens() if t["access_token"] == refreshed["access_token"])
    assert _instant(newest["expires_at"]) - datetime.now(UTC) > timedelta(hours=2, minutes=50)


def test_client_secrets_do_not_expire_with_the_clock(sim, demo, http):
    sim.admin.advance_clock(365 * 86400)
    assert _query(sim, http, demo["client_secret"]).status_code == 200


def test_authorization_codes_expire_with_the_clock(sim, demo, http):
    code = sim.admin.authorize(demo["client_id"], REDIRECT)["code"]
    sim.admin.advance_clock(601)
    answer = exchange_code(http, sim, demo, code, REDIRECT)
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "invalid_grant",
        "error_description": "authorization code expired",
    }


def _embed_token(demo, lifetime=3600):
    now = int(time.time())
    claims = {
        "iss": demo["embed_key"],
        "aud": "scheduler_embed",
        "iat": now,
        "exp": now + lifetime,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, demo["embed_secret"], algorithm="HS256")


def _sign_up_refusal(sim, http, token):
    page = http.get(
        f"{sim.base_url}/sign_up", params={"style": "embedded", "embedded_authtoken": token}
    )
    return page.headers.get("X-Cronofy-Sim-Error") if page.status_code != 200 else None


def test_embed_token_times_follow_the_clock(sim, demo, http):
    token = _embed_token(demo)
    assert _sign_up_refusal(sim, http, token) is None
    sim.admin.advance_clock(2 * 3600)
    assert _sign_up_refusal(sim, http, token) == "expired"
    sim.admin.advance_clock(-4 * 3600)
    assert _sign_up_refusal(sim, http, token) == "issued_in_future"
    sim.admin.reset_clock()
    not_yet = jwt.encode(
        {**jwt.decode(token, options={"verify_signature": False}), "nbf": time.time() + 600},
        demo["embed_secret"],
        algorithm="HS256",
    )
    assert _sign_up_refusal(sim, http, not_yet) == "not_yet_valid"
    sim.admin.advance_clock(600)
    assert _sign_up_refusal(sim, http, not_yet) is None


def test_slots_follow_the_clock(sim, demo, http):
    created = create_from_template(http, sim, demo["client_secret"])
    request_id = created["scheduling_request_id"]
    before = sim.admin.slots(request_id)
    assert before

    sim.admin.advance_clock(20 * 86400)  # past the whole 14-day window offered before
    now = _instant(sim.admin.clock()["now"])
    after = sim.admin.slots(request_id)
    assert after
    assert _instant(after[0]["start"]) >= now + timedelta(minutes=60)  # minimum notice
    assert _instant(after[0]["start"]) > _instant(before[-1]["start"])
    assert _instant(after[-1]["start"]) <= now + timedelta(days=15)  # days ahead

    # A slot offered before is in the simulated past now: choosing it is refused.
    with pytest.raises(SimulatorAdminError) as refused:
        sim.admin.choose(request_id, start=before[0]["start"])
    assert refused.value.status_code == 409
    chosen = sim.admin.choose(request_id)
    assert chosen["_sim"]["start"] == after[0]["start"]


def test_notifications_history_and_call_log_follow_the_clock(sim, http, receiver):
    demo = sim.admin.seed_demo(webhook_urls=[receiver.url])
    sim.admin.set_clock("2030-01-01T09:00:00Z")
    created = create_from_template(http, sim, demo["client_secret"])
    sim.admin.choose(created["scheduling_request_id"])
    assert sim.admin.wait_for_webhooks()

    body = receiver.wait_for(1)[0]["body"]
    triggered_at = json.loads(body)["notification"]["triggered_at"]
    assert triggered_at.startswith("2030-01-01T09:00")
    start = json.loads(body)["scheduling_request"]["event"]["start"]["time"]
    assert start.startswith("2030-01-0")  # first free slot after the simulated now

    stored = sim.admin.scheduling_request(created["scheduling_request_id"])
    assert [h["at"][:16] for h in stored["_sim"]["history"]] == ["2030-01-01T09:00"] * 2
    delivery = sim.admin.deliveries(created["scheduling_request_id"])[0]
    assert delivery["created_at"].startswith("2030-01-01T09:00")
    assert delivery["attempts"][0]["at"].startswith("2030-01-01T09:00")
    assert all(c["at"].startswith("2030-01-01T09:00") for c in sim.admin.calls())


def test_rate_limit_windows_ignore_the_clock(sim, demo, http):
    sim.admin.configure(rate_limit_per_second=0, rate_limit_per_minute=2)
    assert _query(sim, http, demo["client_secret"]).status_code == 200
    assert _query(sim, http, demo["client_secret"]).status_code == 200
    sim.admin.advance_clock(3600)
    limited = _query(sim, http, demo["client_secret"])
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 50


def test_clock_offset_survives_a_restart_with_a_state_file(tmp_path):
    state_file = str(tmp_path / "sim.sqlite")
    with SimulatorServer(port=0, state_file=state_file) as first:
        first.admin.advance_clock(3 * 86400)
    with SimulatorServer(port=0, state_file=state_file) as second:
        assert second.admin.clock()["offset_seconds"] == 3 * 86400
    with SimulatorServer(port=0) as memory_only:
        assert memory_only.admin.clock()["offset_seconds"] == 0
