"""The lifecycle of a scheduling request: its states and which may follow which.

Plain Python beside the record (``cronofy_scheduling_request``, whose ``_set_state``
enforces it) because the AbstractModels the record inherits need it too, and Odoo must
have those defined before the record: they cannot import the record's module.
"""

# What each state means:
#
# queued       Odoo has decided to send a link; the Scheduler API call has not
#              happened yet (automation runs it after the user's commit).
# pending      Cronofy created the request; the candidate has the link.
# time_chosen  The candidate picked a time; an interview exists.
# rescheduled  The candidate (or host) moved the time; the interview moved.
# declined     The candidate declined; the interview, if any, is cancelled.
# cancelled    The recruiter or Odoo cancelled the request.
# expired      Nobody picked a time before the reconciler gave up on it.
# failed       Creating it at Cronofy failed for good (the reason is kept).
STATES = [
    ("queued", "Queued"),
    ("pending", "Link sent"),
    ("time_chosen", "Time chosen"),
    ("rescheduled", "Rescheduled"),
    ("declined", "Declined"),
    ("cancelled", "Cancelled"),
    ("expired", "Expired"),
    ("failed", "Failed"),
]
OPEN_STATES = ("queued", "pending", "time_chosen", "rescheduled")
BOOKED_STATES = ("time_chosen", "rescheduled")
# After the interview, the recruiter says whether the candidate came.
ATTENDANCE = [("attended", "Attended"), ("no_show", "No-show")]

# Which state may follow which. Notification-driven moves are permissive on
# purpose: a candidate may use a declined or expired link again [U], and
# ordering between notifications is decided by their triggered_at, not here.
ALLOWED_TRANSITIONS = {
    "queued": {"pending", "failed", "cancelled"},
    "pending": {"time_chosen", "rescheduled", "declined", "cancelled", "expired"},
    "time_chosen": {"time_chosen", "rescheduled", "declined", "cancelled"},
    "rescheduled": {"time_chosen", "rescheduled", "declined", "cancelled"},
    "declined": {"time_chosen", "rescheduled", "cancelled"},
    "expired": {"time_chosen", "rescheduled", "declined", "cancelled"},
    "failed": {"queued", "cancelled"},
    "cancelled": set(),
}


# The booking service level: a link still waiting for the candidate after its due
# time is overdue. One rule for the request and for the applicant's copy of it.
def is_overdue(state, due_at, now):
    return bool(state == "pending" and due_at and due_at < now)


def overdue_domain(state_field, due_field, operator, value, now):
    """The search domain for ``overdue = value`` (operator '=' or '!='), or None for
    an operator the flag does not support."""
    if operator not in ("=", "!="):
        return None
    overdue = [(state_field, "=", "pending"), (due_field, "<", now)]
    if (operator == "=") == bool(value):
        return overdue
    return ["!", "&", *overdue]
