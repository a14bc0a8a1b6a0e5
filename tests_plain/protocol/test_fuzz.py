"""Property tests: hostile input never escapes as anything but the documented error."""

import json
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from cronofy_protocol import NotificationParseError, parse_notification, verify_signature

# Keep Hypothesis's caches out of the repository (the lead owns .gitignore).
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-protocol-"))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def _only_parse_errors(raw: bytes):
    try:
        parse_notification(raw)
    except NotificationParseError as error:
        assert error.field  # always names something


@settings(max_examples=200, deadline=None, database=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes(raw):
    _only_parse_errors(raw)


@settings(max_examples=200, deadline=None, database=None)
@given(json_values)
def test_arbitrary_json(value):
    _only_parse_errors(json.dumps(value).encode())


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.fixed_dictionaries(
        {
            "notification": st.fixed_dictionaries(
                {"type": json_values, "triggered_at": json_values}
            ),
            "scheduling_request": st.dictionaries(
                st.sampled_from(
                    [
                        "scheduling_request_id",
                        "recipients",
                        "event",
                        "duration",
                        "recipient_operations",
                    ]
                ),
                json_values,
            ),
        }
    )
)
def test_near_miss_payloads(value):
    _only_parse_errors(json.dumps(value).encode())


@settings(max_examples=200, deadline=None, database=None)
@given(st.binary(max_size=256), st.text(max_size=200), st.lists(st.text(max_size=40), max_size=3))
def test_verify_never_raises_and_rejects_garbage(body, header, secrets):
    assert verify_signature(body, header, secrets) is False
