"""SchedulerClient end to end against a real HTTP server on loopback."""

import json
import logging
import traceback

import pytest
import requests

from cronofy_protocol import (
    NO_RETRY,
    BadRequestError,
    ConfigurationError,
    CronofyConnectionError,
    CronofyTimeoutError,
    ForbiddenError,
    NotFoundError,
    OutcomeUnknownError,
    PaymentRequiredError,
    RateLimitedError,
    SchedulerClient,
    SchedulingRequest,
    ServerError,
    UnauthorizedError,
    UnexpectedResponseError,
    UnexpectedStatusError,
    ValidationFailedError,
    recipient,
)

TOKEN = "tok_access-DO-NOT-LEAK-1234567890"  # noqa: S105
SR = {
    "scheduling_request_id": "srq_64b1",
    "slot_selection": "pending",
    "primary_select_url": "https://app.cronofy.com/rts/234ebnd",
    "dashboard_url": "https://app.cronofy.com/scheduler/requests/650b",
    "summary": "Interview",
    "duration": {"minutes": 30},
    "recipient_operations": {"view_url": "https://app.cronofy.com/rts/234ebnd"},
    "recipients": [{"email": "c@example.com", "display_name": "Cand", "slot_selector": True}],
    "event": {"summary": "Interview"},
}
SPEC = {
    "host": {"sub": "acc_1"},
    "recipients": [recipient("c@example.com", "Cand")],
    "event": {"summary": "Interview – Zoë", "duration": {"minutes": 30}},
}


@pytest.fixture
def client(server, fast_retry):
    with SchedulerClient(TOKEN, base_url=server.url, retry_policy=fast_retry) as c:
        yield c


def test_create_full_spec(server, client):
    server.add(200, {"scheduling_request": SR})
    result = client.create_scheduling_request(SPEC)
    assert isinstance(result, SchedulingRequest)
    assert result.scheduling_request_id == "srq_64b1"
    assert result.primary_select_url == "https://app.cronofy.com/rts/234ebnd"
    (req,) = server.received
    assert (req.method, req.path) == ("POST", "/v1/scheduling_requests")
    assert req.headers["Authorization"] == f"Bearer {TOKEN}"
    assert req.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "Cronofy-Impersonate" not in req.headers
    assert req.json() == SPEC
    assert "Zoë".encode() in req.body  # UTF-8, not \\u escapes


def test_create_from_template_with_impersonation(server, fast_retry):
    server.add(200, {"scheduling_request": SR})
    client = SchedulerClient(
        TOKEN, base_url=server.url, impersonate="acc_host", retry_policy=fast_retry
    )
    client.create_from_template(
        " sgr_123 ", [recipient(" c@example.com ", "Cand")], extra={"tags": [{"value": "x"}]}
    )
    (req,) = server.received
    assert req.headers["Cronofy-Impersonate"] == "acc_host"
    assert req.json() == {
        "tags": [{"value": "x"}],
        "template": {"sub": "sgr_123"},
        "recipients": [{"email": "c@example.com", "slot_selector": True, "display_name": "Cand"}],
    }


def test_query(server, client):
    other = {**SR, "scheduling_request_id": "srq_2", "slot_selection": "complete"}
    server.add(
        200, {"scheduling_requests": [{"scheduling_request": SR}, {"scheduling_request": other}]}
    )
    results = client.query_scheduling_requests(["srq_64b1", "srq_2"])
    assert [r.scheduling_request_id for r in results] == ["srq_64b1", "srq_2"]
    assert results[1].slot_selection == "complete"
    (req,) = server.received
    assert req.path == "/v1/scheduling_requests/query"
    assert req.json() == {"scheduling_request_ids": ["srq_64b1", "srq_2"]}


def test_query_empty_ids_makes_no_call(server, client):
    assert client.query_scheduling_requests([]) == ()
    assert server.received == []


def test_query_argument_errors(client):
    with pytest.raises(TypeError):
        client.query_scheduling_requests("srq_1")
    with pytest.raises(ValueError):
        client.query_scheduling_requests(["srq_1", ""])


