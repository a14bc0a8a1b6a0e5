"""Time helpers. All stored times are Unix seconds; the wire uses ISO 8601 UTC with a Z.

Business time ("now" for token and code expiry, embed-token checks, free slots, notification
timestamps, request history, the call log) is real time plus an offset that tests and demos move
through ``/_sim/clock``. The offset lives in the store (collection ``clock``, record ``offset``),
so it is persisted with a state file and cleared by ``/_sim/reset``. Rate-limit windows and
webhook delivery timing deliberately use ``time.monotonic()`` instead: moving the simulated clock
must not make a test wait or flood.
"""

import time
from datetime import UTC, datetime

COLLECTION = "clock"
OFFSET_ID = "offset"


def offset(data):
    """Seconds added to real time; 0 when never moved."""
    entry = data[COLLECTION].get(OFFSET_ID)
    return entry["seconds"] if entry else 0.0


def now(data):
    """Business "now" (Unix seconds) for the simulator whose store data is ``data``."""
    return time.time() + offset(data)


def set_offset(data, seconds):
    if seconds:
        data[COLLECTION][OFFSET_ID] = {"id": OFFSET_ID, "seconds": float(seconds)}
    else:
        data[COLLECTION].pop(OFFSET_ID, None)


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
