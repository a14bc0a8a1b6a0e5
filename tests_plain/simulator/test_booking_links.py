"""recipient_operations as Cronofy documents it: view_url only while pending, the reschedule and
decline links once a time is chosen (create, query and webhook answers alike)."""

import json

from simulator_helpers import create_from_template, query_request


def test_links_appear_once_a_time_is_chosen_and_stay_through_reschedule(sim, demo, http, receiver):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    created = create_from_template(http, sim, demo["client_secret"])
    request_id, view_url = created["scheduling_request_id"], created["primary_select_url"]
    assert created["recipient_operations"] == {"view_url": view_url}
    assert query_request(http, sim, demo["client_secret"], request_id)["recipient_operations"] == {
        "view_url": view_url
    }

    booked = {
        "view_url": view_url,
        "reschedule_url": f"{view_url}?reschedule=true",
        "decline_url": f"{view_url}?decline=true",
    }
    sim.admin.choose(request_id)
    assert (
        query_request(http, sim, demo["client_secret"], request_id)["recipient_operations"]
        == booked
    )
    sim.admin.reschedule(request_id)
    chosen, rescheduled = receiver.wait_for(2)
    for delivery in (chosen, rescheduled):
        body = json.loads(delivery["body"])["scheduling_request"]
        assert body["recipient_operations"] == booked


def test_links_leave_when_the_request_is_declined(sim, demo, http, receiver):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    created = create_from_template(http, sim, demo["client_secret"])
    request_id = created["scheduling_request_id"]
    sim.admin.choose(request_id)
    sim.admin.decline(request_id)
    _, declined = receiver.wait_for(2)
    body = json.loads(declined["body"])["scheduling_request"]
    assert body["slot_selection"] == "declined"
    assert body["recipient_operations"] == {"view_url": created["primary_select_url"]}
    assert "start" not in body["event"]
