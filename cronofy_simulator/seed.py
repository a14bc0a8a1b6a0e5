"""The ``demo`` seed: one application with known credentials, an OU, two hosts, two templates.

Known values so a README, a demo script or the project's ``run`` command can rely on them.
"""

from .clock import now as clock_now
from .records import secret_entry

DEMO = {
    "organizational_unit_id": "ou_demo_recruiting",
    "application_id": "app_demo",
    "client_id": "sim_demo_client_id",
    "client_secret": "CRN_sim_demo_client_secret_0000000001",
    "embed_key": "EMB_sim_demo_embed_key",
    "embed_secret": "ESK_sim_demo_embed_secret_00000000000000001",
    "data_center": "us",
    "hosts": ["acc_demo_alex", "acc_demo_sam"],
    "templates": ["sgr_demo_interview_30", "sgr_demo_panel_60"],
}

SEEDS = ("demo",)


def seed_demo(data, webhook_urls=()):
    """Create the demo records (idempotent) and return the credentials to print."""
    now = clock_now(data)
    ou_id = DEMO["organizational_unit_id"]
    data["organizational_units"].setdefault(
        ou_id,
        {
            "id": ou_id,
            "name": "Demo Recruiting",
            "tenant_ids": [],
            "tenant_name": None,
            "created_at": now,
            "created_via": "seed",
        },
    )
    application = data["applications"].setdefault(
        DEMO["application_id"],
        {
            "id": DEMO["application_id"],
            "name": "Odoo Recruitment (demo)",
            "ou_id": ou_id,
            "client_id": DEMO["client_id"],
            "client_secrets": [secret_entry(DEMO["client_secret"], now)],
            "embed_key": DEMO["embed_key"],
            "embed_secret": DEMO["embed_secret"],
            "data_center": DEMO["data_center"],
            "webhook_urls": [],
            "redirect_uris": [],
            "push_notifications": "all",
            "created_at": now,
        },
    )
    for url in webhook_urls:
        if url not in application["webhook_urls"]:
            application["webhook_urls"].append(url)
    weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday")
    hosts = [
        ("acc_demo_alex", "Alex Recruiter", "alex@demo.example", "Europe/London", "09:00", "17:00"),
        (
            "acc_demo_sam",
            "Sam Hiring-Manager",
            "sam@demo.example",
            "America/New_York",
            "08:30",
            "16:30",
        ),
    ]
    for sub, name, email, tzid, start, end in hosts:
        data["hosts"].setdefault(
            sub,
            {
                "sub": sub,
                "ou_id": ou_id,
                "name": name,
                "email": email,
                "tzid": tzid,
                "working_hours": [{"day": d, "start": start, "end": end} for d in weekdays],
            },
        )
    templates = [
        ("sgr_demo_interview_30", "Screening call", "Screening call", 30, ["acc_demo_alex"]),
        (
            "sgr_demo_panel_60",
            "Panel interview",
            "Panel interview",
            60,
            ["acc_demo_alex", "acc_demo_sam"],
        ),
    ]
    for sub, name, summary, minutes, host_subs in templates:
        data["templates"].setdefault(
            sub,
            {
                "sub": sub,
                "ou_id": ou_id,
                "name": name,
                "summary": summary,
                "description": None,
                "duration_minutes": minutes,
                "host_subs": host_subs,
            },
        )
    return dict(DEMO, webhook_urls=list(application["webhook_urls"]))
