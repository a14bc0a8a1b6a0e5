"""Candidate pages: slots from working hours and time zones, booking, decline, escaping."""

from datetime import datetime
from zoneinfo import ZoneInfo

from simulator_helpers import api_headers

HOSTILE = "<script>alert('x')</script>"


def _create(sim, http, secret, **body):
    response = http.post(
        f"{sim.base_url}/v1/scheduling_requests", json=body, headers=api_headers(secret)
    )
    assert response.status_code == 200, response.text
    return response.json()["scheduling_request"]


def test_slots_follow_working_hours_in_the_host_time_zone(sim, demo, http):
    sim.admin.update_host(
        "acc_demo_sam", working_hours=[{"day": "tuesday", "start": "10:00", "end": "12:00"}]
    )
    created = _create(
        sim,
        http,
        demo["client_secret"],
        host={"sub": "acc_demo_sam"},
        recipients=[{"email": "a@example.com", "slot_selector": True}],
        event={"summary": "Call", "duration": {"minutes": 60}},
    )
    slots = sim.admin.slots(created["scheduling_request_id"])
    assert slots
    zone = ZoneInfo("America/New_York")
    for slot in slots:
        local = datetime.fromisoformat(slot["start"].replace("Z", "+00:00")).astimezone(zone)
        assert local.strftime("%A") == "Tuesday"
        assert local.strftime("%H:%M") in {"10:00", "10:30", "11:00"}
        assert slot["tzid"] == "America/New_York"


def test_user_text_is_escaped_everywhere(sim, demo, http):
    created = _create(
        sim,
        http,
        demo["client_secret"],
        host={"sub": "acc_demo_alex"},
        recipients=[{"email": "a@example.com", "display_name": HOSTILE, "slot_selector": True}],
        event={"summary": HOSTILE, "duration": {"minutes": 30}},
    )
    url = created["primary_select_url"]
    pages = [
        http.get(url, params={"correlation_id": HOSTILE}),
        http.get(url, params={"decline": "true", "utm_source": HOSTILE}),
        http.get(created["dashboard_url"]),
    ]
    sim.admin.choose(created["scheduling_request_id"], correlation_id=HOSTILE)
    pages.append(http.get(url))
    pages.append(http.get(created["dashboard_url"]))
    for page in pages:
        assert page.status_code == 200
        assert "<script>" not in page.text
        assert "&lt;script&gt;" in page.text
        assert "script-src" not in page.headers["Content-Security-Policy"]


def test_decline_and_reschedule_through_the_pages(sim, demo, http):
    created = _create(
        sim,
        http,
        demo["client_secret"],
        template={"sub": "sgr_demo_panel_60"},
        recipients=[{"email": "a@example.com", "slot_selector": True}],
    )
    url = created["primary_select_url"]
    first = http.get(url).text.split("name='start' value='")[1].split("'")[0]
    http.post(url, data={"action": "choose", "start": first})
    booked = http.get(url)
    assert "id='cronofy-sim-booked'" in booked.text
    reschedule = http.get(url, params={"reschedule": "true"})
    later = reschedule.text.split("name='start' value='")[2].split("'")[0]
    http.post(url, data={"action": "reschedule", "start": later})
    assert sim.admin.scheduling_request(created["scheduling_request_id"])["_sim"]["start"] == later
    decline_page = http.get(url, params={"decline": "true"})
    assert "id='cronofy-sim-decline-confirm'" in decline_page.text
    http.post(url, data={"action": "decline"})
    assert "cronofy-sim-state-declined" in http.get(url).text
    refused = http.post(url, data={"action": "choose", "start": first})
    assert refused.status_code == 409
    assert http.get(f"{sim.base_url}/rts/unknown").status_code == 404
