"""What a scheduling_request object says about its state, including values Cronofy
does not document: never a silent guess."""

import pytest

from cronofy_protocol import RequestState, parse_scheduling_request, read_request_state

SLOT = {
    "start": {"time": "2031-01-01T09:00:00Z", "tzid": "UTC"},
    "end": {"time": "2031-01-01T09:30:00Z", "tzid": "UTC"},
}


def reading(slot_selection, event=None, **extra):
    return read_request_state(
        parse_scheduling_request(
            {"scheduling_request_id": "srq_1", "slot_selection": slot_selection, "event": event}
            | extra
        )
    )


def test_documented_values():
    assert reading("pending").state is RequestState.PENDING
    booked = reading("complete", SLOT)
    assert booked.state is RequestState.BOOKED
    assert booked.start.time.isoformat() == "2031-01-01T09:00:00+00:00"


def test_complete_without_times_is_booked_and_the_caller_asks_for_them():
    result = reading("complete")
    assert result.state is RequestState.BOOKED and result.start is None


def test_book_now_arrives_complete():
    assert reading("complete", SLOT, slot_selection_mode="book_now").state is RequestState.BOOKED


@pytest.mark.parametrize(
    ("value", "state"),
    [
        ("declined", RequestState.DECLINED),
        ("cancelled", RequestState.CANCELLED),
        ("Canceled", RequestState.CANCELLED),
    ],
)
def test_undocumented_ending_words_read_as_they_say(value, state):
    assert reading(value).state is state


def test_an_undocumented_value_with_a_booked_slot_is_a_booking():
    assert reading("booked", SLOT).state is RequestState.BOOKED


@pytest.mark.parametrize("value", ["expired", "", None, "x" * 500])
def test_anything_else_is_unknown_with_a_reason(value):
    result = reading(value)
    assert result.state is RequestState.UNKNOWN
    assert "does not document" in result.reason
    assert len(result.reason) < 300
