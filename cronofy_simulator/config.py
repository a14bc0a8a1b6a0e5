"""Tunable behaviour of the simulator.

Everything a test may want to shrink (rate limits, token lifetime, webhook back-off) lives here so
it can be set at start-up or changed later through ``PATCH /_sim/config``.
"""

from dataclasses import asdict, dataclass, fields


@dataclass
class SimulatorConfig:
    # Cronofy's documented default limits, per application [C DOC-RATE].
    rate_limit_per_second: int = 50
    rate_limit_per_minute: int = 500
    # Cronofy's token examples say expires_in 3600 [C]; authorization code lifetime is a guess.
    access_token_ttl: int = 3600
    authorization_code_ttl: int = 600
    # Webhook delivery policy: entirely a guess [U], kept small-able for tests.
    webhook_max_attempts: int = 5
    webhook_backoff_base: float = 1.0
    webhook_backoff_max: float = 60.0
    webhook_timeout: float = 5.0
    # Embed JWT checks [U]: tolerated clock skew and longest accepted lifetime.
    embed_clock_skew: int = 30
    embed_max_lifetime: int = 24 * 3600
    # Candidate slot offer [U].
    slot_days_ahead: int = 14
    slot_step_minutes: int = 30
    minimum_notice_minutes: int = 60
    # Upper bound for the "hang" fault so a forgotten fault cannot block a test run forever.
    hang_max_seconds: float = 120.0
    # Base URL put into links (primary_select_url, ...). None means "the URL the server listens on".
    public_base_url: str | None = None

    def to_dict(self):
        return asdict(self)

    def update(self, changes):
        """Apply a dict of changes, refusing unknown keys and wrong types (returns error dict)."""
        known = {f.name: f for f in fields(self)}
        errors = {}
        for key, value in changes.items():
            if key not in known:
                errors[key] = "unknown setting"
                continue
            current = getattr(self, key)
            if key == "public_base_url":
                if value is not None and not isinstance(value, str):
                    errors[key] = "must be a string or null"
                    continue
                value = value.rstrip("/") if value else None
            elif isinstance(current, bool) or isinstance(value, bool):
                errors[key] = "must be a number"
                continue
            elif isinstance(current, int):
                if not isinstance(value, int) or value < 0:
                    errors[key] = "must be a non-negative integer"
                    continue
            elif isinstance(current, float):
                if not isinstance(value, int | float) or value < 0:
                    errors[key] = "must be a non-negative number"
                    continue
                value = float(value)
        if errors:
            return errors
        for key, value in changes.items():
            if key == "public_base_url" and value:
                value = value.rstrip("/")
            elif isinstance(getattr(self, key), float):
                value = float(value)
            setattr(self, key, value)
        return {}
