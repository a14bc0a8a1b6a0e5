"""Points in time as Cronofy writes them: ``"2025-01-19T16:14:11Z"`` or
``{"time": "2025-01-19T16:14:11Z", "tzid": "Europe/London"}`` (contract §7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import NotificationParseError


@dataclass(frozen=True)
class Moment:
    """An instant (aware, UTC) and, when Cronofy gave one, the IANA zone it was
    chosen in, so Odoo can show the interview in the zone the candidate picked."""

    time: datetime
    tzid: str | None = None

    @property
    def local_time(self) -> datetime:
        """The instant in its own zone (UTC when no zone was given)."""
        return self.time.astimezone(ZoneInfo(self.tzid)) if self.tzid else self.time


def parse_utc_timestamp(value: object, field: str) -> datetime:
    """Parse an ISO 8601 timestamp with an explicit offset (``Z`` is what Cronofy
    sends) into an aware UTC datetime. A timestamp without offset is refused: its
    meaning would depend on the server's zone."""
    if not isinstance(value, str):
        raise NotificationParseError(
            field, f"expected an ISO 8601 timestamp string, got {_kind(value)}"
        )
    text = value.strip()
    # fromisoformat also accepts forms Cronofy never sends (week dates, "2025-01-19"),
    # so require the date-time shape first.
    if len(text) < 20 or text[10:11] not in ("T", "t"):
        raise NotificationParseError(field, "not an ISO 8601 date-time")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise NotificationParseError(field, "not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise NotificationParseError(field, "timestamp has no time zone offset")
    return parsed.astimezone(UTC)


def parse_tzid(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise NotificationParseError(field, f"expected an IANA time zone name, got {_kind(value)}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        # ValueError covers names like "../etc" that zoneinfo refuses outright.
        raise NotificationParseError(field, "unknown time zone") from None
    return value


def parse_moment(value: object, field: str) -> Moment:
    """Accept either documented form of a moment."""
    if isinstance(value, dict):
        if "time" not in value:
            raise NotificationParseError(f"{field}.time", "missing")
        time = parse_utc_timestamp(value["time"], f"{field}.time")
        tzid = value.get("tzid")
        if tzid is None:
            return Moment(time)
        return Moment(time, parse_tzid(tzid, f"{field}.tzid"))
    return Moment(parse_utc_timestamp(value, field))


def format_utc(value: datetime) -> str:
    """Canonical text form, used where two spellings of one instant must agree."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
