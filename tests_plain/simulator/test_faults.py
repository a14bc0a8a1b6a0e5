"""Fault injection on API routes and on webhook deliveries."""

import json
import time

import pytest
import requests
from simulator_helpers import api_headers, create_from_template, expected_signatures


def test_status_faults_hit_the_next_n_calls_only(sim, demo, http):
    sim.admin.add_fault("scheduling_requests.create", "status", count=2, status=503)
    url = f"{sim.base_url}/v1/scheduling_requests"
    body = {
        "template": {"sub": "sgr_demo_interview_30"},
        "recipients": [{"email": "a@example.com", "slot_selector": True}],
    }
    headers = api_headers(demo["client_secret"])
    assert [http.post(url, json=body, headers=headers).status_code for _ in range(3)] == [
        503,
        503,
        200,
    ]
    # A failed (faulted) create must not have created anything.
    assert len(sim.admin.scheduling_requests()) == 1
    (rule,) = sim.admin.faults()
    assert rule["triggered"] == 2 and rule["remaining"] == 0


def test_429_fault_with_retry_after_and_wildcard(sim, demo, http):
    sim.admin.add_fault("*", "status", status=429, retry_after=7)
    response = http.post(f"{sim.base_url}/oauth/token", json={})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert http.post(f"{sim.base_url}/oauth/token", json={}).status_code == 400


def test_hang_makes_the_client_time_out(sim, demo, http):
    sim.admin.add_fault("scheduling_requests.query", "hang", seconds=2)
    with pytest.raises(requests.Timeout):
        http.post(
            f"{sim.base_url}/v1/scheduling_requests/query",
            json={},
            headers=api_headers(demo["client_secret"]),
            timeout=0.3,
        )


def test_a_client_that_gave_up_is_not_reported_as_a_server_error(sim, demo, http, capfd):
    sim.admin.add_fault("scheduling_requests.query", "hang", seconds=0.3)
    with pytest.raises(requests.Timeout):
        http.post(
            f"{sim.base_url}/v1/scheduling_requests/query",
            json={},
            headers=api_headers(demo["client_secret"]),
            timeout=0.1,
        )
    time.sleep(0.6)  # the simulator answers the closed connection meanwhile
    assert "Traceback" not in capfd.readouterr().err
    assert sim.admin.health()["status"] == "ok"


def test_disconnect_closes_without_answer(sim, demo, http):
    sim.admin.add_fault("scheduling_requests.cancel", "disconnect")
    with pytest.raises(requests.ConnectionError):
        http.post(
            f"{sim.base_url}/v1/scheduling_requests/cancel",
            json={},
            headers=api_headers(demo["client_secret"]),
        )


def test_bad_fault_specs_are_refused(sim):
    response = requests.post(
        f"{sim.base_url}/_sim/faults",
        json={"target": "webhook", "fault": "status", "status": 500},
        timeout=10,
    )
    assert response.status_code == 422
    assert "fault" in response.json()["errors"]


def _setup(sim, demo, http, receiver, count=1):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    return [
        create_from_template(http, sim, demo["client_secret"])["scheduling_request_id"]
        for _ in range(count)
    ]


def test_webhook_drop_and_duplicate(sim, demo, http, receiver):
    first, second = _setup(sim, demo, http, receiver, count=2)
    sim.admin.add_fault("webhook", "drop")
    sim.admin.choose(first)
    sim.admin.add_fault("webhook", "duplicate")
    sim.admin.choose(second)
    assert sim.admin.wait_for_webhooks(5)
    received = receiver.wait_for(2)
    assert [
        json.loads(r["body"])["scheduling_request"]["scheduling_request_id"] for r in received
    ] == [second, second]
    assert received[0]["body"] == received[1]["body"]
    statuses = sorted(d["status"] for d in sim.admin.deliveries())
    assert statuses == ["delivered", "delivered", "dropped"]


def test_webhook_out_of_order(sim, demo, http, receiver):
    (request_id,) = _setup(sim, demo, http, receiver)
    sim.admin.add_fault("webhook", "out_of_order", seconds=0.3)
    sim.admin.choose(request_id)
    sim.admin.decline(request_id)
    assert sim.admin.wait_for_webhooks(5)
    types = [json.loads(r["body"])["notification"]["type"] for r in receiver.wait_for(2)]
    assert types == ["scheduling_request_declined", "scheduling_request_time_chosen"]


def test_webhook_invalid_signature(sim, demo, http, receiver):
    (request_id,) = _setup(sim, demo, http, receiver)
    sim.admin.add_fault("webhook", "invalid_signature")
    sim.admin.choose(request_id)
    (delivery,) = receiver.wait_for(1)
    header = delivery["headers"]["Cronofy-HMAC-SHA256"]
    assert header and header not in expected_signatures(delivery["body"], [demo["client_secret"]])
