"""Parsing Scheduler push notifications into typed, immutable objects."""

import copy
import json
from datetime import UTC, datetime

import pytest

from cronofy_protocol import (
    Moment,
    NotificationParseError,
    NotificationType,
    SchedulingRequestNotification,
    dedupe_key,
    parse_notification,
    parse_notification_payload,
    parse_scheduling_request,
    thaw,
)

# The documented example (contract §3.2), plus start/end in the RTS shape.
DOCUMENTED = {
    "notification": {
        "type": "scheduling_request_time_chosen",
        "triggered_at": "2025-01-19T16:14:11Z",
    },
    "scheduling_request": {
        "scheduling_request_id": "srq_80f7",
        "slot_selection": "complete",
        "primary_select_url": "https://app.cronofy.com/rts/LOiwlKXQ",
        "dashboard_url": "https://app.cronofy.com/scheduler/80f7",
        "recipient_operations": {
            "view_url": "https://app.cronofy.com/rts/LOiwlKXQ",
            "reschedule_url": "https://app.cronofy.com/rts/LOiwlKXQ?reschedule=true",
            "decline_url": "https://app.cronofy.com/rts/LOiwlKXQ?decline=true",
        },
        "summary": "Product Manager Interview at Globex",
        "duration": {"minutes": 30},
        "recipients": [
            {
                "email": "eb@example.com",
                "display_name": "Dr Emmet Brown",
                "select_url": "https://app.cronofy.com/rts/1234abc",
                "slot_selector": True,
            }
        ],
        "event": {
            "summary": "Product Manager Interview at Globex",
            "start": {"time": "2025-01-20T09:00:00Z", "tzid": "Europe/London"},
            "end": "2025-01-20T09:30:00Z",
            "metadata": {
                "scheduler": {
                    "correlation_id": "foobar",
                    "utm_medium": "email",
                    "utm_source": "odoo",
                    "utm_campaign": "spring",
                    "captured_data.phone_number": "+44 20 7946 0000",
                    "captured_data.notes": "Ça va ✓",
                }
            },
        },
    },
}


def body(payload=DOCUMENTED) -> bytes:
    return json.dumps(payload).encode()


def mutated(change):
    payload = copy.deepcopy(DOCUMENTED)
    change(payload)
    return payload


def parse_error(payload_or_bytes, **kwargs) -> NotificationParseError:
    raw = payload_or_bytes if isinstance(payload_or_bytes, bytes) else body(payload_or_bytes)
    with pytest.raises(NotificationParseError) as info:
        parse_notification(raw, **kwargs)
    return info.value


def test_documented_payload():
    n = parse_notification(body())
    assert isinstance(n, SchedulingRequestNotification)
    assert n.type == "scheduling_request_time_chosen"
    assert n.known_type is NotificationType.TIME_CHOSEN
    assert n.triggered_at == datetime(2025, 1, 19, 16, 14, 11, tzinfo=UTC)
    sr = n.scheduling_request
    assert sr.scheduling_request_id == "srq_80f7"
    assert sr.slot_selection == "complete"
    assert sr.primary_select_url == "https://app.cronofy.com/rts/LOiwlKXQ"
    assert sr.dashboard_url == "https://app.cronofy.com/scheduler/80f7"
    assert sr.summary == "Product Manager Interview at Globex"
    assert sr.duration_minutes == 30
    assert sr.recipient_operations.decline_url.endswith("decline=true")
    assert sr.recipient_operations.reschedule_url.endswith("reschedule=true")
    (r,) = sr.recipients
    assert (r.email, r.display_name, r.slot_selector) == ("eb@example.com", "Dr Emmet Brown", True)
    assert r.select_url == "https://app.cronofy.com/rts/1234abc"
    event = sr.event
    assert event.summary == "Product Manager Interview at Globex"
    assert event.start == Moment(datetime(2025, 1, 20, 9, 0, tzinfo=UTC), "Europe/London")
    assert event.end == Moment(datetime(2025, 1, 20, 9, 30, tzinfo=UTC), None)
    meta = event.scheduler_metadata
    assert n.correlation_id == meta.correlation_id == "foobar"
    assert dict(meta.utm) == {"medium": "email", "source": "odoo", "campaign": "spring"}
    assert dict(meta.captured_data) == {"phone_number": "+44 20 7946 0000", "notes": "Ça va ✓"}
    assert len(n.dedupe_key) == 64


