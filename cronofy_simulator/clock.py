"""Time helpers. All stored times are Unix seconds; the wire uses ISO 8601 UTC with a Z."""

import time
from datetime import UTC, datetime


def now():
    return time.time()


def iso_utc(timestamp):
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value):
    """Parse an ISO 8601 instant (Z or offset). Returns Unix seconds or None when unreadable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()
