"""event_hosts (Guess 28): whether a booked request names its host. Off by default, as in
Cronofy's documented example; "participants" names the booked host in query and webhook
answers, and only while a time is booked."""

import json

import pytest
from simulator_helpers import create_from_template, query_request

from cronofy_simulator.admin_client import SimulatorAdminError

ALEX = {"sub": "acc_demo_alex", "email": "alex@demo.example", "display_name": "Alex Recruiter"}


def test_a_booked_request_names_no_host_by_default(sim, demo, http):
    assert sim.admin.config()["event_hosts"] == "none"
    created = create_from_template(http, sim, demo["client_secret"])
    sim.admin.choose(created["scheduling_request_id"])
    event = query_request(http, sim, demo["client_secret"], created["scheduling_request_id"])[
        "event"
    ]
    assert "start" in event
    assert "participants" not in event


def test_participants_name_the_booked_host_while_a_time_is_booked(sim, demo, http, receiver):
    sim.admin.configure(event_hosts="participants")
    sim.admin.set_webhook_urls("app_demo", [receiver.url])
    created = create_from_template(http, sim, demo["client_secret"])
    request_id = created["scheduling_request_id"]
    assert "participants" not in created["event"]
    sim.admin.choose(request_id)
    queried = query_request(http, sim, demo["client_secret"], request_id)
    assert queried["event"]["participants"] == [ALEX]
    sim.admin.decline(request_id)
    chosen, declined = receiver.wait_for(2)
    assert json.loads(chosen["body"])["scheduling_request"]["event"]["participants"] == [ALEX]
    assert "participants" not in json.loads(declined["body"])["scheduling_request"]["event"]


def test_event_hosts_refuses_an_unknown_mode(sim):
    with pytest.raises(SimulatorAdminError) as refused:
        sim.admin.configure(event_hosts="organizer")
    assert refused.value.status_code == 422
    assert sim.admin.config()["event_hosts"] == "none"