def test_local_time_uses_tzid():
    start = parse_notification(body()).scheduling_request.event.start
    assert start.local_time.hour == 9  # London is UTC+0 in January
    assert start.local_time.tzinfo.key == "Europe/London"
    assert Moment(start.time).local_time == start.time


def test_minimal_payload():
    n = parse_notification(
        b'{"notification":{"type":"x","triggered_at":"2025-01-19T16:14:11Z"},'
        b'"scheduling_request":{"scheduling_request_id":"srq_1"}}'
    )
    sr = n.scheduling_request
    assert sr.recipients == () and sr.event is None and sr.recipient_operations is None
    assert sr.correlation_id is None and n.correlation_id is None
    assert sr.duration_minutes is None


def test_unknown_type_is_kept():
    n = parse_notification(
        body(mutated(lambda p: p["notification"].update(type="scheduling_request_teleported")))
    )
    assert n.type == "scheduling_request_teleported"
    assert n.known_type is None


def test_unknown_fields_are_kept_at_every_level():
    def add_unknowns(p):
        p["channel"] = {"id": "chn_1"}
        p["notification"]["attempt"] = 2
        sr = p["scheduling_request"]
        sr["host"] = {"sub": "acc_1"}
        sr["recipients"][0]["time_zone"] = "Europe/Paris"
        sr["recipient_operations"]["cancel_url"] = "https://x"
        sr["event"]["conferencing"] = {"join_url": "https://meet"}
        sr["event"]["metadata"]["other_ns"] = {"k": "v"}
        sr["event"]["metadata"]["scheduler"]["new_thing"] = 1

    n = parse_notification(body(mutated(add_unknowns)))
    assert n.extra["channel"]["id"] == "chn_1"
    assert n.extra["notification"]["attempt"] == 2
    sr = n.scheduling_request
    assert sr.extra["host"]["sub"] == "acc_1"
    assert sr.recipients[0].extra == {"time_zone": "Europe/Paris"}
    assert sr.recipient_operations.extra == {"cancel_url": "https://x"}
    assert sr.event.extra["conferencing"]["join_url"] == "https://meet"
    assert sr.event.extra["metadata"]["other_ns"] == {"k": "v"}
    assert sr.event.scheduler_metadata.extra == {"new_thing": 1}
    assert thaw(n.raw)["channel"] == {"id": "chn_1"}


def test_nested_captured_data_form_accepted():
    def nest(p):
        p["scheduling_request"]["event"]["metadata"]["scheduler"]["captured_data"] = {
            "notes": "nested loses",
            "company": "Globex",
        }

    captured = parse_notification(
        body(mutated(nest))
    ).scheduling_request.event.scheduler_metadata.captured_data
    assert dict(captured) == {
        "phone_number": "+44 20 7946 0000",
        "notes": "Ça va ✓",
        "company": "Globex",
    }


def test_objects_are_immutable():
    n = parse_notification(body())
    with pytest.raises(AttributeError):
        n.type = "other"
    with pytest.raises(TypeError):
        n.raw["notification"]["type"] = "other"
    with pytest.raises(TypeError):
        n.scheduling_request.event.scheduler_metadata.utm["source"] = "x"
    assert isinstance(n.raw["scheduling_request"]["recipients"], tuple)
    # Still hashable and comparable despite mapping fields.
    assert hash(n) == hash(parse_notification(body()))
    assert n == parse_notification(body())


def test_raw_round_trips_to_plain_json():
    n = parse_notification(body())
    assert thaw(n.raw) == DOCUMENTED
    assert json.loads(json.dumps(thaw(n.raw))) == DOCUMENTED


# --- dedupe key ------------------------------------------------------------------------


def test_same_notification_twice_same_key():
    a = parse_notification(body())
    b = parse_notification(json.dumps(DOCUMENTED, indent=2).encode())
    assert a.dedupe_key == b.dedupe_key


def test_key_ignores_timestamp_spelling_and_other_fields():
    other = mutated(lambda p: p["notification"].update(triggered_at="2025-01-19T17:14:11+01:00"))
    other["scheduling_request"]["slot_selection"] = "pending"
    assert parse_notification(body(other)).dedupe_key == parse_notification(body()).dedupe_key


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p["notification"].update(type="scheduling_request_rescheduled"),
        lambda p: p["notification"].update(triggered_at="2025-01-19T16:14:12Z"),
        lambda p: p["scheduling_request"].update(scheduling_request_id="srq_other"),
    ],
)
def test_key_changes_with_identity(change):
    assert (
        parse_notification(body(mutated(change))).dedupe_key
        != parse_notification(body()).dedupe_key
    )


