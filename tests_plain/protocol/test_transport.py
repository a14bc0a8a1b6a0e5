"""Transport details that a real server cannot easily provoke (connect timeouts,
library errors) and Retry-After parsing."""

import email.utils
import io

import pytest
import requests

from cronofy_protocol import (
    NO_RETRY,
    CronofyConnectionError,
    CronofyTimeoutError,
    OutcomeUnknownError,
    SchedulerClient,
)
from cronofy_protocol.transport import Scrubber, parse_retry_after

TOKEN = "tok-DO-NOT-LEAK-555"  # noqa: S105


class RaisingSession(requests.Session):
    """A session whose transport fails with a chosen requests exception."""

    def __init__(self, exc):
        super().__init__()
        self.exc = exc
        self.calls = 0

    def request(self, *args, **kwargs):
        self.calls += 1
        assert kwargs["timeout"]  # every request carries a timeout
        raise self.exc


def client_with(exc, retry_policy=NO_RETRY):
    session = RaisingSession(exc)
    return session, SchedulerClient(
        TOKEN, base_url="https://api.cronofy.com", session=session, retry_policy=retry_policy
    )


def test_connect_timeout_means_not_sent_so_create_is_retried(fast_retry, fake_time):
    session, client = client_with(requests.exceptions.ConnectTimeout("x"), fast_retry)
    with pytest.raises(CronofyTimeoutError) as info:
        client.create_scheduling_request({"a": 1})
    assert info.value.request_sent is False and info.value.request_not_processed
    assert session.calls == 3
    assert "connecting" in str(info.value)


def test_read_timeout_on_create_is_outcome_unknown():
    session, client = client_with(requests.exceptions.ReadTimeout("x"))
    with pytest.raises(OutcomeUnknownError):
        client.create_scheduling_request({"a": 1})


@pytest.mark.parametrize(
    "exc", [requests.exceptions.InvalidURL("x"), requests.exceptions.ChunkedEncodingError("x")]
)
def test_other_library_errors_are_connection_errors_with_unknown_outcome(exc):
    _, client = client_with(exc)
    with pytest.raises(CronofyConnectionError) as info:
        client.query_scheduling_requests(["srq_1"])
    assert info.value.request_sent is None
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_generic_connection_error_is_ambiguous():
    _, client = client_with(requests.exceptions.ConnectionError("reset"))
    with pytest.raises(OutcomeUnknownError) as info:
        client.create_scheduling_request({"a": 1})
    assert info.value.cause.request_sent is None


class SlowBodySession(requests.Session):
    """Answers, then fails while the body is read."""

    def __init__(self, exc):
        super().__init__()
        self.exc = exc

    def request(self, *args, **kwargs):
        response = requests.Response()
        response.status_code = 200
        exc = self.exc

        def iter_content(chunk_size=1):
            raise exc
            yield b""  # pragma: no cover - makes this a generator

        response.iter_content = iter_content
        response.raw = io.BytesIO()
        return response


@pytest.mark.parametrize(
    ("exc", "error_type"),
    [
        (requests.exceptions.ReadTimeout("x"), CronofyTimeoutError),
        (requests.exceptions.ConnectionError("x"), CronofyConnectionError),
    ],
)
def test_failure_while_reading_body(exc, error_type):
    client = SchedulerClient(
        TOKEN,
        base_url="https://api.cronofy.com",
        session=SlowBodySession(exc),
        retry_policy=NO_RETRY,
    )
    with pytest.raises(error_type) as info:
        client.query_scheduling_requests(["srq_1"])
    assert info.value.request_sent is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("inf", None),
        ("nan", None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00", None),  # no zone: ambiguous
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date():
    now = 1_700_000_000.0
    header = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(header, now=lambda: now) == 30.0
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert parse_retry_after(past, now=lambda: now) == 0.0


def test_scrubber_handles_encoded_forms_and_limits_length():
    scrub = Scrubber(["a+b/c", "", None or ""])
    assert scrub("x a+b/c y a%2Bb%2Fc z") == "x *** y *** z"
    assert len(scrub("q" * 1000)) == 200
