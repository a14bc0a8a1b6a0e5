"""Free slots for a scheduling request, from its hosts' working hours, time zones and bookings.

The real Scheduler consults connected calendars; here a host's "calendar" is its working hours
minus the requests already booked with it. Slot grid, notice and horizon are guesses [U].
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .clock import iso_utc

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WORKING_HOURS = [{"day": day, "start": "09:00", "end": "17:00"} for day in WEEKDAYS[:5]]


def _parse_clock(value):
    try:
        hours, minutes = value.split(":")
        parsed = time(int(hours), int(minutes))
    except (AttributeError, ValueError):
        return None
    return parsed


def validate_tzid(tzid):
    if not isinstance(tzid, str) or not tzid:
        return "required: an IANA time zone such as Europe/London"
    try:
        ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {tzid!r}"
    return None


def validate_working_hours(value):
    """Working hours are a list of {"day": "monday", "start": "09:00", "end": "17:00"}."""
    if not isinstance(value, list):
        return "must be a list of {day, start, end}"
    for entry in value:
        if not isinstance(entry, dict) or entry.get("day") not in WEEKDAYS:
            return f"each entry needs a day among {', '.join(WEEKDAYS)}"
        start, end = _parse_clock(entry.get("start")), _parse_clock(entry.get("end"))
        if start is None or end is None or start >= end:
            return "start and end must be HH:MM with start before end"
    return None


def _overlaps(start, end, busy):
    return any(start < busy_end and busy_start < end for busy_start, busy_end in busy)


def busy_periods(data, host_sub, exclude_request_id=None):
    periods = []
    for other in data["scheduling_requests"].values():
        if other["id"] == exclude_request_id or other["slot_selection"] != "complete":
            continue
        if other.get("host_sub") == host_sub and other.get("event_start") is not None:
            periods.append((other["event_start"], other["event_end"]))
    return periods


def free_slots(data, scheduling_request, config, now, limit=500):
    """Sorted list of {"start", "end", "host_sub", "tzid"} (times as ISO UTC strings).

    When several hosts may take the meeting (a host group with required=1), a time is offered
    if any of them is free, and the first free host in the request's order gets it.
    """
    duration = scheduling_request["duration_minutes"] * 60
    step = max(1, config.slot_step_minutes) * 60
    earliest = now + config.minimum_notice_minutes * 60
    horizon = now + (config.slot_days_ahead + 1) * 86400
    offered = {}
    for host_sub in scheduling_request["host_subs"]:
        host = data["hosts"].get(host_sub)
        if host is None:
            continue
        zone = ZoneInfo(host["tzid"])
        busy = busy_periods(data, host_sub, exclude_request_id=scheduling_request["id"])
        first_day = datetime.fromtimestamp(now, zone).date()
        for offset in range(config.slot_days_ahead + 1):
            day = first_day + timedelta(days=offset)
            weekday = WEEKDAYS[day.weekday()]
            for hours in host["working_hours"]:
                if hours["day"] != weekday:
                    continue
                window_start = datetime.combine(day, _parse_clock(hours["start"]), zone).timestamp()
                window_end = datetime.combine(day, _parse_clock(hours["end"]), zone).timestamp()
                start = window_start
                while start + duration <= window_end:
                    if earliest <= start <= horizon and start not in offered:
                        if not _overlaps(start, start + duration, busy):
                            offered[start] = (host_sub, host["tzid"])
                    start += step
    slots = []
    for start in sorted(offered)[:limit]:
        host_sub, tzid = offered[start]
        slots.append(
            {
                "start": iso_utc(start),
                "end": iso_utc(start + duration),
                "host_sub": host_sub,
                "tzid": tzid,
            }
        )
    return slots