@pytest.mark.parametrize(
    "answer",
    [{"scheduling_requests": {}}, {"other": []}, [], {"scheduling_requests": [{"x": 1}]}],
)
def test_query_unexpected_shape(server, client, answer):
    server.add(200, answer)
    with pytest.raises(UnexpectedResponseError):
        client.query_scheduling_requests(["srq_1"])


def test_cancel(server, client):
    server.add(202)
    assert client.cancel_scheduling_request("srq_64b1") is None
    (req,) = server.received
    assert req.path == "/v1/scheduling_requests/cancel"
    assert req.json() == {"scheduling_request_id": "srq_64b1"}


def test_cancel_retried_on_5xx(server, client, fake_time):
    server.add(503, headers={"Retry-After": "3"})
    server.add(202)
    client.cancel_scheduling_request("srq_64b1")
    assert len(server.received) == 2
    assert fake_time.sleeps == [3.0]


def test_query_retried_with_retry_after_then_gives_up(server, client, fake_time):
    for _ in range(3):
        server.add(429, {"errors": {}}, headers={"Retry-After": "2"})
    with pytest.raises(RateLimitedError) as info:
        client.query_scheduling_requests(["srq_1"])
    assert info.value.retry_after == 2.0
    assert len(server.received) == 3
    assert fake_time.sleeps == [2.0, 2.0]


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (401, UnauthorizedError),
        (402, PaymentRequiredError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (418, UnexpectedStatusError),
        (423, UnexpectedStatusError),
    ],
)
def test_status_mapping_no_retry(server, client, status, error_type):
    server.add(status, {"message": "nope"})
    with pytest.raises(error_type) as info:
        client.query_scheduling_requests(["srq_1"])
    assert info.value.status == status
    assert len(server.received) == 1


def test_422_field_errors(server, client):
    server.add(
        422,
        {
            "errors": {
                "recipients": [{"key": "errors.required", "description": "required"}],
                "event.summary": [{"key": "errors.too_long", "description": "too long"}],
                "weird": "not a list",
                "weirder": [3],
            }
        },
    )
    with pytest.raises(ValidationFailedError) as info:
        client.create_scheduling_request(SPEC)
    errors = info.value.field_errors
    assert errors["recipients"][0].key == "errors.required"
    assert errors["recipients"][0].description == "required"
    assert errors["event.summary"][0].key == "errors.too_long"
    assert errors["weird"][0].description == "not a list"
    assert "recipients (errors.required)" in str(info.value)


@pytest.mark.parametrize("body", [b"", b"<html>", b'{"errors": [1]}'])
def test_422_with_unreadable_body_still_a_validation_error(server, client, body):
    server.add(422, body)
    with pytest.raises(ValidationFailedError) as info:
        client.create_scheduling_request(SPEC)
    assert dict(info.value.field_errors) == {}


def test_400_bad_request(server, client):
    server.add(400, {"error": "invalid_request"})
    with pytest.raises(BadRequestError) as info:
        client.query_scheduling_requests(["srq_1"])
    assert info.value.error == "invalid_request"


# --- create is never retried blindly ----------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_create_5xx_is_outcome_unknown_and_not_repeated(server, client, status):
    server.add(status)
    with pytest.raises(OutcomeUnknownError) as info:
        client.create_scheduling_request(SPEC)
    assert isinstance(info.value.cause, ServerError)
    assert info.value.status == status
    assert "reconcile" in str(info.value)
    assert len(server.received) == 1


def test_create_read_timeout_is_outcome_unknown(server, fast_retry):
    client = SchedulerClient(TOKEN, base_url=server.url, timeout=(2, 0.2), retry_policy=fast_retry)
    server.add(200, {"scheduling_request": SR}, delay=0.6)
    with pytest.raises(OutcomeUnknownError) as info:
        client.create_scheduling_request(SPEC)
    assert isinstance(info.value.cause, CronofyTimeoutError)
    assert info.value.cause.request_sent is True
    assert len(server.received) == 1


