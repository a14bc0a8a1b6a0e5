"""Retry policy: exponential backoff with full jitter, bounded in attempts and time.

Which errors are retried is decided by the error itself (``retryable`` and
``request_not_processed`` in ``errors.py``); this module only decides *when*.
Sleep, clock and randomness are injectable so tests never sleep for real.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from .errors import CronofyApiError

_logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` counts the first try. ``max_total_seconds`` bounds the time
    spent waiting between attempts *and* in them; a Retry-After that does not fit in
    what is left ends the retries (the caller's queue can wait longer than we can)."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_total_seconds: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)
    random: Callable[[], float] = field(default=random.random, compare=False)  # noqa: S311 - jitter, not crypto

    def __post_init__(self):
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def backoff(self, retry_number: int) -> float:
        """Full-jitter delay before retry ``retry_number`` (1 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
        return ceiling * self.random()

    def delay_for(self, error: CronofyApiError, retry_number: int) -> float:
        delay = self.backoff(retry_number)
        if error.retry_after is not None:
            # Honour the server: never earlier than Retry-After says.
            delay = max(delay, error.retry_after)
        return delay

    def run(self, operation: Callable[[], T], *, idempotent: bool) -> T:
        """Call ``operation`` until it succeeds or the policy gives up; the last
        error is raised. A non-idempotent operation is repeated only after errors
        that prove Cronofy did not act (``request_not_processed``)."""
        started = self.clock()
        attempt = 1
        while True:
            try:
                return operation()
            except CronofyApiError as error:
                if not self._should_retry(error, idempotent):
                    raise
                if attempt >= self.max_attempts:
                    raise
                delay = self.delay_for(error, attempt)
                remaining = self.max_total_seconds - (self.clock() - started)
                if delay > remaining:
                    raise
                _logger.info(
                    "Cronofy call failed (%s), retry %d/%d in %.2fs",
                    error.__class__.__name__,
                    attempt,
                    self.max_attempts - 1,
                    delay,
                )
                self.sleep(delay)
                attempt += 1

    @staticmethod
    def _should_retry(error: CronofyApiError, idempotent: bool) -> bool:
        if not error.retryable:
            return False
        return idempotent or error.request_not_processed


NO_RETRY = RetryPolicy(max_attempts=1)
DEFAULT_RETRY_POLICY = RetryPolicy()
