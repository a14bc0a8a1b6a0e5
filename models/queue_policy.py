"""What the addon's two work queues (the notification inbox and the scheduling
request queue) share: how long a failed job waits before its next attempt, when it
is given up, and how a cron worker ends one unit of work.

Plain Python, not a model, so both queues use the very same rules.
"""

import threading
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class BackoffPolicy:
    """Exponential back-off: after failed attempt ``n`` (1-based) the job waits
    ``base * factor ** (n - 1)``; after ``max_attempts`` failed attempts it is given
    up (a person has to look at it)."""

    base: timedelta
    factor: int
    max_attempts: int

    def delay(self, attempts):
        """The wait after ``attempts`` failed attempts (at least one)."""
        return self.base * (self.factor ** max(attempts - 1, 0))

    def gives_up(self, attempts):
        return attempts >= self.max_attempts


# The inbox retries a processing failure (Cronofy unreachable, time still unknown, a
# bug) after 1, 2, 4 and 8 minutes; then the row waits for an admin's replay.
NOTIFICATION_RETRY = BackoffPolicy(base=timedelta(minutes=1), factor=2, max_attempts=5)
# The request queue retries a call Cronofy never received after 30 s, 2, 8 and 32
# minutes (the README's figures): a candidate waits for that link, a recruiter for an
# activity, so the later attempts spread out further.
REQUEST_RETRY = BackoffPolicy(base=timedelta(seconds=30), factor=4, max_attempts=5)


def is_testing(env):
    """True inside Odoo's tests, which run in one transaction that must not be
    committed (the test framework rolls it back)."""
    return bool(
        getattr(threading.current_thread(), "testing", False) or env.registry.in_test_mode()
    )


def commit_unless_testing(env):
    """End one unit of cron work: commit it, so that finished work (and Cronofy calls
    already made) survives a later crash and its row locks are released. Under test,
    flush instead, so raw SQL of the next step still sees the work."""
    if is_testing(env):
        env.flush_all()
    else:
        env.cr.commit()  # pylint: disable=invalid-commit
