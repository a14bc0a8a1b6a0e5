"""Typed, immutable view of Scheduler push notifications and scheduling-request objects.

Contract §3.2/§4.3. The same ``scheduling_request`` object arrives in webhooks and
in API responses, so one parser serves both. Rules:

- required fields missing or of the wrong type raise one ``NotificationParseError``
  naming the field by its dotted path;
- known optional fields are type-checked when present (``null`` counts as absent);
- unknown fields are kept in ``extra`` (per object) and the whole payload in ``raw``,
  and unknown notification types are accepted, so a Cronofy addition never loses data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from .errors import NotificationParseError
from .moments import Moment, format_utc, parse_moment, parse_utc_timestamp

DEFAULT_MAX_BODY_BYTES = 1024 * 1024  # 1 MiB, the addon's documented intake limit
# Cronofy's payloads nest about six levels deep. A limit far above that and far
# below Python's recursion limit lets every later walk of the value (freezing,
# display) recurse safely, whatever stack the caller already uses.
MAX_JSON_DEPTH = 64
# Integers in Cronofy's payloads are minutes and counts. Python refuses to parse
# integers over 4,300 digits with a ValueError, and big ones cost quadratic time:
# anything longer than this is refused as the parse reads it.
MAX_INTEGER_DIGITS = 32
EMPTY: Mapping[str, Any] = MappingProxyType({})


class NotificationType(StrEnum):
    """Notification types we know. Others are kept as plain strings."""

    TIME_CHOSEN = "scheduling_request_time_chosen"  # [C] webhook type
    # [I] confirmed as booking-page UI events; assumed to be webhook types as well.
    RESCHEDULED = "scheduling_request_rescheduled"
    DECLINED = "scheduling_request_declined"
    # [U] no cancellation type is documented; this name is our guess and is only
    # used to label it, never to reject anything.
    CANCELLED = "scheduling_request_cancelled"
    # [U] Cronofy documents a "request created" push notification (Book Now) but
    # not its type string; this is our guess. A created notification under another
    # name is an unknown type, and unknown types make Odoo ask Cronofy anyway.
    CREATED = "scheduling_request_created"


# --- immutable containers -------------------------------------------------------------


def freeze(value: Any) -> Any:
    """Deep-immutable copy of a JSON value: dicts become read-only mappings and
    lists become tuples, so a parsed notification cannot be changed in place."""
    if isinstance(value, dict):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Plain ``dict``/``list`` copy of a frozen value (for ``json.dumps`` and storage)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


def _mapping_field():
    # Mappings are not hashable; leaving them out of the hash keeps the frozen
    # dataclasses hashable while equality still compares them.
    return field(default_factory=lambda: EMPTY, hash=False)


@dataclass(frozen=True)
class Recipient:
    email: str | None = None
    display_name: str | None = None
    select_url: str | None = None
    slot_selector: bool | None = None
    extra: Mapping[str, Any] = _mapping_field()


@dataclass(frozen=True)
class RecipientOperations:
    view_url: str | None = None
    reschedule_url: str | None = None
    decline_url: str | None = None
    extra: Mapping[str, Any] = _mapping_field()


@dataclass(frozen=True)
class SchedulerMetadata:
    """``event.metadata.scheduler``: link metadata (contract §4.6) and captured data.

    ``utm`` is keyed without the ``utm_`` prefix (``{"source": ...}``), and
    ``captured_data`` without the ``captured_data.`` prefix (``{"phone_number": ...}``).
    """

    correlation_id: str | None = None
    utm: Mapping[str, str] = _mapping_field()
    captured_data: Mapping[str, Any] = _mapping_field()
    extra: Mapping[str, Any] = _mapping_field()


@dataclass(frozen=True)
class EventDetails:
    summary: str | None = None
    description: str | None = None
    # [U] start/end are not in the documented webhook example (contract §3.2), so they
    # are optional; [I] when present they are read in the RTS callback shape
    # ({time, tzid}) or as a plain UTC timestamp. Absent: query the request by id.
    start: Moment | None = None
    end: Moment | None = None
    scheduler_metadata: SchedulerMetadata = SchedulerMetadata()
    extra: Mapping[str, Any] = _mapping_field()


@dataclass(frozen=True)
class SchedulingRequest:
    scheduling_request_id: str
    # [U] only "pending" and "complete" are documented; kept as plain text so a new
    # value (declined? cancelled?) is stored rather than rejected.
    slot_selection: str | None = None
    primary_select_url: str | None = None
    dashboard_url: str | None = None
    summary: str | None = None
    duration_minutes: int | None = None
    recipient_operations: RecipientOperations | None = None
    recipients: tuple[Recipient, ...] = ()
    event: EventDetails | None = None
    extra: Mapping[str, Any] = _mapping_field()
    raw: Mapping[str, Any] = _mapping_field()

    @property
    def correlation_id(self) -> str | None:
        return self.event.scheduler_metadata.correlation_id if self.event else None


@dataclass(frozen=True)
class SchedulingRequestNotification:
    type: str
    triggered_at: datetime
    scheduling_request: SchedulingRequest
    dedupe_key: str
    extra: Mapping[str, Any] = _mapping_field()
    raw: Mapping[str, Any] = _mapping_field()

    @property
    def known_type(self) -> NotificationType | None:
        try:
            return NotificationType(self.type)
        except ValueError:
            return None

    @property
    def correlation_id(self) -> str | None:
        return self.scheduling_request.correlation_id


# --- field readers ----------------------------------------------------------------------


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _require(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in obj or obj[key] is None:
        raise NotificationParseError(_join(path, key), "missing")
    return obj[key]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _object(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise NotificationParseError(path, f"expected an object, got {_kind(value)}")
    return value


def _string(value: Any, path: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise NotificationParseError(path, f"expected a string, got {_kind(value)}")
    if not allow_empty and not value.strip():
        raise NotificationParseError(path, "must not be empty")
    # JSON can spell characters no database text column or UTF-8 encoder takes:
    # NUL, and surrogates that pair with nothing. Cronofy sends neither.
    if "\x00" in value:
        raise NotificationParseError(path, "contains a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise NotificationParseError(path, "contains an unpaired surrogate") from None
    return value


def _opt_string(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    return None if value is None else _string(value, _join(path, key), allow_empty=True)


def _opt_bool(obj: Mapping[str, Any], key: str, path: str) -> bool | None:
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise NotificationParseError(_join(path, key), f"expected true/false, got {_kind(value)}")


def _opt_object(obj: Mapping[str, Any], key: str, path: str) -> dict | None:
    value = obj.get(key)
    return None if value is None else _object(value, _join(path, key))


def _extra(obj: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    return freeze({k: v for k, v in obj.items() if k not in known})


# --- object parsers ---------------------------------------------------------------------

_RECIPIENT_KEYS = frozenset({"email", "display_name", "select_url", "slot_selector"})
_OPERATION_KEYS = frozenset({"view_url", "reschedule_url", "decline_url"})
_EVENT_KEYS = frozenset({"summary", "description", "start", "end", "metadata"})
_REQUEST_KEYS = frozenset(
    {
        "scheduling_request_id",
        "slot_selection",
        "primary_select_url",
        "dashboard_url",
        "summary",
        "duration",
        "recipient_operations",
        "recipients",
        "event",
    }
)
_UTM_PREFIX = "utm_"
_CAPTURED_PREFIX = "captured_data."


def _parse_recipient(value: Any, path: str) -> Recipient:
    obj = _object(value, path)
    return Recipient(
        email=_opt_string(obj, "email", path),
        display_name=_opt_string(obj, "display_name", path),
        select_url=_opt_string(obj, "select_url", path),
        slot_selector=_opt_bool(obj, "slot_selector", path),
        extra=_extra(obj, _RECIPIENT_KEYS),
    )


def _parse_operations(obj: dict, path: str) -> RecipientOperations:
    return RecipientOperations(
        view_url=_opt_string(obj, "view_url", path),
        reschedule_url=_opt_string(obj, "reschedule_url", path),
        decline_url=_opt_string(obj, "decline_url", path),
        extra=_extra(obj, _OPERATION_KEYS),
    )


def _parse_scheduler_metadata(obj: dict, path: str) -> SchedulerMetadata:
    utm: dict[str, str] = {}
    captured: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in obj.items():
        key_path = _join(path, key)
        if key == "correlation_id":
            continue
        if key.startswith(_UTM_PREFIX):
            if value is not None:
                utm[key[len(_UTM_PREFIX) :]] = _string(value, key_path, allow_empty=True)
        elif key.startswith(_CAPTURED_PREFIX):
            # [C] captured data arrives as flat "captured_data.<field>" keys. Its value
            # types are not documented, so any JSON value is kept as sent.
            captured[key[len(_CAPTURED_PREFIX) :]] = freeze(value)
        elif key == "captured_data" and isinstance(value, dict):
            # [U] a nested {"captured_data": {...}} form is accepted too, in case
            # Cronofy sends it that way; flat keys win on a clash.
            for name, item in value.items():
                captured.setdefault(name, freeze(item))
        else:
            extra[key] = value
    return SchedulerMetadata(
        correlation_id=_opt_string(obj, "correlation_id", path),
        utm=MappingProxyType(utm),
        captured_data=MappingProxyType(captured),
        extra=freeze(extra),
    )


def _parse_event(obj: dict, path: str) -> EventDetails:
    metadata = _opt_object(obj, "metadata", path) or {}
    scheduler = _opt_object(metadata, "scheduler", _join(path, "metadata")) or {}
    start = obj.get("start")
    end = obj.get("end")
    event_extra = {k: v for k, v in obj.items() if k not in _EVENT_KEYS}
    metadata_extra = {k: v for k, v in metadata.items() if k != "scheduler"}
    if metadata_extra:
        # Other metadata namespaces are not ours to interpret; keep them.
        event_extra["metadata"] = metadata_extra
    return EventDetails(
        summary=_opt_string(obj, "summary", path),
        description=_opt_string(obj, "description", path),
        start=None if start is None else parse_moment(start, _join(path, "start")),
        end=None if end is None else parse_moment(end, _join(path, "end")),
        scheduler_metadata=_parse_scheduler_metadata(
            scheduler, _join(_join(path, "metadata"), "scheduler")
        ),
        extra=freeze(event_extra),
    )


def _parse_duration_minutes(obj: dict, path: str) -> int | None:
    duration = _opt_object(obj, "duration", path)
    if duration is None:
        return None
    minutes = duration.get("minutes")
    if minutes is None:
        return None
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise NotificationParseError(
            _join(path, "duration.minutes"),
            f"expected a whole number of minutes, got {minutes!r}"[:120],
        )
    return minutes


def parse_scheduling_request(value: Any, path: str = "scheduling_request") -> SchedulingRequest:
    """Parse one ``scheduling_request`` object (webhook or API response)."""
    _check_depth(value)
    obj = _object(value, path)
    request_id = _string(
        _require(obj, "scheduling_request_id", path), _join(path, "scheduling_request_id")
    )
    recipients_value = obj.get("recipients")
    if recipients_value is None:
        recipients: tuple[Recipient, ...] = ()
    elif isinstance(recipients_value, list):
        recipients = tuple(
            _parse_recipient(item, f"{_join(path, 'recipients')}[{index}]")
            for index, item in enumerate(recipients_value)
        )
    else:
        raise NotificationParseError(
            _join(path, "recipients"), f"expected a list, got {_kind(recipients_value)}"
        )
    operations = _opt_object(obj, "recipient_operations", path)
    event = _opt_object(obj, "event", path)
    return SchedulingRequest(
        scheduling_request_id=request_id,
        slot_selection=_opt_string(obj, "slot_selection", path),
        primary_select_url=_opt_string(obj, "primary_select_url", path),
        dashboard_url=_opt_string(obj, "dashboard_url", path),
        summary=_opt_string(obj, "summary", path),
        duration_minutes=_parse_duration_minutes(obj, path),
        recipient_operations=(
            None
            if operations is None
            else _parse_operations(operations, _join(path, "recipient_operations"))
        ),
        recipients=recipients,
        event=None if event is None else _parse_event(event, _join(path, "event")),
        extra=_extra(obj, _REQUEST_KEYS),
        raw=freeze(obj),
    )


# --- notifications ----------------------------------------------------------------------

DEDUPE_KEY_VERSION = "v2"


def dedupe_key(
    scheduling_request_id: str,
    notification_type: str,
    triggered_at: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
) -> str:
    """Stable identity of one logical notification, for the inbox's unique index.

    sha256 over (version, scheduling_request_id, type, triggered_at, and the booked
    slot's start and end when given, all in canonical UTC form). The contract
    suggests the first three (§3.5), but triggered_at has one-second precision, so
    two reschedules of one request within a second would share a key and the second
    would be dropped as a duplicate; the slot tells them apart. Two deliveries of the
    same notification share a key even if a timestamp is spelt differently (``Z`` vs
    ``+00:00``). The version tag lets the recipe change without colliding with old
    keys.
    """
    slot = [format_utc(moment) if moment else "" for moment in (start, end)]
    parts = (
        DEDUPE_KEY_VERSION,
        scheduling_request_id,
        notification_type,
        format_utc(triggered_at),
        *slot,
    )
    # JSON-encoding the tuple keeps the boundaries unambiguous: no id or type can be
    # crafted so that two different tuples produce the same text.
    material = json.dumps(parts, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(material.encode("ascii")).hexdigest()


def parse_notification_payload(payload: Any) -> SchedulingRequestNotification:
    """Parse an already-decoded notification (e.g. replayed from the inbox)."""
    _check_depth(payload)
    root = _object(payload, "body")
    notification = _object(_require(root, "notification", ""), "notification")
    type_ = _string(_require(notification, "type", "notification"), "notification.type")
    triggered_at = parse_utc_timestamp(
        _require(notification, "triggered_at", "notification"), "notification.triggered_at"
    )
    request = parse_scheduling_request(_require(root, "scheduling_request", ""))
    extra = {k: v for k, v in root.items() if k not in ("notification", "scheduling_request")}
    notification_extra = {
        k: v for k, v in notification.items() if k not in ("type", "triggered_at")
    }
    if notification_extra:
        extra["notification"] = notification_extra
    return SchedulingRequestNotification(
        type=type_,
        triggered_at=triggered_at,
        scheduling_request=request,
        dedupe_key=dedupe_key(
            request.scheduling_request_id,
            type_,
            triggered_at,
            request.event.start.time if request.event and request.event.start else None,
            request.event.end.time if request.event and request.event.end else None,
        ),
        extra=freeze(extra),
        raw=freeze(root),
    )


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # Two parsers could read a duplicated key differently; refuse ambiguity.
            raise NotificationParseError("body", f"duplicate key {key[:64]!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise NotificationParseError("body", f"{name} is not valid JSON")


def decode_json_body(raw_body: bytes, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Any:
    """Strict JSON decoding of a request body with a size cap, a nesting cap
    (``MAX_JSON_DEPTH``) and an integer-length cap (``MAX_INTEGER_DIGITS``). Every
    refusal is a ``NotificationParseError``, never another exception."""
    if not isinstance(raw_body, bytes | bytearray | memoryview):
        raise TypeError("raw_body must be bytes")
    size = len(raw_body)
    if size > max_body_bytes:
        raise NotificationParseError(
            "body", f"{size} bytes is over the limit of {max_body_bytes} bytes"
        )
    if size == 0:
        raise NotificationParseError("body", "empty")
    try:
        text = bytes(raw_body).decode("utf-8")
    except UnicodeDecodeError:
        raise NotificationParseError("body", "not valid UTF-8") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_reject_constant,
            parse_int=_bounded_int,
        )
    except json.JSONDecodeError as exc:
        raise NotificationParseError(
            "body", f"invalid JSON at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise NotificationParseError("body", "JSON nested too deeply") from None
    _check_depth(value)
    return value


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise NotificationParseError(
            "body", f"a number of {len(digits)} digits is longer than any Cronofy sends"
        )
    return int(digits)


def _check_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse a value nested deeper than ``limit``, walking it without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise NotificationParseError("body", f"JSON nested deeper than {limit} levels")
        stack.extend((child, depth + 1) for child in children)


def parse_notification(
    raw_body: bytes, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> SchedulingRequestNotification:
    """Parse the raw bytes of a Scheduler push notification.

    Verify the signature on the same bytes first (``verify_signature``); this
    function trusts nothing and raises ``NotificationParseError`` naming the field.
    """
    return parse_notification_payload(decode_json_body(raw_body, max_body_bytes=max_body_bytes))
