"""Book Now (a request created already booked, announced by the "created" notification) and
the notify_on_create setting (a "created" notification for ordinary, pending creates)."""

import pytest
from simulator_helpers import (
    api_headers,
    create_from_template,
    create_through_embed,
    expected_signatures,
    payloads,
    query_request,
)

from cronofy_simulator.admin_client import SimulatorAdminError

CANDIDATE = {"email": "ada@example.com", "display_name": "Ada", "slot_selector": True}


def test_book_now_creates_a_booked_request_and_sends_only_the_created_notification(
    sim, demo, http, receiver
):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    booked = sim.admin.book_now(
        [CANDIDATE], template="sgr_demo_interview_30", correlation_id="hr.applicant:7"
    )
    request_id = booked["scheduling_request_id"]
    assert booked["slot_selection"] == "complete"
    assert booked["slot_selection_mode"] == "book_now"
    assert booked["_sim"]["created_via"] == "book_now"
    assert booked["_sim"]["template_sub"] == "sgr_demo_interview_30"
    assert booked["_sim"]["application_id"] == "app_demo"

    assert sim.admin.wait_for_webhooks(5)
    (delivery,) = receiver.wait_for(1)
    assert delivery["headers"]["Cronofy-HMAC-SHA256"] == ",".join(
        expected_signatures(delivery["body"], [demo["client_secret"]])
    )
    (payload,) = payloads([delivery])
    assert payload["notification"]["type"] == "scheduling_request_created"
    request = payload["scheduling_request"]
    assert request["scheduling_request_id"] == request_id
    assert (request["slot_selection"], request["slot_selection_mode"]) == ("complete", "book_now")
    assert request["event"]["start"] == {"time": booked["_sim"]["start"], "tzid": "Europe/London"}
    assert request["event"]["end"] == {"time": booked["_sim"]["end"], "tzid": "Europe/London"}
    assert request["event"]["metadata"]["scheduler"]["correlation_id"] == "hr.applicant:7"
    assert set(request["recipient_operations"]) == {"view_url", "reschedule_url", "decline_url"}
    # The first free slot was booked (so another request is offered a later one first), and the
    # query answers the same state.
    assert sim.admin.slots(request_id)[0]["start"] == booked["_sim"]["start"]
    other = create_from_template(http, sim, demo["client_secret"])
    assert sim.admin.slots(other["scheduling_request_id"])[0]["start"] > booked["_sim"]["start"]
    assert query_request(http, sim, demo["client_secret"], request_id) == request


def test_a_book_now_request_lives_on_normally(sim, demo, http, receiver):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    first = sim.admin.book_now([CANDIDATE], template="sgr_demo_interview_30")
    request_id = first["scheduling_request_id"]
    moved = sim.admin.reschedule(request_id, start=sim.admin.slots(request_id)[1]["start"])
    assert moved["_sim"]["start"] != first["_sim"]["start"]
    sim.admin.decline(request_id)
    second = sim.admin.book_now([CANDIDATE], template="sgr_demo_interview_30")
    response = http.post(
        f"{sim.base_url}/v1/scheduling_requests/cancel",
        json={"scheduling_request_id": second["scheduling_request_id"]},
        headers=api_headers(demo["client_secret"]),
    )
    assert response.status_code == 202
    assert [p["notification"]["type"] for p in payloads(receiver.wait_for(5))] == [
        "scheduling_request_created",
        "scheduling_request_rescheduled",
        "scheduling_request_declined",
        "scheduling_request_created",
        "scheduling_request_cancelled",
    ]
    assert (
        query_request(http, sim, demo["client_secret"], request_id)["slot_selection"] == "declined"
    )