def test_reschedules_within_one_second_keep_distinct_keys():
    def rescheduled_to(start, end):
        def change(payload):
            payload["notification"]["type"] = "scheduling_request_rescheduled"
            payload["scheduling_request"]["event"]["start"] = {"time": start, "tzid": "Etc/UTC"}
            payload["scheduling_request"]["event"]["end"] = {"time": end, "tzid": "Etc/UTC"}

        return parse_notification(body(mutated(change)))

    first = rescheduled_to("2025-01-20T10:00:00Z", "2025-01-20T10:30:00Z")
    second = rescheduled_to("2025-01-21T10:00:00Z", "2025-01-21T10:30:00Z")
    again = rescheduled_to("2025-01-20T10:00:00+00:00", "2025-01-20T10:30:00Z")
    assert first.triggered_at == second.triggered_at
    assert first.dedupe_key != second.dedupe_key
    assert first.dedupe_key == again.dedupe_key


def test_key_is_unambiguous():
    t = datetime(2025, 1, 1, tzinfo=UTC)
    assert dedupe_key("a,b", "c", t) != dedupe_key("a", "b,c", t)
    assert dedupe_key("a", "b", t) == dedupe_key("a", "b", t)


# --- errors name the field -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.pop("notification"), "notification"),
        (lambda p: p.pop("scheduling_request"), "scheduling_request"),
        (lambda p: p["notification"].pop("type"), "notification.type"),
        (lambda p: p["notification"].update(type=None), "notification.type"),
        (lambda p: p["notification"].pop("triggered_at"), "notification.triggered_at"),
        (
            lambda p: p["scheduling_request"].pop("scheduling_request_id"),
            "scheduling_request.scheduling_request_id",
        ),
    ],
)
def test_missing_required_field_named(change, field):
    error = parse_error(mutated(change))
    assert error.field == field
    assert "missing" in str(error) and field in str(error)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.update(notification="x"), "notification"),
        (lambda p: p["notification"].update(type=5), "notification.type"),
        (lambda p: p["notification"].update(type=""), "notification.type"),
        (lambda p: p["notification"].update(triggered_at=1737303251), "notification.triggered_at"),
        (lambda p: p["notification"].update(triggered_at="yesterday"), "notification.triggered_at"),
        (
            lambda p: p["notification"].update(triggered_at="2025-01-19T16:14:11"),
            "notification.triggered_at",
        ),
        (
            lambda p: p["notification"].update(triggered_at="2025-01-19"),
            "notification.triggered_at",
        ),
        (
            lambda p: p["notification"].update(triggered_at="2025-13-19T16:14:11Z"),
            "notification.triggered_at",
        ),
        (lambda p: p.update(scheduling_request=[]), "scheduling_request"),
        (
            lambda p: p["scheduling_request"].update(scheduling_request_id=42),
            "scheduling_request.scheduling_request_id",
        ),
        (
            lambda p: p["scheduling_request"].update(slot_selection=1),
            "scheduling_request.slot_selection",
        ),
        (lambda p: p["scheduling_request"].update(duration=30), "scheduling_request.duration"),
        (
            lambda p: p["scheduling_request"].update(duration={"minutes": "30"}),
            "scheduling_request.duration.minutes",
        ),
        (
            lambda p: p["scheduling_request"].update(duration={"minutes": True}),
            "scheduling_request.duration.minutes",
        ),
        (
            lambda p: p["scheduling_request"].update(duration={"minutes": -1}),
            "scheduling_request.duration.minutes",
        ),
        (
            lambda p: p["scheduling_request"].update(recipients={"email": "x"}),
            "scheduling_request.recipients",
        ),
        (
            lambda p: p["scheduling_request"].update(recipients=["x"]),
            "scheduling_request.recipients[0]",
        ),
        (
            lambda p: p["scheduling_request"]["recipients"][0].update(slot_selector="yes"),
            "scheduling_request.recipients[0].slot_selector",
        ),
        (
            lambda p: p["scheduling_request"]["recipients"][0].update(email=["a"]),
            "scheduling_request.recipients[0].email",
        ),
        (
            lambda p: p["scheduling_request"].update(recipient_operations="x"),
            "scheduling_request.recipient_operations",
        ),
        (lambda p: p["scheduling_request"].update(event=[1]), "scheduling_request.event"),
        (
            lambda p: p["scheduling_request"]["event"].update(metadata="x"),
            "scheduling_request.event.metadata",
        ),
        (
            lambda p: p["scheduling_request"]["event"]["metadata"].update(scheduler=[]),
            "scheduling_request.event.metadata.scheduler",
        ),
        (
            lambda p: p["scheduling_request"]["event"]["metadata"]["scheduler"].update(
                correlation_id=7
            ),
            "scheduling_request.event.metadata.scheduler.correlation_id",
        ),
        (
            lambda p: p["scheduling_request"]["event"]["metadata"]["scheduler"].update(
                utm_source={"a": 1}
            ),
            "scheduling_request.event.metadata.scheduler.utm_source",
        ),
        (
            lambda p: p["scheduling_request"]["event"].update(start={"tzid": "UTC"}),
            "scheduling_request.event.start.time",
        ),
        (
            lambda p: p["scheduling_request"]["event"].update(
                start={"time": "2025-01-20T09:00:00Z", "tzid": "Mars/Base"}
            ),
            "scheduling_request.event.start.tzid",
        ),
        (
            lambda p: p["scheduling_request"]["event"].update(
                start={"time": "2025-01-20T09:00:00Z", "tzid": "../../etc/passwd"}
            ),
            "scheduling_request.event.start.tzid",
        ),
        (
            lambda p: p["scheduling_request"]["event"].update(
                start={"time": "2025-01-20T09:00:00Z", "tzid": 3}
            ),
            "scheduling_request.event.start.tzid",
        ),
        (
            lambda p: p["scheduling_request"]["event"].update(end="not a time at all!"),
            "scheduling_request.event.end",
        ),
        (
            lambda p: p["scheduling_request"]["event"].update(end={"time": None}),
            "scheduling_request.event.end.time",
        ),
    ],
)
def test_wrong_types_name_the_field(change, field):
    assert parse_error(mutated(change)).field == field


