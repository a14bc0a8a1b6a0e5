"""Helpers shared by the simulator tests (imported through conftest's sys.path entry)."""

import base64
import hashlib
import hmac


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
