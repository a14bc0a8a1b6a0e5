"""Helpers shared by the simulator tests (imported through conftest's sys.path entry)."""

import base64
import hashlib
import hmac
import json
import time

import jwt


def api_headers(token):
    return {"Authorization": f"Bearer {token}"}


def create_from_template(http, sim, token, template="sgr_demo_interview_30", **recipient):
    recipient = {
        "email": "ada@example.com",
        "display_name": "Ada",
        "slot_selector": True,
        **recipient,
    }
    response = http.post(
        f"{sim.base_url}/v1/scheduling_requests",
        json={"template": {"sub": template}, "recipients": [recipient]},
        headers=api_headers(token),
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()["scheduling_request"]


def expected_signatures(body, secrets):
    return [
        base64.b64encode(hmac.new(s.encode(), body, hashlib.sha256).digest()).decode()
        for s in secrets
    ]


def payloads(received):
    """The decoded JSON bodies of the webhooks a WebhookReceiver got."""
    return [json.loads(r["body"]) for r in received]


REDIRECT_URI = "http://127.0.0.1:8069/cronofy/oauth/callback"


def exchange_code(http, sim, demo, code, redirect_uri=REDIRECT_URI):
    """The token endpoint's answer to the demo application's authorization-code grant."""
    return http.post(
        f"{sim.base_url}/oauth/token",
        json={
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
        },
        timeout=5,
    )


def organization_connect_grant(http, sim, demo):
    """The token answer (access and refresh token) of an Organization Connect consent for the
    demo OU, given through the admin API."""
    code = sim.admin.authorize(demo["client_id"], REDIRECT_URI)["code"]
    response = exchange_code(http, sim, demo, code)
    assert response.status_code == 200, response.text
    return response.json()


def query_request(http, sim, token, request_id):
    """The Scheduler API's query answer for one request id (asserted to be found)."""
    response = http.post(
        f"{sim.base_url}/v1/scheduling_requests/query",
        json={"scheduling_request_ids": [request_id]},
        headers=api_headers(token),
        timeout=5,
    )
    assert response.status_code == 200, response.text
    (item,) = response.json()["scheduling_requests"]
    return item["scheduling_request"]


def create_through_embed(http, sim, demo, correlation_id="hr.applicant:7"):
    """Create a request as the embed element does, in the demo application's own OU."""
    now = int(time.time())
    token = jwt.encode(
        {"iss": demo["embed_key"], "iat": now, "exp": now + 3600, "aud": "scheduler_embed"},
        demo["embed_secret"],
        algorithm="HS256",
    )
    response = http.post(
        f"{sim.base_url}/embed/v1/scheduling_requests",
        headers=api_headers(token),
        json={
            "correlation_id": correlation_id,
            "host_sub": "acc_demo_alex",
            "recipient": {"email": "cand@example.com", "display_name": "Cand"},
            "event": {"summary": "Interview", "duration": {"minutes": 30}},
        },
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()["scheduling_request"]
