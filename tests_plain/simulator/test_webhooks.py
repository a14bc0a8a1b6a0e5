"""Candidate actions (HTML form and admin API) produce signed webhooks for a local receiver."""

import json
import re

from simulator_helpers import api_headers, create_from_template, expected_signatures


def _types(received):
    return [json.loads(r["body"])["notification"]["type"] for r in received]


def test_choose_via_candidate_page_sends_signed_webhook_for_each_secret(sim, demo, http, receiver):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    sim.admin.add_client_secret("app_demo", "CRN_second_active_secret")
    created = create_from_template(http, sim, demo["client_secret"])
    page = http.get(created["primary_select_url"], params={"correlation_id": "applicant-42"})
    start = re.search(r"name='start' value='([^']+)'", page.text).group(1)
    hidden = dict(re.findall(r"type='hidden' name='([^']+)' value='([^']*)'", page.text))
    assert hidden == {"action": "choose", "correlation_id": "applicant-42"}
    answer = http.post(
        created["primary_select_url"], data=dict(hidden, start=start), allow_redirects=False
    )
    assert answer.status_code == 303

    (delivery,) = receiver.wait_for(1)
    assert delivery["path"] == "/cronofy/webhook"
    assert delivery["headers"]["Content-Type"] == "application/json; charset=utf-8"
    signatures = delivery["headers"]["Cronofy-HMAC-SHA256"].split(",")
    assert signatures == expected_signatures(
        delivery["body"], [demo["client_secret"], "CRN_second_active_secret"]
    )
    payload = json.loads(delivery["body"])
    assert payload["notification"]["type"] == "scheduling_request_time_chosen"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", payload["notification"]["triggered_at"])
    request = payload["scheduling_request"]
    assert request["scheduling_request_id"] == created["scheduling_request_id"]
    assert request["slot_selection"] == "complete"
    assert request["event"]["metadata"]["scheduler"]["correlation_id"] == "applicant-42"
    assert request["event"]["start"] == {"time": start, "tzid": "Europe/London"}
    assert set(request["event"]["end"]) == {"time", "tzid"}
    assert sim.admin.wait_for_webhooks(5)
    (record,) = sim.admin.deliveries(scheduling_request_id=created["scheduling_request_id"])
    assert record["status"] == "delivered"
    assert [a["status_code"] for a in record["attempts"]] == [200]


def test_reschedule_decline_and_cancel_notifications(sim, demo, http, receiver):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    first = create_from_template(http, sim, demo["client_secret"])
    request_id = first["scheduling_request_id"]
    chosen = sim.admin.choose(request_id)
    slots = sim.admin.slots(request_id)
    moved = sim.admin.reschedule(request_id, start=slots[1]["start"])
    assert moved["_sim"]["start"] == slots[1]["start"] != chosen["_sim"]["start"]
    sim.admin.decline(request_id)
    second = create_from_template(http, sim, demo["client_secret"])
    response = http.post(
        f"{sim.base_url}/v1/scheduling_requests/cancel",
        json={"scheduling_request_id": second["scheduling_request_id"]},
        headers=api_headers(demo["client_secret"]),
    )
    assert response.status_code == 202
    received = receiver.wait_for(4)
    assert _types(received) == [
        "scheduling_request_time_chosen",
        "scheduling_request_rescheduled",
        "scheduling_request_declined",
        "scheduling_request_cancelled",
    ]
    assert json.loads(received[2]["body"])["scheduling_request"]["slot_selection"] == "declined"


def test_failed_deliveries_are_retried_and_recorded(sim, demo, http, receiver):
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    receiver.statuses = [500, 503]
    created = create_from_template(http, sim, demo["client_secret"])
    sim.admin.choose(created["scheduling_request_id"])
    assert sim.admin.wait_for_webhooks(5)
    (record,) = sim.admin.deliveries()
    assert [a["status_code"] for a in record["attempts"]] == [500, 503, 200]
    assert record["status"] == "delivered"
    assert len(receiver.received) == 3


def test_delivery_gives_up_after_max_attempts(sim, demo, http):
    sim.admin.configure(webhook_max_attempts=2)
    sim.admin.set_webhook_urls("app_demo", ["http://127.0.0.1:9/unreachable"])
    created = create_from_template(http, sim, demo["client_secret"])
    sim.admin.choose(created["scheduling_request_id"])
    assert sim.admin.wait_for_webhooks(5)
    (record,) = sim.admin.deliveries()
    assert record["status"] == "failed"
    assert len(record["attempts"]) == 2
    assert all(a["error"] and a["status_code"] is None for a in record["attempts"])


def test_choosing_a_taken_time_is_refused(sim, demo, http):
    one = create_from_template(http, sim, demo["client_secret"])
    two = create_from_template(http, sim, demo["client_secret"])
    booked = sim.admin.choose(one["scheduling_request_id"])["_sim"]["start"]
    assert booked not in [s["start"] for s in sim.admin.slots(two["scheduling_request_id"])]
    response = http.post(
        f"{sim.base_url}/_sim/scheduling_requests/{two['scheduling_request_id']}/choose",
        json={"start": booked},
    )
    assert response.status_code == 409
    assert response.json()["error"] == "slot_unavailable"
    again = http.post(
        f"{sim.base_url}/_sim/scheduling_requests/{one['scheduling_request_id']}/choose", json={}
    )
    assert again.status_code == 409