def test_book_now_at_a_given_start_with_a_full_spec_and_another_type(sim, demo, http, receiver):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    sim.admin.configure(created_notification_type="scheduling_request_booked")
    spec = {
        "host": {"sub": "acc_demo_sam"},
        "event": {"summary": "Panel", "duration": {"minutes": 30}},
    }
    pending = http.post(
        f"{sim.base_url}/v1/scheduling_requests",
        json=dict(spec, recipients=[CANDIDATE]),
        headers=api_headers(demo["client_secret"]),
    ).json()["scheduling_request"]
    wanted = sim.admin.slots(pending["scheduling_request_id"])[3]["start"]
    booked = sim.admin.book_now(
        [CANDIDATE],
        start=wanted,
        application_id="app_demo",
        metadata={"utm_source": "careers"},
        **spec,
    )
    assert booked["_sim"]["start"] == wanted
    assert booked["_sim"]["host_sub"] == "acc_demo_sam"
    assert booked["summary"] == "Panel"
    (payload,) = payloads(receiver.wait_for(1))
    assert payload["notification"]["type"] == "scheduling_request_booked"
    assert payload["scheduling_request"]["event"]["metadata"]["scheduler"] == {
        "utm_source": "careers"
    }
    assert payload["scheduling_request"]["event"]["start"]["tzid"] == "America/New_York"


def test_book_now_refusals_create_nothing(sim, demo):
    before = len(sim.admin.scheduling_requests())
    with pytest.raises(SimulatorAdminError) as unavailable:
        sim.admin.book_now(
            [CANDIDATE], template="sgr_demo_interview_30", start="2001-01-01T09:00:00Z"
        )
    assert unavailable.value.status_code == 409
    assert unavailable.value.body["error"] == "slot_unavailable"
    with pytest.raises(SimulatorAdminError) as invalid:
        sim.admin.book_now([{"email": "x@example.com"}], template="sgr_demo_interview_30")
    assert invalid.value.status_code == 422
    assert invalid.value.body["errors"]["recipients.slot_selector"][0]["key"] == "errors.required"
    with pytest.raises(SimulatorAdminError) as no_application:
        sim.admin.book_now([CANDIDATE], event={"summary": "x", "duration": {"minutes": 30}})
    assert set(no_application.value.body["errors"]) == {"application_id"}
    with pytest.raises(SimulatorAdminError) as unknown_application:
        sim.admin.book_now([CANDIDATE], template="sgr_demo_interview_30", application_id="app_x")
    assert unknown_application.value.body["errors"] == {"application_id": "unknown application"}
    with pytest.raises(SimulatorAdminError) as bad_metadata:
        sim.admin.book_now([CANDIDATE], template="sgr_demo_interview_30", metadata="x")
    assert bad_metadata.value.body["errors"] == {"metadata": "must be an object"}
    assert len(sim.admin.scheduling_requests()) == before
    assert sim.admin.deliveries() == []


def test_no_created_notification_for_ordinary_creates_by_default(sim, demo, http, receiver):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    create_from_template(http, sim, demo["client_secret"])
    create_through_embed(http, sim, demo)
    assert sim.admin.wait_for_webhooks(5)
    assert sim.admin.deliveries() == [] and receiver.received == []


def test_notify_on_create_announces_pending_requests(sim, demo, http, receiver):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    assert sim.admin.configure(notify_on_create=True)["notify_on_create"] is True
    through_api = create_from_template(http, sim, demo["client_secret"])
    through_embed = create_through_embed(http, sim, demo, correlation_id="hr.applicant:9")
    received = payloads(receiver.wait_for(2))
    assert [p["notification"]["type"] for p in received] == ["scheduling_request_created"] * 2
    for payload, created in zip(received, (through_api, through_embed), strict=True):
        request = payload["scheduling_request"]
        assert request == created  # the same pending view as the create answer
        assert request["slot_selection"] == "pending"
        assert "slot_selection_mode" not in request
        assert set(request["recipient_operations"]) == {"view_url"}
        assert "start" not in request["event"]
    assert received[1]["scheduling_request"]["event"]["metadata"]["scheduler"] == {
        "correlation_id": "hr.applicant:9"
    }
    # Book Now still sends one notification, the booked one, not a pending one first.
    sim.admin.book_now([CANDIDATE], template="sgr_demo_interview_30")
    assert payloads(receiver.wait_for(3))[2]["scheduling_request"]["slot_selection"] == "complete"
    assert sim.admin.wait_for_webhooks(5) and len(receiver.received) == 3


@pytest.mark.parametrize(
    ("setting", "value"),
    [("notify_on_create", 1), ("created_notification_type", ""), ("created_notification_type", 5)],
)
def test_created_notification_settings_are_checked(sim, setting, value):
    with pytest.raises(SimulatorAdminError) as refused:
        sim.admin.configure(**{setting: value})
    assert refused.value.status_code == 422
    assert set(refused.value.body["errors"]) == {setting}
