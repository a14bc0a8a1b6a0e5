# Run inside ``odoo-bin shell`` by bench.py (``env`` is given): processing one
# time_chosen notification into an interview (the cron's work on one inbox row)
# against Odoo's own "Meeting" button on an applicant followed by a save, in
# the same database, same process, alternating, rolled back at the end.
import json
import os
import statistics
import time
from datetime import datetime, timedelta

ROUNDS = int(os.environ.get("HRC_BENCH_PROCESS_ROUNDS", "30"))
env = env(context=dict(env.context, tracking_disable=False))
Notification = env["cronofy.notification"].sudo()
Request = env["cronofy.scheduling.request"].sudo()
connection = env["cronofy.connection"]._for_company(env.company)
job = env["hr.job"].create({"name": "Bench Job", "user_id": env.ref("base.user_admin").id})
recruiter = env.ref("base.user_admin")
cr = env.cr


def applicant(i, tag):
    candidate = env["hr.candidate"].create(
        {"partner_name": f"Bench {tag} {i}", "email_from": f"bench-{tag}-{i}@example.com"}
    )
    return env["hr.applicant"].create(
        {"candidate_id": candidate.id, "job_id": job.id, "user_id": recruiter.id}
    )


def measure(function):
    env.flush_all()
    env.invalidate_all()
    before = cr.sql_log_count
    started = time.perf_counter()
    function()
    env.flush_all()
    cr.precommit.run()  # tracking values and other pre-commit work, as a commit would
    elapsed = time.perf_counter() - started
    return elapsed, cr.sql_log_count - before


def addon_case(i):
    app = applicant(i, "addon")
    request = Request.create(
        {
            "applicant_id": app.id,
            "cronofy_id": f"srq_bench_{i}",
            "state": "pending",
            "origin": "button",
            "summary": "Interview",
        }
    )
    start = datetime(2031, 1, 6, 9, 0) + timedelta(hours=i)
    payload = {
        "notification": {
            "type": "scheduling_request_time_chosen",
            "triggered_at": f"2026-01-01T00:00:{i % 60:02d}Z",
        },
        "scheduling_request": {
            "scheduling_request_id": request.cronofy_id,
            "slot_selection": "complete",
            "event": {
                "summary": "Interview",
                "metadata": {"scheduler": {"correlation_id": request.correlation_id}},
                "start": {"time": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "tzid": "Europe/London"},
                "end": {
                    "time": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "tzid": "Europe/London",
                },
            },
        },
    }
    body = json.dumps(payload).encode()
    row_id = Notification._store(connection, body, payload)
    row = Notification.browse(row_id)
    result = measure(row._process_claimed)
    assert row.state == "done" and request.event_id, (row.state, row.error)
    return result


def odoo_case(i):
    app = applicant(i, "odoo")
    start = datetime(2031, 1, 6, 9, 0) + timedelta(hours=i)

    def create_meeting():
        action = app.action_create_meeting()
        env["calendar.event"].with_context(action["context"]).create(
            {"start": start, "stop": start + timedelta(minutes=30)}
        )

    return measure(create_meeting)


results = {"addon": [], "odoo": []}
for i in range(ROUNDS + 3):  # 3 warm-up rounds
    addon = addon_case(i)
    odoo = odoo_case(i)
    if i >= 3:
        results["addon"].append(addon)
        results["odoo"].append(odoo)
cr.rollback()
summary = {
    key: {
        "time_ms": statistics.median(t for t, _ in values) * 1000,
        "queries": statistics.median(q for _, q in values),
    }
    for key, values in results.items()
}
print("HRC_JSON " + json.dumps(summary))