def test_create_dropped_connection_is_outcome_unknown(server, client):
    server.add(drop=True)
    with pytest.raises(OutcomeUnknownError) as info:
        client.create_scheduling_request(SPEC)
    assert isinstance(info.value.cause, CronofyConnectionError)
    assert len(server.received) == 1


def test_create_success_with_unreadable_body_is_outcome_unknown(server, client):
    server.add(200, b'{"scheduling_request": {"scheduling_req')
    with pytest.raises(OutcomeUnknownError) as info:
        client.create_scheduling_request(SPEC)
    assert isinstance(info.value.cause, UnexpectedResponseError)


def test_create_success_with_wrong_shape_is_outcome_unknown(server, client):
    server.add(200, {"scheduling_request": {"id": "srq_1"}})
    with pytest.raises(OutcomeUnknownError) as info:
        client.create_scheduling_request(SPEC)
    assert "scheduling_request_id" in str(info.value)


def test_create_429_is_retried_because_nothing_was_created(server, client, fake_time):
    server.add(429, headers={"Retry-After": "1"})
    server.add(200, {"scheduling_request": SR})
    assert client.create_scheduling_request(SPEC).scheduling_request_id == "srq_64b1"
    assert len(server.received) == 2


def test_create_refused_connection_retried_then_plain_error(closed_port_url, fast_retry, fake_time):
    client = SchedulerClient(TOKEN, base_url=closed_port_url, retry_policy=fast_retry)
    with pytest.raises(CronofyConnectionError) as info:
        client.create_scheduling_request(SPEC)
    assert info.value.request_sent is False
    assert len(fake_time.sleeps) == 2  # 3 attempts: nothing could have been created


def test_query_read_timeout_retried(server, fast_retry):
    client = SchedulerClient(TOKEN, base_url=server.url, timeout=(2, 0.2), retry_policy=fast_retry)
    server.add(200, {"scheduling_requests": []}, delay=0.6)
    server.add(200, {"scheduling_requests": []})
    assert client.query_scheduling_requests(["srq_1"]) == ()
    assert len(server.received) == 2


def test_truncated_response_body(server):
    client = SchedulerClient(TOKEN, base_url=server.url, retry_policy=NO_RETRY)
    server.add(200, b'{"scheduling_requests": []', declared_length=500)
    with pytest.raises(CronofyConnectionError) as info:
        client.query_scheduling_requests(["srq_1"])
    assert info.value.request_sent is True


@pytest.mark.parametrize("body", [b"", b"not json", b"\xff\xfe", b"[" * 100_000])
def test_bad_json_on_success(server, fast_retry, body):
    server.add(200, body)
    client = SchedulerClient(TOKEN, base_url=server.url, retry_policy=NO_RETRY)
    with pytest.raises(UnexpectedResponseError):
        client.query_scheduling_requests(["srq_1"])


def test_oversized_response_refused(server, client):
    server.add(200, b'{"pad": "' + b"x" * (6 * 1024 * 1024) + b'"}')
    with pytest.raises(UnexpectedResponseError, match="larger than"):
        client.query_scheduling_requests(["srq_1"])


def test_redirect_is_not_followed(server, client):
    server.add(302, headers={"Location": "https://evil.example/steal"})
    with pytest.raises(UnexpectedStatusError) as info:
        client.query_scheduling_requests(["srq_1"])
    assert info.value.status == 302
    assert len(server.received) == 1


# --- configuration --------------------------------------------------------------------


def test_data_centre_selects_host():
    assert SchedulerClient(TOKEN, datacenter="au").base_url == "https://api-au.cronofy.com"
    assert SchedulerClient(TOKEN).base_url == "https://api.cronofy.com"


@pytest.mark.parametrize(
    "base_url",
    ["https://evil.example", "http://api.cronofy.com", "https://api.cronofy.com@evil.example"],
)
def test_disallowed_base_url_refused_before_any_request(base_url):
    with pytest.raises(ConfigurationError):
        SchedulerClient(TOKEN, base_url=base_url)


