"""What a ``scheduling_request`` object says about the request's state.

Cronofy documents two ``slot_selection`` values, ``pending`` and ``complete``
(contract §4.3). A notification's ``type`` and the query answer can disagree with
our list of known values, so every reader of a request's state goes through this
one function, which never guesses silently: what it cannot tell is ``UNKNOWN``
with the reason, and the caller leaves things as they are and asks a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .moments import Moment
from .notifications import SchedulingRequest


class RequestState(StrEnum):
    PENDING = "pending"
    BOOKED = "booked"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RequestReading:
    state: RequestState
    start: Moment | None = None
    end: Moment | None = None
    #: for ``UNKNOWN``: what could not be told, for a person to read
    reason: str | None = None


# [U] Undocumented values some Cronofy answer might use; read as what they say.
_ENDED = {
    "declined": RequestState.DECLINED,
    "cancelled": RequestState.CANCELLED,
    "canceled": RequestState.CANCELLED,
}


def read_request_state(scheduling_request: SchedulingRequest) -> RequestReading:
    """The state ``scheduling_request`` shows, from ``slot_selection`` and, for a
    value Cronofy does not document, from the rest of the answer (a booked slot)."""
    value = (scheduling_request.slot_selection or "").strip().lower()
    event = scheduling_request.event
    start = event.start if event else None
    end = event.end if event else None
    booked_times = start is not None and end is not None
    if value == "pending":
        return RequestReading(RequestState.PENDING)
    if value == "complete":
        # Book Now requests arrive complete at creation (slot_selection_mode
        # "book_now"); either way the candidate has a time. Times may be missing
        # from a notification: the caller then asks Cronofy for them.
        return RequestReading(RequestState.BOOKED, start, end)
    if value in _ENDED:
        return RequestReading(_ENDED[value])
    if booked_times:
        return RequestReading(RequestState.BOOKED, start, end)
    shown = repr(scheduling_request.slot_selection)[:80] if value else "no value"
    return RequestReading(
        RequestState.UNKNOWN,
        reason=f"slot_selection is {shown}, which Cronofy does not document, and the "
        "answer shows no booked time",
    )
