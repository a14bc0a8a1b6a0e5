"""An application's push_notifications setting: all (default), none, or none for requests
created with an Organization Connect token. Silenced deliveries are recorded as "suppressed"
and never sent; the query API still answers the true state."""

import pytest
from simulator_helpers import (
    api_headers,
    create_from_template,
    create_through_embed,
    organization_connect_grant,
    payloads,
)

from cronofy_simulator.admin_client import SimulatorAdminError


def test_default_is_all_and_the_setting_is_checked(sim, demo):
    assert sim.admin.application("app_demo")["push_notifications"] == "all"
    created = sim.admin.create_application(push_notifications="none")
    assert created["push_notifications"] == "none"
    for call in (
        lambda: sim.admin.create_application(push_notifications="some"),
        lambda: sim.admin.set_push_notifications("app_demo", None),
    ):
        with pytest.raises(SimulatorAdminError) as refused:
            call()
        assert refused.value.status_code == 422
        assert set(refused.value.body["errors"]) == {"push_notifications"}
    assert sim.admin.application("app_demo")["push_notifications"] == "all"


def test_none_sends_nothing_but_records_what_would_have_gone(sim, demo, http, receiver):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    assert sim.admin.set_push_notifications("app_demo", "none")["push_notifications"] == "none"
    sim.admin.add_fault("webhook", "drop")  # must stay for the next real delivery
    request_id = create_from_template(http, sim, demo["client_secret"])["scheduling_request_id"]
    sim.admin.choose(request_id)
    sim.admin.notify(request_id, "anything")
    booked = sim.admin.book_now(
        [{"email": "b@example.com", "slot_selector": True}], template="sgr_demo_interview_30"
    )
    assert sim.admin.wait_for_webhooks(5)
    assert receiver.received == []
    suppressed = sim.admin.deliveries(status="suppressed")
    assert [(d["notification_type"], d["attempts"]) for d in suppressed] == [
        ("scheduling_request_time_chosen", []),
        ("anything", []),
        ("scheduling_request_created", []),
    ]
    assert suppressed[2]["scheduling_request_id"] == booked["scheduling_request_id"]
    assert len(sim.admin.faults()) == 1

    # A poller still sees the change, and switching back lets later notifications out.
    response = http.post(
        f"{sim.base_url}/v1/scheduling_requests/query",
        json={"scheduling_request_ids": [request_id]},
        headers=api_headers(demo["client_secret"]),
    )
    assert response.json()["scheduling_requests"][0]["scheduling_request"]["slot_selection"] == (
        "complete"
    )
    sim.admin.clear_faults()
    sim.admin.set_push_notifications("app_demo", "all")
    sim.admin.decline(request_id)
    (delivery,) = receiver.wait_for(1)
    assert payloads([delivery])[0]["notification"]["type"] == "scheduling_request_declined"


def test_not_for_organization_connect_silences_only_access_token_requests(
    sim, demo, http, receiver
):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    sim.admin.update_application("app_demo", push_notifications="not_for_organization_connect")
    access_token = organization_connect_grant(http, sim, demo)["access_token"]
    through_oauth = create_from_template(http, sim, access_token)
    through_secret = create_from_template(http, sim, demo["client_secret"])
    through_embed = create_through_embed(http, sim, demo)
    created = {
        "access_token": through_oauth,
        "client_secret": through_secret,
        "embed_token": through_embed,
    }
    for credential, request in created.items():
        stored = sim.admin.scheduling_request(request["scheduling_request_id"])
        assert stored["_sim"]["created_with"] == credential
        sim.admin.choose(request["scheduling_request_id"])
    assert sim.admin.wait_for_webhooks(5)
    delivered = {
        p["scheduling_request"]["scheduling_request_id"] for p in payloads(receiver.received)
    }
    assert delivered == {
        through_secret["scheduling_request_id"],
        through_embed["scheduling_request_id"],
    }
    (suppressed,) = sim.admin.deliveries(status="suppressed")
    assert suppressed["scheduling_request_id"] == through_oauth["scheduling_request_id"]
