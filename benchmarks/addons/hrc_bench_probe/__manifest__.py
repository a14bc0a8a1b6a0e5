{
    "name": "hr_recruitment_cronofy benchmark probe",
    "summary": "Bench-only: empty and floor routes to compare the intake with. Never ship it.",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "license": "LGPL-3",
    "author": "hr_recruitment_cronofy developers",
    "depends": ["web"],
    "data": ["security/ir.model.access.csv"],
    "installable": True,
}
