"""Scheduler API over HTTP: create (template and full spec), query, cancel, auth and 422s."""

from simulator_helpers import api_headers, create_from_template


def test_create_from_template_returns_cronofy_shape(sim, demo, http):
    request = create_from_template(http, sim, demo["client_secret"])
    assert request["scheduling_request_id"].startswith("srq_")
    assert request["slot_selection"] == "pending"
    assert request["summary"] == "Screening call"
    assert request["duration"] == {"minutes": 30}
    assert request["primary_select_url"].startswith(f"{sim.base_url}/rts/")
    assert request["dashboard_url"] == (
        f"{sim.base_url}/scheduler/requests/{request['scheduling_request_id']}"
    )
    # Pending: only view_url, as in Cronofy's documented create answer.
    assert request["recipient_operations"] == {"view_url": request["primary_select_url"]}
    assert request["recipients"][0]["email"] == "ada@example.com"
    assert request["event"] == {"summary": "Screening call"}


def test_create_with_full_spec_and_host_group(sim, demo, http):
    body = {
        "host_group": {
            "members": [{"sub": "acc_demo_alex"}, {"sub": "acc_demo_sam"}],
            "required": 1,
        },
        "recipients": [{"email": "bob@example.com", "slot_selector": True}],
        "event": {
            "summary": "Tech interview",
            "description": "Bring code",
            "duration": {"minutes": 45},
        },
    }
    response = http.post(
        f"{sim.base_url}/v1/scheduling_requests",
        json=body,
        headers=api_headers(demo["client_secret"]),
    )
    assert response.status_code == 200, response.text
    created = response.json()["scheduling_request"]
    assert created["duration"] == {"minutes": 45}
    assert created["event"]["description"] == "Bring code"
    stored = sim.admin.scheduling_request(created["scheduling_request_id"])
    assert stored["_sim"]["host_subs"] == ["acc_demo_alex", "acc_demo_sam"]


def test_impersonate_header_chooses_the_host(sim, demo, http):
    body = {
        "recipients": [{"email": "c@example.com", "slot_selector": True}],
        "event": {"summary": "Chat", "duration": {"minutes": 15}},
    }
    headers = dict(api_headers(demo["client_secret"]), **{"Cronofy-Impersonate": "acc_demo_sam"})
    response = http.post(f"{sim.base_url}/v1/scheduling_requests", json=body, headers=headers)
    assert response.status_code == 200
    request_id = response.json()["scheduling_request"]["scheduling_request_id"]
    assert sim.admin.scheduling_request(request_id)["_sim"]["host_subs"] == ["acc_demo_sam"]
    headers["Cronofy-Impersonate"] = "acc_unknown"
    assert (
        http.post(f"{sim.base_url}/v1/scheduling_requests", json=body, headers=headers).status_code
        == 403
    )


def test_unauthenticated_calls_get_401(sim, demo, http):
    url = f"{sim.base_url}/v1/scheduling_requests"
    assert http.post(url, json={}).status_code == 401
    assert http.post(url, json={}, headers=api_headers("CRN_wrong")).status_code == 401
    assert http.post(url, json={}, headers={"Authorization": "Basic abc"}).status_code == 401
    query = http.post(url + "/query", json={"scheduling_request_ids": ["srq_x"]})
    assert query.status_code == 401


def test_rotated_out_secret_is_refused(sim, demo, http):
    new = sim.admin.add_client_secret("app_demo", "CRN_rotated_in")
    assert [s["active"] for s in new["client_secrets"]] == [True, True]
    create_from_template(http, sim, "CRN_rotated_in")
    sim.admin.deactivate_client_secret("app_demo", demo["client_secret"])
    response = http.post(
        f"{sim.base_url}/v1/scheduling_requests",
        json={},
        headers=api_headers(demo["client_secret"]),
    )
    assert response.status_code == 401


def test_validation_errors_use_cronofy_422_shape(sim, demo, http):
    url = f"{sim.base_url}/v1/scheduling_requests"
    headers = api_headers(demo["client_secret"])
    response = http.post(url, json={"template": {"sub": "sgr_demo_interview_30"}}, headers=headers)
    assert response.status_code == 422
    assert response.json() == {
        "errors": {"recipients": [{"key": "errors.required", "description": "required"}]}
    }
    response = http.post(
        url,
        json={"template": {"sub": "sgr_nope"}, "recipients": [{"email": "a@b.c"}]},
        headers=headers,
    )
    errors = response.json()["errors"]
    assert response.status_code == 422
    assert errors["template.sub"][0]["key"] == "errors.not_found"
    assert errors["recipients.slot_selector"][0]["key"] == "errors.required"
    response = http.post(
        url,
        json={
            "recipients": [{"email": "not-an-email", "slot_selector": True}],
            "event": {"summary": "x", "duration": {"minutes": "30"}},
            "host": {"sub": "acc_demo_alex"},
        },
        headers=headers,
    )
    errors = response.json()["errors"]
    assert set(errors) == {"recipients.email", "event.duration.minutes"}
    assert all(
        isinstance(v, list) and {"key", "description"} <= v[0].keys() for v in errors.values()
    )


def test_query_returns_known_requests_of_the_caller_only(sim, demo, http):
    mine = create_from_template(http, sim, demo["client_secret"])
    other = sim.admin.create_application(name="Other")
    response = http.post(
        f"{sim.base_url}/v1/scheduling_requests/query",
        json={"scheduling_request_ids": [mine["scheduling_request_id"], "srq_unknown"]},
        headers=api_headers(demo["client_secret"]),
    )
    assert response.status_code == 200
    assert response.json() == {"scheduling_requests": [{"scheduling_request": mine}]}
    response = http.post(
        f"{sim.base_url}/v1/scheduling_requests/query",
        json={"scheduling_request_ids": [mine["scheduling_request_id"]]},
        headers=api_headers(other["client_secrets"][0]["secret"]),
    )
    assert response.json() == {"scheduling_requests": []}
    response = http.post(
        f"{sim.base_url}/v1/scheduling_requests/query",
        json={},
        headers=api_headers(demo["client_secret"]),
    )
    assert response.status_code == 422
    assert "scheduling_request_ids" in response.json()["errors"]


def test_cancel_answers_202_and_404(sim, demo, http):
    created = create_from_template(http, sim, demo["client_secret"])
    url = f"{sim.base_url}/v1/scheduling_requests/cancel"
    headers = api_headers(demo["client_secret"])
    response = http.post(
        url, json={"scheduling_request_id": created["scheduling_request_id"]}, headers=headers
    )
    assert response.status_code == 202
    assert response.content == b""
    stored = sim.admin.scheduling_request(created["scheduling_request_id"])
    assert stored["slot_selection"] == "cancelled"
    assert (
        http.post(url, json={"scheduling_request_id": "srq_nope"}, headers=headers).status_code
        == 404
    )
    assert http.post(url, json={}, headers=headers).status_code == 422


def test_calls_are_logged_for_tests(sim, demo, http):
    create_from_template(http, sim, demo["client_secret"])
    calls = sim.admin.calls(route="scheduling_requests.create")
    assert [(c["status"], c["application_id"]) for c in calls] == [(200, "app_demo")]
