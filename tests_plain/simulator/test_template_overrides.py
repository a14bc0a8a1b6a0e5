"""template_event_overrides: what a template create does with event fields sent beside
template.sub (accept = applied, ignore = dropped, refuse = 422 naming each field)."""

import pytest
from simulator_helpers import api_headers

from cronofy_simulator.admin_client import SimulatorAdminError

OVERRIDES = {"summary": "Final interview", "description": "Bring a laptop"}


def _create(http, sim, demo, event=None):
    body = {
        "template": {"sub": "sgr_demo_interview_30"},
        "recipients": [{"email": "ada@example.com", "slot_selector": True}],
    }
    if event is not None:
        body["event"] = event
    return http.post(
        f"{sim.base_url}/v1/scheduling_requests",
        json=body,
        headers=api_headers(demo["client_secret"]),
        timeout=5,
    )


def test_overrides_are_applied_by_default(sim, demo, http):
    assert sim.admin.config()["template_event_overrides"] == "accept"
    response = _create(http, sim, demo, dict(OVERRIDES, duration={"minutes": 45}))
    assert response.status_code == 200, response.text
    request = response.json()["scheduling_request"]
    assert (request["summary"], request["duration"]) == ("Final interview", {"minutes": 45})
    assert request["event"]["description"] == "Bring a laptop"


def test_ignore_accepts_the_call_and_keeps_the_template(sim, demo, http):
    sim.admin.configure(template_event_overrides="ignore")
    response = _create(http, sim, demo, dict(OVERRIDES, duration={"minutes": "bad"}))
    assert response.status_code == 200, response.text
    request = response.json()["scheduling_request"]
    assert (request["summary"], request["duration"]) == ("Screening call", {"minutes": 30})
    assert request["event"] == {"summary": "Screening call"}


def test_refuse_names_each_field_and_creates_nothing(sim, demo, http):
    sim.admin.configure(template_event_overrides="refuse")
    sim.admin.clear_calls()
    response = _create(http, sim, demo, dict(OVERRIDES, location={"description": "Room 1"}))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"event.summary", "event.description", "event.location"}
    for problems in errors.values():
        assert [p["key"] for p in problems] == ["errors.not_permitted"]
        assert problems[0]["description"]
    assert sim.admin.scheduling_requests() == []
    (call,) = sim.admin.calls(route="scheduling_requests.create")
    assert (call["status"], call["application_id"]) == (422, "app_demo")
    # Without overrides a template create still works.
    assert _create(http, sim, demo).status_code == 200
    assert _create(http, sim, demo, {}).status_code == 200


def test_refuse_applies_to_book_now_too(sim, demo):
    sim.admin.configure(template_event_overrides="refuse")
    with pytest.raises(SimulatorAdminError) as refused:
        sim.admin.book_now(
            [{"email": "a@example.com", "slot_selector": True}],
            template="sgr_demo_interview_30",
            event={"summary": "x"},
        )
    assert refused.value.status_code == 422
    assert set(refused.value.body["errors"]) == {"event.summary"}


def test_the_setting_is_checked(sim):
    with pytest.raises(SimulatorAdminError) as refused:
        sim.admin.configure(template_event_overrides="maybe", rate_limit_per_second=1)
    assert refused.value.body["errors"] == {
        "template_event_overrides": "one of accept, ignore, refuse"
    }
    assert sim.admin.config()["rate_limit_per_second"] == 50  # nothing applied
