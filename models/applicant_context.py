"""Context keys that change what the hr.applicant extension does.

A plain module, not a model: the scheduling request sets one of them on the
applicants it moves, and hr_applicant.py imports the request's states, so keeping
the keys here lets both sides import them without importing each other.
"""

# Code that moves applicants and must not send links (booking stage moves, data fixes).
NO_AUTOMATION_KEY = "cronofy_no_automation"
# The link the composer shows while the real one is still to be created: while a
# template renders with this key, ``cronofy_scheduling_url`` reads its value for
# applicants that have no open link.
STAND_IN_LINK_KEY = "cronofy_stand_in_link"