@pytest.mark.parametrize("token", ["", "   ", None, "abc\r\nX-Evil: 1"])
def test_bad_token_refused(token):
    with pytest.raises(ConfigurationError) as info:
        SchedulerClient(token)
    assert "X-Evil" not in str(info.value)


@pytest.mark.parametrize("impersonate", ["", "acc\nX: y"])
def test_bad_impersonation_refused(impersonate):
    with pytest.raises(ConfigurationError):
        SchedulerClient(TOKEN, impersonate=impersonate)


@pytest.mark.parametrize("timeout", [5, (1,), (0, 5), (5, -1)])
def test_timeout_must_be_connect_read_pair(timeout):
    with pytest.raises(ValueError):
        SchedulerClient(TOKEN, timeout=timeout)


def test_argument_validation(client, server):
    with pytest.raises(ValueError):
        client.create_scheduling_request({})
    with pytest.raises(ValueError):
        client.create_from_template("", [recipient("a@b.c")])
    with pytest.raises(ValueError):
        client.create_from_template("sgr_1", [])
    with pytest.raises(ValueError):
        client.create_from_template("sgr_1", recipient("a@b.c"))
    with pytest.raises(ValueError):
        client.cancel_scheduling_request(" ")
    with pytest.raises(ValueError):
        recipient(" ")
    assert server.received == []


def test_injected_session_is_used_and_left_open(server, fast_retry):
    class CountingSession(requests.Session):
        calls = 0
        closed = False

        def request(self, *args, **kwargs):
            CountingSession.calls += 1
            assert kwargs["timeout"] == (1.5, 2.5)
            assert kwargs["allow_redirects"] is False
            return super().request(*args, **kwargs)

        def close(self):
            CountingSession.closed = True
            super().close()

    session = CountingSession()
    server.add(202)
    with SchedulerClient(
        TOKEN, base_url=server.url, session=session, timeout=(1.5, 2.5), retry_policy=fast_retry
    ) as client:
        client.cancel_scheduling_request("srq_1")
    assert CountingSession.calls == 1
    assert CountingSession.closed is False


# --- secrets never leak ---------------------------------------------------------------


def _everything_printed(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + str(vars(error))


@pytest.mark.parametrize(
    "answer",
    [
        dict(status=401),
        dict(status=422, body={"errors": {TOKEN: [{"key": TOKEN, "description": TOKEN}]}}),
        dict(status=422, body={"errors": {"x": [{"key": "e", "description": f"Bearer {TOKEN}"}]}}),
        dict(status=400, body={"error": TOKEN}),
        dict(status=500),
        dict(drop=True),
    ],
)
def test_token_never_in_errors_or_logs(server, fast_retry, caplog, answer):
    caplog.set_level(logging.DEBUG)
    client = SchedulerClient(
        TOKEN, base_url=server.url, impersonate="acc_1", retry_policy=fast_retry
    )
    for _ in range(3):
        server.add(**answer)
    with pytest.raises(Exception) as info:
        client.create_scheduling_request(SPEC)
    printed = _everything_printed(info.value)
    assert TOKEN not in printed
    assert "Authorization" not in printed
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(client)


def test_timeout_error_has_no_token(server, caplog):
    caplog.set_level(logging.DEBUG)
    client = SchedulerClient(TOKEN, base_url=server.url, timeout=(2, 0.2), retry_policy=NO_RETRY)
    server.add(200, {}, delay=0.6)
    with pytest.raises(CronofyTimeoutError) as info:
        client.query_scheduling_requests(["srq_1"])
    assert TOKEN not in _everything_printed(info.value)
    assert TOKEN not in caplog.text
    assert "/v1/scheduling_requests/query" in str(info.value)


def test_client_repr_redacts():
    text = repr(SchedulerClient(TOKEN, impersonate="acc_1"))
    assert TOKEN not in text and "***" in text and "acc_1" in text


def test_sent_json_is_exactly_what_was_given(server, client):
    server.add(200, {"scheduling_request": SR})
    spec = {**SPEC, "event": {"summary": "日本語 ✓", "description": "<b>x</b>"}}
    client.create_scheduling_request(spec)
    assert json.loads(server.received[0].body) == spec
