"""Cronofy's per-application rate limits (50 requests/s, 500/min; contract: DOC-RATE),
kept in PostgreSQL so that every cron worker of every Odoo server shares one budget.

Each limiter row is one Cronofy application; its calls are logged with the database
clock (``clock_timestamp()``, the same clock for every worker). A worker reserves a call
while holding the limiter row lock, in a short cursor of its own that commits at once:
the sliding-window check and the reservation are atomic across workers and never wait
on a slow HTTP call.

These short cursors run READ COMMITTED (Odoo's own are REPEATABLE READ): after waiting
for the row lock, the window query must see the calls the previous holder just
committed, or two workers could reserve the same slot; and the prune of old calls
must not fail on rows another worker pruned meanwhile.

A 429 answer with Retry-After holds the whole application (``held_until``): every
worker of every server then waits for it instead of each one finding the 429 on its own.
"""

import contextlib

from odoo import api, fields, models

from .config_parameters import number_parameter

# Cronofy counts calls when they arrive; a call reserved just inside a window can arrive
# a little later. The windows are therefore slightly longer than Cronofy's, so network
# jitter does not turn a reserved call into a 429 (which would still be retried).
WINDOW_MARGIN_SECONDS = {1: 0.25, 60: 1.0}
DEFAULT_LIMITS = {1: 50, 60: 500}
LIMIT_PARAMETERS = {
    1: "hr_recruitment_cronofy.rate_limit_per_second",
    60: "hr_recruitment_cronofy.rate_limit_per_minute",
}


class CronofyRateLimiter(models.Model):
    _name = "cronofy.rate.limiter"
    _description = "Cronofy API Rate Limiter"
    _log_access = False

    key = fields.Char(required=True, readonly=True, help="One Cronofy application.")
    held_until = fields.Float(
        readonly=True,
        help="Seconds since the epoch (database clock) before which no call is reserved: "
        "Cronofy answered 429 with Retry-After.",
    )

    _sql_constraints = [("key_unique", "unique(key)", "One limiter per Cronofy application.")]

    @api.model
    def _limits(self):
        """``{window seconds: max calls}``; Cronofy support can raise the defaults, so an
        admin can too (system parameters)."""
        return {
            window: int(number_parameter(self.env, LIMIT_PARAMETERS[window], default))
            for window, default in DEFAULT_LIMITS.items()
        }

    @contextlib.contextmanager
    def _own_cursor(self, key):
        """A short cursor of its own, committed on exit, in which the limiter row of
        ``key`` exists."""
        with self.env.registry.cursor() as cr:
            # Under test the cursor shares the test's transaction, already begun.
            if not self.env.registry.in_test_mode():
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute(
                "INSERT INTO cronofy_rate_limiter (key) VALUES (%s) ON CONFLICT (key) DO NOTHING",
                [key],
            )
            yield cr

    @api.model
    def _reserve(self, key):
        """Reserve one call for the application ``key``. Returns 0.0 when reserved, or
        the seconds to wait before a call can be reserved (nothing is reserved then)."""
        limits = self._limits()
        longest = max(window + WINDOW_MARGIN_SECONDS[window] for window in limits)
        with self._own_cursor(key) as cr:
            cr.execute(
                "SELECT id, extract(epoch FROM clock_timestamp()), held_until "
                "FROM cronofy_rate_limiter WHERE key = %s FOR UPDATE",
                [key],
            )
            limiter_id, now, held_until = cr.fetchone()
            now = float(now)
            wait = max((held_until or 0.0) - now, 0.0)
            for window, max_calls in limits.items():
                if max_calls <= 0:
                    continue
                span = window + WINDOW_MARGIN_SECONDS[window]
                # The max_calls-th most recent call in the window must leave it first.
                cr.execute(
                    "SELECT sent_at FROM cronofy_rate_limiter_call "
                    "WHERE limiter_id = %s AND sent_at > %s "
                    "ORDER BY sent_at DESC OFFSET %s LIMIT 1",
                    [limiter_id, now - span, max_calls - 1],
                )
                row = cr.fetchone()
                if row:
                    wait = max(wait, row[0] + span - now)
            if wait > 0:
                return wait
            cr.execute(
                "INSERT INTO cronofy_rate_limiter_call (limiter_id, sent_at) VALUES (%s, %s)",
                [limiter_id, now],
            )
            cr.execute(
                "DELETE FROM cronofy_rate_limiter_call WHERE limiter_id = %s AND sent_at < %s",
                [limiter_id, now - longest],
            )
        return 0.0

    @api.model
    def _hold(self, key, seconds):
        """Cronofy refused a call of the application ``key`` (429): reserve nothing for
        it during ``seconds`` (its Retry-After, 1 when it gave none), for every worker.
        A hold only ever grows: a shorter Retry-After seen later does not shorten it."""
        seconds = max(float(seconds or 1.0), 0.0)
        with self._own_cursor(key) as cr:
            cr.execute(
                "UPDATE cronofy_rate_limiter "
                "SET held_until = GREATEST(COALESCE(held_until, 0), "
                "extract(epoch FROM clock_timestamp()) + %s) WHERE key = %s",
                [seconds, key],
            )