def test_nulls_count_as_absent_for_optional_fields():
    def nullify(p):
        sr = p["scheduling_request"]
        sr.update(slot_selection=None, duration=None, recipients=None, recipient_operations=None)
        sr["event"].update(start=None, metadata=None)

    sr = parse_notification(body(mutated(nullify))).scheduling_request
    assert sr.slot_selection is None and sr.recipients == () and sr.duration_minutes is None
    assert sr.event.start is None and sr.event.scheduler_metadata.correlation_id is None


def test_non_utc_offsets_and_fractions_normalised_to_utc():
    n = parse_notification(
        body(
            mutated(
                lambda p: p["notification"].update(triggered_at="2025-01-19T18:14:11.250+02:00")
            )
        )
    )
    assert n.triggered_at == datetime(2025, 1, 19, 16, 14, 11, 250000, tzinfo=UTC)
    assert n.triggered_at.tzinfo is UTC


# --- hostile bodies --------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        b"{",
        body()[:-1],
        body()[: len(body()) // 2],
        b"null",
        b"[]",
        b'"string"',
        b"42",
        b"\xff\xfe{}",
        b'{"notification": NaN}',
        b'{"a": Infinity}',
        b'{"notification": {}, "notification": {}}',
        "\ufeff{}".encode(),
    ],
)
def test_hostile_bodies_give_one_clear_error(raw):
    error = parse_error(raw)
    assert error.field in ("body", "notification")


def test_truncated_json_error_says_where():
    error = parse_error(body()[:40])
    assert error.field == "body" and "invalid JSON" in str(error)


def test_body_over_limit_refused_before_parsing():
    raw = b'{"pad":"' + b"x" * (10 * 1024 * 1024) + b'"}'
    error = parse_error(raw)
    assert error.field == "body" and "over the limit" in str(error)
    assert "1048576" in str(error)


def test_limit_is_a_parameter():
    raw = body()
    parse_notification(raw, max_body_bytes=len(raw))
    assert parse_error(raw, max_body_bytes=len(raw) - 1).field == "body"


def test_deep_nesting_refused():
    raw = b'{"notification":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert parse_error(raw).field == "body"


def test_non_ascii_everywhere():
    def exotic(p):
        sr = p["scheduling_request"]
        sr["scheduling_request_id"] = "srq_ünïcødé"
        sr["recipients"][0]["display_name"] = "山田 太郎 🚀"
        sr["event"]["metadata"]["scheduler"]["correlation_id"] = "ñ-42"

    n = parse_notification(json.dumps(mutated(exotic), ensure_ascii=False).encode())
    assert n.scheduling_request.recipients[0].display_name == "山田 太郎 🚀"
    assert n.correlation_id == "ñ-42"
    assert n.dedupe_key == parse_notification(json.dumps(mutated(exotic)).encode()).dedupe_key


