{
    "name": "hr_recruitment_cronofy benchmark probe",
    "summary": "Bench-only: an empty route to compare the webhook intake with. Never ship it.",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "license": "LGPL-3",
    "author": "hr_recruitment_cronofy developers",
    "depends": ["web"],
    "data": [],
    "installable": True,
}
