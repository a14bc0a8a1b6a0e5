"""Retry policy: which errors, how long, how often; no real sleeping."""

import pytest

from cronofy_protocol import (
    CronofyConnectionError,
    CronofyTimeoutError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    UnauthorizedError,
    ValidationFailedError,
)


class Flaky:
    """Raises the given errors in turn, then returns 'ok'."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def policy(fake_time, **kwargs):
    defaults = dict(
        max_attempts=4,
        base_delay=1.0,
        max_delay=8.0,
        max_total_seconds=100.0,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        random=lambda: 1.0,
    )
    return RetryPolicy(**{**defaults, **kwargs})


def test_exponential_backoff_until_success(fake_time):
    op = Flaky(ServerError(503), ServerError(502), CronofyTimeoutError(request_sent=True))
    assert policy(fake_time).run(op, idempotent=True) == "ok"
    assert op.calls == 4
    assert fake_time.sleeps == [1.0, 2.0, 4.0]


def test_delay_capped_at_max_delay(fake_time):
    p = policy(fake_time, max_delay=3.0)
    assert [p.backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 3.0, 3.0]


def test_full_jitter_uses_random(fake_time):
    p = policy(fake_time, random=lambda: 0.25)
    assert p.backoff(3) == 1.0


def test_bounded_attempts_raise_last_error(fake_time):
    errors = [ServerError(500) for _ in range(5)]
    op = Flaky(*errors)
    with pytest.raises(ServerError) as info:
        policy(fake_time).run(op, idempotent=True)
    assert op.calls == 4
    assert info.value is errors[3]


def test_retry_after_is_honoured(fake_time):
    op = Flaky(RateLimitedError(429, retry_after=7.5))
    assert policy(fake_time).run(op, idempotent=True) == "ok"
    assert fake_time.sleeps == [7.5]


def test_retry_after_shorter_than_backoff_uses_backoff(fake_time):
    op = Flaky(ServerError(503), RateLimitedError(429, retry_after=0.1))
    policy(fake_time).run(op, idempotent=True)
    assert fake_time.sleeps == [1.0, 2.0]


def test_total_time_bound_stops_retrying(fake_time):
    op = Flaky(RateLimitedError(429, retry_after=30))
    with pytest.raises(RateLimitedError):
        policy(fake_time, max_total_seconds=20).run(op, idempotent=True)
    assert op.calls == 1 and fake_time.sleeps == []


def test_total_time_counts_time_spent_in_calls(fake_time):
    def slow_failure():
        fake_time.now += 9
        raise ServerError(500)

    with pytest.raises(ServerError):
        policy(fake_time, max_total_seconds=12).run(slow_failure, idempotent=True)
    # First call took 9 s, wait 1 s (10 < 12), second call took 9 s: 19 s used, stop.
    assert fake_time.sleeps == [1.0]


@pytest.mark.parametrize(
    "error",
    [UnauthorizedError(401), ValidationFailedError(422, field_errors={})],
)
def test_non_retryable_errors_raise_at_once(fake_time, error):
    op = Flaky(error)
    with pytest.raises(type(error)):
        policy(fake_time).run(op, idempotent=True)
    assert op.calls == 1


@pytest.mark.parametrize(
    "error",
    [
        ServerError(500),
        CronofyTimeoutError(request_sent=True),
        CronofyConnectionError(request_sent=None),
    ],
)
def test_non_idempotent_not_retried_when_outcome_unknown(fake_time, error):
    op = Flaky(error)
    with pytest.raises(type(error)):
        policy(fake_time).run(op, idempotent=False)
    assert op.calls == 1


@pytest.mark.parametrize(
    "error",
    [
        RateLimitedError(429),
        CronofyTimeoutError(request_sent=False),
        CronofyConnectionError(request_sent=False),
    ],
)
def test_non_idempotent_retried_when_certainly_not_processed(fake_time, error):
    op = Flaky(error)
    assert policy(fake_time).run(op, idempotent=False) == "ok"
    assert op.calls == 2


def test_other_exceptions_propagate_untouched(fake_time):
    op = Flaky(KeyError("bug"))
    with pytest.raises(KeyError):
        policy(fake_time).run(op, idempotent=True)
    assert op.calls == 1


def test_max_attempts_must_be_positive():
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


def test_default_policy_uses_real_jitter_within_bounds():
    p = RetryPolicy()
    delays = [p.backoff(3) for _ in range(50)]
    assert all(0 <= d <= 2.0 for d in delays)
    assert len(set(delays)) > 1
