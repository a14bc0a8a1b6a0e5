"""Security properties of the webhook's building blocks (tier 1, fast): forged,
tampered or replayed notifications cannot pass as new, valid ones, and hostile
bodies only ever end as the documented parse error."""

import base64
import json
import tempfile
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from cronofy_protocol import (
    NotificationParseError,
    compute_signature,
    parse_notification,
    verify_signature,
)

set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-security-"))

SECRET = "CRN_security_suite_secret_000001"
OLD_SECRET = "CRN_security_suite_secret_000000"
FAST = settings(max_examples=150, deadline=None, database=None)


def notification(
    request_id="srq_1",
    kind="scheduling_request_time_chosen",
    triggered_at="2030-01-01T10:00:00Z",
    start="2030-02-01T09:00:00Z",
):
    event = {"summary": "Interview"}
    if start:
        end = datetime.fromisoformat(start.replace("Z", "+00:00")) + timedelta(minutes=30)
        event["start"] = {"time": start, "tzid": "Europe/London"}
        event["end"] = {
            "time": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tzid": "Europe/London",
        }
    return {
        "notification": {"type": kind, "triggered_at": triggered_at},
        "scheduling_request": {"scheduling_request_id": request_id, "event": event},
    }


BODY = json.dumps(notification()).encode()


# -- forgery ----------------------------------------------------------------------------


@FAST
@given(st.integers(min_value=0, max_value=len(BODY) * 8 - 1))
def test_any_flipped_body_bit_is_refused(bit):
    signature = compute_signature(BODY, SECRET)
    tampered = bytearray(BODY)
    tampered[bit // 8] ^= 1 << (bit % 8)
    assert not verify_signature(bytes(tampered), signature, [SECRET])


@FAST
@given(st.integers(min_value=0, max_value=255))
def test_any_flipped_signature_bit_is_refused(bit):
    raw = bytearray(base64.b64decode(compute_signature(BODY, SECRET)))
    raw[bit // 8] ^= 1 << (bit % 8)
    assert not verify_signature(BODY, base64.b64encode(bytes(raw)).decode(), [SECRET])


@FAST
@given(st.text(min_size=1, max_size=64).filter(lambda s: s not in (SECRET, OLD_SECRET)))
def test_signed_with_another_key_is_refused(key):
    assert not verify_signature(BODY, compute_signature(BODY, key), [SECRET, OLD_SECRET])


@FAST
@given(st.binary(max_size=400))
def test_a_valid_signature_of_another_body_is_refused(other):
    """Replaying a captured signature on a different body fails."""
    if other == BODY:
        return
    assert not verify_signature(other, compute_signature(BODY, SECRET), [SECRET])


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        " ",
        ",",
        "sha256=",
        "null",
        "undefined",
        compute_signature(BODY, SECRET).lower(),  # base64 is case-sensitive
        compute_signature(BODY, SECRET).rstrip("="),
        compute_signature(BODY, ""),  # empty key
        base64.b64encode(b"\0" * 32).decode(),
    ],
)
def test_fails_closed_on_degenerate_headers(header):
    assert not verify_signature(BODY, header, [SECRET])


def test_no_secret_configured_refuses_everything():
    signature = compute_signature(BODY, "")
    assert not verify_signature(BODY, signature, [])
    assert not verify_signature(BODY, signature, [""])


def test_rotation_accepts_old_and_new_then_only_new():
    old = compute_signature(BODY, OLD_SECRET)
    new = compute_signature(BODY, SECRET)
    assert verify_signature(BODY, old, [SECRET, OLD_SECRET])
    assert verify_signature(BODY, new, [SECRET, OLD_SECRET])
    assert verify_signature(BODY, f"{old},{new}", [SECRET])  # Cronofy signs with both
    assert not verify_signature(BODY, old, [SECRET])  # the old one is gone


# -- replay -------------------------------------------------------------------------------


def test_replay_has_the_same_dedupe_key_however_it_is_spelt():
    """A captured notification sent again (even re-serialised) collapses onto the
    stored one: replay cannot create a second inbox row."""
    first = parse_notification(BODY)
    payload = notification(
        triggered_at="2030-01-01T10:00:00+00:00", start="2030-02-01T09:00:00.000Z"
    )
    again = parse_notification(json.dumps(payload, sort_keys=True, indent=2).encode())
    assert again.dedupe_key == first.dedupe_key


@FAST
@given(
    st.sampled_from(
        [
            "scheduling_request_time_chosen",
            "scheduling_request_rescheduled",
            "scheduling_request_declined",
        ]
    ),
    st.integers(min_value=1, max_value=10**6),
    st.integers(min_value=1, max_value=10**6),
)
def test_any_change_of_meaning_changes_the_dedupe_key(kind, seconds, minutes):
    """An attacker cannot make a new notification look like an old one, and two
    different events never share a key."""
    base = parse_notification(BODY)
    moved_time = datetime(2030, 1, 1, 10, tzinfo=UTC) + timedelta(seconds=seconds)
    moved_slot = datetime(2030, 2, 1, 9, tzinfo=UTC) + timedelta(minutes=minutes)
    variants = [
        notification(kind=kind, triggered_at=moved_time.strftime("%Y-%m-%dT%H:%M:%SZ")),
        notification(start=moved_slot.strftime("%Y-%m-%dT%H:%M:%SZ")),
        notification(request_id=f"srq_other_{seconds}"),
    ]
    for payload in variants:
        assert parse_notification(json.dumps(payload).encode()).dedupe_key != base.dedupe_key


# -- hostile bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 10_000 + b"]" * 10_000,  # deep nesting
        b'{"notification": {"type": "a", "type": "b"}}',  # duplicate keys
        b'{"notification": NaN}',
        b"\xff\xfe{}",  # not UTF-8
        b'{"a": "' + b"x" * (1024 * 1024) + b'"}',  # over 1 MiB
        b"",
        b"null",
        b'"just a string"',
        b"{" + b'"k": 1,' * 50_000 + b'"k2": 2}',
    ],
)
def test_hostile_bodies_end_as_parse_errors(raw):
    with pytest.raises(NotificationParseError):
        parse_notification(raw)


_strings = st.text(max_size=40) | st.sampled_from(
    ["<script>alert(1)</script>", "\u202e", "\0", "' OR 1=1 --", "${7*7}", "{{7*7}}", "%s%n"]
)


@FAST
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "summary",
                "description",
                "start",
                "end",
                "metadata",
                "recipients",
                "scheduling_request_id",
                "slot_selection",
            ]
        ),
        _strings
        | st.integers()
        | st.none()
        | st.lists(_strings, max_size=3)
        | st.dictionaries(_strings, _strings, max_size=3),
        max_size=6,
    )
)
def test_mutated_known_fields_only_raise_parse_errors(mutation):
    payload = notification()
    request = payload["scheduling_request"]
    for key, value in mutation.items():
        (
            request["event"]
            if key in ("summary", "description", "start", "end", "metadata")
            else request
        )[key] = value
    try:
        parsed = parse_notification(json.dumps(payload).encode())
    except NotificationParseError as error:
        assert error.field
    else:
        assert len(parsed.dedupe_key) == 64
