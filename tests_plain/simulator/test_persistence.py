"""SQLite state survives a restart; memory state does not."""

from simulator_helpers import api_headers, create_from_template

from cronofy_simulator import SimulatorServer


def test_state_file_survives_restart(tmp_path, http):
    state_file = str(tmp_path / "sim.sqlite")
    with SimulatorServer(port=0, state_file=state_file) as first:
        demo = first.admin.seed_demo()
        created = create_from_template(http, first, demo["client_secret"])
        first.admin.choose(created["scheduling_request_id"])
        code = first.admin.authorize(demo["client_id"], "http://127.0.0.1/cb")["code"]
        token = http.post(
            f"{first.base_url}/oauth/token",
            json={
                "client_id": demo["client_id"],
                "client_secret": demo["client_secret"],
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://127.0.0.1/cb",
            },
        ).json()
    with SimulatorServer(port=0, state_file=state_file) as second:
        stored = second.admin.scheduling_request(created["scheduling_request_id"])
        assert stored["slot_selection"] == "complete"
        assert stored["primary_select_url"].startswith(second.base_url)
        response = http.post(
            f"{second.base_url}/v1/scheduling_requests/query",
            json={"scheduling_request_ids": [created["scheduling_request_id"]]},
            headers=api_headers(token["access_token"]),
        )
        assert response.status_code == 200
        assert len(response.json()["scheduling_requests"]) == 1
    with SimulatorServer(port=0) as memory_only:
        assert memory_only.admin.scheduling_requests() == []
