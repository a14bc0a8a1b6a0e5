"""Context keys that change what the hr.applicant extension does.

A plain module, not a model: the scheduling request sets one of them on the
applicants it moves, and hr_applicant.py imports the request's states, so keeping
the keys here lets both sides import them without importing each other.
"""

# Code that moves applicants and must not send links (booking stage moves, data fixes).
NO_AUTOMATION_KEY = "cronofy_no_automation"
