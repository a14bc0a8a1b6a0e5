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
    # Cronofy sends a "request created" push notification (Book Now page [C]); its type string
    # was cut off in every stored copy of the docs, so it is a guess [U].
    created_notification_type: str = "scheduling_request_created"
    # Whether ordinary (not Book Now) creates also send that notification for the pending
    # request [U]; off by default, as the simulator did before the notification was known.
    notify_on_create: bool = False
    # What a template create does with event fields sent beside template.sub [U, audit U8]:
    # "accept" (applied), "ignore" (accepted, not applied) or "refuse" (422 naming each field).
    template_event_overrides: str = "accept"
    # Whether a booked request names its host [U, Guess 28]: "none" (as in Cronofy's documented
    # example) or "participants" (``event.participants: [{sub, email, display_name}]``).
    event_hosts: str = "none"

    def to_dict(self):
        return asdict(self)

    def update(self, changes):
        """Apply a dict of changes, refusing unknown keys and wrong types (returns error dict).

        Nothing is applied unless every change is valid."""
        known = {f.name for f in fields(self)}
        errors, checked = {}, {}
        for key, value in changes.items():
            if key not in known:
                errors[key] = "unknown setting"
                continue
            value, problem = _checked(key, getattr(self, key), value)
            if problem:
                errors[key] = problem
            else:
                checked[key] = value
        if errors:
            return errors
        for key, value in checked.items():
            setattr(self, key, value)
        return {}


# Settings whose value must be one of a few words.
CHOICES = {
    "template_event_overrides": ("accept", "ignore", "refuse"),
    "event_hosts": ("none", "participants"),
}


def _checked(key, current, value):
    """(normalised value, None) or (None, what is wrong) for one setting."""
    if key == "public_base_url":
        if value is not None and not isinstance(value, str):
            return None, "must be a string or null"
        return (value.rstrip("/") if value else None), None
    if key in CHOICES:
        if value not in CHOICES[key]:
            return None, f"one of {', '.join(CHOICES[key])}"
        return value, None
    if isinstance(current, str):
        if not isinstance(value, str) or not value.strip():
            return None, "must be a non-empty string"
        return value, None
    if isinstance(current, bool):
        if not isinstance(value, bool):
            return None, "must be true or false"
        return value, None
    if isinstance(value, bool):  # bool is an int in Python; never a number here
        return None, "must be a number"
    if isinstance(current, int):
        if not isinstance(value, int) or value < 0:
            return None, "must be a non-negative integer"
        return value, None
    if not isinstance(value, int | float) or value < 0:
        return None, "must be a non-negative number"
    return float(value), None