def test_string_body_is_a_programming_error():
    with pytest.raises(TypeError):
        parse_notification(body().decode())


def test_payload_entry_point_for_replays():
    assert parse_notification_payload(DOCUMENTED) == parse_notification(body())
    with pytest.raises(NotificationParseError) as info:
        parse_notification_payload(["x"])
    assert info.value.field == "body"


def test_parse_scheduling_request_from_api_shape():
    sr = parse_scheduling_request({"scheduling_request_id": "srq_1", "slot_selection": "pending"})
    assert sr.slot_selection == "pending"
    with pytest.raises(NotificationParseError) as info:
        parse_scheduling_request({"scheduling_request_id": "  "})
    assert info.value.field == "scheduling_request.scheduling_request_id"


def test_naive_timestamp_with_fraction_refused():
    change = lambda p: p["notification"].update(triggered_at="2025-01-19T16:14:11.000")  # noqa: E731
    error = parse_error(mutated(change))
    assert error.field == "notification.triggered_at" and "offset" in str(error)


def test_moment_object_with_null_tzid_and_duration_without_minutes():
    def change(p):
        p["scheduling_request"]["event"]["start"] = {"time": "2025-01-20T09:00:00Z", "tzid": None}
        p["scheduling_request"]["duration"] = {}

    sr = parse_notification(body(mutated(change))).scheduling_request
    assert sr.event.start == Moment(datetime(2025, 1, 20, 9, 0, tzinfo=UTC))
    assert sr.duration_minutes is None


# --- signed but hostile: every refusal is a NotificationParseError naming the place ---


@pytest.mark.parametrize(
    "where",
    [
        lambda p: p["scheduling_request"].update(scheduling_request_id="srq_\u0000x"),
        lambda p: p["notification"].update(type="scheduling_request_\u0000time_chosen"),
        lambda p: p["scheduling_request"]["event"]["metadata"]["scheduler"].update(
            correlation_id="odoo-\u0000"
        ),
    ],
    ids=["request-id", "type", "correlation-id"],
)
def test_nul_character_in_a_typed_string_refused(where):
    # json.dumps spells NUL as \u0000: valid JSON, but no text column takes it.
    error = parse_error(mutated(where))
    assert "NUL" in str(error) and error.field != "body"


def test_lone_surrogate_in_an_id_refused():
    raw = body().replace(b'"srq_80f7"', b'"srq_\\ud800"')
    error = parse_error(raw)
    assert error.field == "scheduling_request.scheduling_request_id"
    assert "surrogate" in str(error)


def test_paired_surrogates_are_an_ordinary_character():
    raw = body().replace(b'"srq_80f7"', b'"srq_\\ud83d\\ude80"')
    assert parse_notification(raw).scheduling_request.scheduling_request_id == "srq_🚀"


@pytest.mark.parametrize("digits", [33, 5000])
def test_huge_integer_refused_as_it_is_read(digits):
    raw = body().replace(b'"minutes": 30', b'"minutes": ' + b"9" * digits)
    assert b"9" * digits in raw
    error = parse_error(raw)
    assert error.field == "body" and "digits" in str(error)


def test_ordinary_integers_still_parse():
    raw = body().replace(b'"minutes": 30', b'"minutes": ' + b"9" * 32)
    assert parse_notification(raw).scheduling_request.duration_minutes == int("9" * 32)


@pytest.mark.parametrize("depth", [65, 600, 900])
def test_nesting_just_under_the_json_parser_limit_refused(depth):
    # Python's parser takes 900 levels; walking them again later (freezing, display)
    # would recurse past the interpreter's limit inside a request handler.
    nested = b"[" * depth + b"]" * depth
    raw = body().replace(b'"dashboard_url"', b'"deep": ' + nested + b', "dashboard_url"')
    json.loads(raw)  # valid JSON
    error = parse_error(raw)
    assert error.field == "body" and "nested deeper" in str(error)


def test_nesting_of_sixty_four_levels_is_kept():
    nested = "[" * 62 + "]" * 62  # with the body and the request: 64 levels
    raw = body().replace(b'"dashboard_url"', f'"deep": {nested}, "dashboard_url"'.encode())
    assert "deep" in parse_notification(raw).scheduling_request.extra


def test_api_answer_nested_too_deeply_refused():
    deep: list = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(NotificationParseError):
        parse_scheduling_request({"scheduling_request_id": "srq_1", "x": deep})
