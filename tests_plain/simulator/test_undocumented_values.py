"""Admin levers for values Cronofy does not document: a notification of any type string, and any
slot_selection value (with or without the event times) put on a request without a notification."""

import pytest
from simulator_helpers import (
    create_from_template,
    expected_signatures,
    payloads,
    query_request,
)

from cronofy_simulator.admin_client import SimulatorAdminError


def test_notify_sends_any_type_with_the_current_view(sim, demo, http, receiver):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    created = create_from_template(http, sim, demo["client_secret"])
    request_id = created["scheduling_request_id"]
    sim.admin.choose(request_id)
    (pending_delivery,) = sim.admin.notify(request_id, "scheduling_request_expired")
    assert pending_delivery["status"] == "pending"
    assert pending_delivery["notification_type"] == "scheduling_request_expired"
    sim.admin.notify(request_id, "scheduling_request_completed", omit_event_times=True)

    chosen, expired, completed = receiver.wait_for(3)
    assert expired["headers"]["Cronofy-HMAC-SHA256"] == ",".join(
        expected_signatures(expired["body"], [demo["client_secret"]])
    )
    chosen, expired, completed = payloads([chosen, expired, completed])
    assert expired["notification"]["type"] == "scheduling_request_expired"
    assert expired["scheduling_request"] == chosen["scheduling_request"]
    assert completed["notification"]["type"] == "scheduling_request_completed"
    assert {"start", "end"} & set(completed["scheduling_request"]["event"]) == set()
    assert completed["scheduling_request"]["slot_selection"] == "complete"
    # Sending a notification changes nothing on the request.
    assert (
        query_request(http, sim, demo["client_secret"], request_id) == chosen["scheduling_request"]
    )


def test_notify_goes_through_the_faults(sim, demo, http, receiver):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    receiver.statuses = [500]
    request_id = create_from_template(http, sim, demo["client_secret"])["scheduling_request_id"]
    sim.admin.add_fault("webhook", "drop")
    (dropped,) = sim.admin.notify(request_id, "anything_at_all")
    assert dropped["status"] == "dropped"
    sim.admin.notify(request_id, "anything_else")
    assert sim.admin.wait_for_webhooks(5)
    retried = sim.admin.deliveries(status="delivered")
    assert [[a["status_code"] for a in d["attempts"]] for d in retried] == [[500, 200]]


def test_force_slot_selection_keeps_or_drops_the_times_and_sends_nothing(sim, demo, http, receiver):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    created = create_from_template(http, sim, demo["client_secret"])
    request_id = created["scheduling_request_id"]
    chosen = sim.admin.choose(request_id)
    receiver.wait_for(1)

    forced = sim.admin.force_slot_selection(request_id, "expired")
    assert forced["slot_selection"] == "expired"
    assert forced["_sim"]["history"][-1]["action"] == "slot_selection_forced"
    queried = query_request(http, sim, demo["client_secret"], request_id)
    assert queried["slot_selection"] == "expired"
    assert queried["event"]["start"]["time"] == chosen["_sim"]["start"]
    assert set(queried["recipient_operations"]) == {"view_url", "reschedule_url", "decline_url"}

    sim.admin.force_slot_selection(request_id, "complete", drop_event_times=True)
    queried = query_request(http, sim, demo["client_secret"], request_id)
    assert queried["slot_selection"] == "complete"
    assert {"start", "end"} & set(queried["event"]) == set()
    assert queried["recipient_operations"] == {"view_url": created["primary_select_url"]}
    assert sim.admin.scheduling_request(request_id)["_sim"]["start"] is None

    assert sim.admin.wait_for_webhooks(5)
    assert len(receiver.received) == 1 and len(sim.admin.deliveries()) == 1


def test_a_forced_pending_request_can_be_chosen_again(sim, demo, http):
    request_id = create_from_template(http, sim, demo["client_secret"])["scheduling_request_id"]
    sim.admin.force_slot_selection(request_id, "pending")
    assert sim.admin.choose(request_id)["slot_selection"] == "complete"


@pytest.mark.parametrize(
    ("method", "suffix", "body", "fields"),
    [
        ("POST", "/notify", {}, {"type"}),
        ("POST", "/notify", {"type": " "}, {"type"}),
        ("POST", "/notify", {"type": "x", "omit_event_times": "yes"}, {"omit_event_times"}),
        ("POST", "/notify", {"type": "x", "colour": "red"}, {"colour"}),
        ("PATCH", "", {}, {"slot_selection"}),
        ("PATCH", "", {"slot_selection": ""}, {"slot_selection"}),
        ("PATCH", "", {"slot_selection": 3}, {"slot_selection"}),
        ("PATCH", "", {"slot_selection": "x", "drop_event_times": 1}, {"drop_event_times"}),
        ("PATCH", "", {"slot_selection": "x", "summary": "y"}, {"summary"}),
    ],
)
def test_bodies_are_checked_and_nothing_happens(sim, demo, http, method, suffix, body, fields):
    request_id = create_from_template(http, sim, demo["client_secret"])["scheduling_request_id"]
    url = f"{sim.base_url}/_sim/scheduling_requests/{request_id}{suffix}"
    response = http.request(method, url, json=body)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == fields
    assert sim.admin.scheduling_request(request_id)["slot_selection"] == "pending"
    assert sim.admin.deliveries() == []


def test_unknown_requests_answer_404(sim):
    with pytest.raises(SimulatorAdminError) as notify:
        sim.admin.notify("srq_unknown", "x")
    with pytest.raises(SimulatorAdminError) as force:
        sim.admin.force_slot_selection("srq_unknown", "x")
    assert notify.value.status_code == force.value.status_code == 404
