"""Per-application rate limits answer 429 with Retry-After (limits shrunk for the test)."""

import time

from simulator_helpers import api_headers


def _query(sim, http, secret):
    return http.post(
        f"{sim.base_url}/v1/scheduling_requests/query",
        json={"scheduling_request_ids": ["srq_x"]},
        headers=api_headers(secret),
    )


def test_per_second_limit(sim, demo, http):
    sim.admin.configure(rate_limit_per_second=3, rate_limit_per_minute=100)
    statuses = [_query(sim, http, demo["client_secret"]).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]
    limited = _query(sim, http, demo["client_secret"])
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    other = sim.admin.create_application(name="Other app")
    assert _query(sim, http, other["client_secrets"][0]["secret"]).status_code == 200
    time.sleep(1.05)
    assert _query(sim, http, demo["client_secret"]).status_code == 200


def test_per_minute_limit_reports_longer_retry_after(sim, demo, http):
    sim.admin.configure(rate_limit_per_second=100, rate_limit_per_minute=4)
    statuses = [_query(sim, http, demo["client_secret"]).status_code for _ in range(4)]
    assert statuses == [200] * 4
    limited = _query(sim, http, demo["client_secret"])
    assert limited.status_code == 429
    assert 50 <= int(limited.headers["Retry-After"]) <= 60


def test_unauthenticated_calls_do_not_count(sim, demo, http):
    sim.admin.configure(rate_limit_per_second=2, rate_limit_per_minute=100)
    for _ in range(5):
        assert _query(sim, http, "CRN_wrong").status_code == 401
    assert _query(sim, http, demo["client_secret"]).status_code == 200
