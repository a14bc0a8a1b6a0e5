# Run inside ``odoo-bin shell`` by analytics.py (``env`` is given), on a throwaway
# copy of the base database: the scale benchmark of the scheduling analytics
# (issue 17, point 5). Builds applicants and scheduling requests with bulk SQL
# (2 companies, ~50 jobs, 5 requests per applicant), first the small size, then
# grows it to the large one, and at each size times the report's grouped reads
# (the calls the web pivot makes) against Odoo's own hr.applicant grouped reads
# over the same applicants, as the admin user in both companies. Committed: the
# database is dropped after the run.
import json
import os
import random
import statistics
import time
from datetime import datetime, timedelta

from psycopg2.extras import execute_values

from odoo.tools import SQL

from odoo.addons.hr_recruitment_cronofy.models.cronofy_scheduling_report import MEASURES

try:  # the pre-aggregated figures (18.0.1.2.0); absent on older code
    from odoo.addons.hr_recruitment_cronofy.models.scheduling_rollup_layout import (
        DELTA_TABLE,
        MEDIAN_BAND_EDGES,
    )
except ImportError:
    DELTA_TABLE, MEDIAN_BAND_EDGES = None, ()

SIZES = [int(n) for n in os.environ.get("HRC_AN_SIZES", "2000,20000").split(",")]
PER_APPLICANT = int(os.environ.get("HRC_AN_PER_APPLICANT", "5"))
RUNS = int(os.environ.get("HRC_AN_RUNS", "5"))
JOBS = int(os.environ.get("HRC_AN_JOBS", "50"))
TEMPLATES_PER_COMPANY = max(PER_APPLICANT, 5)
RECRUITERS = 10
NOW = datetime(2026, 6, 1, 9, 0, 0)
WEEKS = 12

rng = random.Random(17)
cr = env.cr
su = env(
    context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
)
Request = su["cronofy.scheduling.request"]
REPORT = "cronofy.scheduling.report"
has_report = REPORT in env.registry
cr.execute(
    "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
    ["cronofy_scheduling_request"],
)
columns = {row[0] for row in cr.fetchall()}
NEW_COLUMNS = [
    "sent_at",
    "first_chosen_at",
    "reschedule_count",
    "attendance",
    "sla_due_at",
    "working_hours_to_schedule",
]
new_columns = [c for c in NEW_COLUMNS if c in columns]

# --- the small, ORM-made part: companies, recruiters, jobs, templates ----------------
main_company = env.ref("base.main_company")
second = su["res.company"].create({"name": "Analytics Bench Second Company"})
companies = [main_company, second]
admin = env.ref("base.user_admin")
admin.sudo().write({"company_ids": [(4, second.id)]})
officer = env.ref("hr_recruitment.group_hr_recruitment_user")
recruiters = (
    su["res.users"]
    .with_context(no_reset_password=True)
    .create(
        [
            {
                "name": f"Analytics Recruiter {i}",
                "login": f"analytics-recruiter-{i}@example.com",
                "company_id": companies[i % 2].id,
                "company_ids": [(6, 0, [c.id for c in companies])],
                "groups_id": [(4, officer.id)],
            }
            for i in range(RECRUITERS)
        ]
    )
)
jobs = su["hr.job"].create(
    [
        {
            "name": f"Analytics Job {i}",
            "company_id": companies[i % 2].id,
            "user_id": recruiters[i % RECRUITERS].id,
        }
        for i in range(JOBS)
    ]
)
template_fields = su["cronofy.scheduling.template"]._fields
templates = {
    company.id: su["cronofy.scheduling.template"].create(
        [
            {
                "name": f"Analytics Round {k} ({company.name})",
                "company_id": company.id,
                # A 72-hour booking service level, as sla_due_at is generated.
                **({"booking_sla_hours": 72} if "booking_sla_hours" in template_fields else {}),
            }
            for k in range(TEMPLATES_PER_COMPANY)
        ]
    )
    for company in companies
}
stages = su["hr.recruitment.stage"].search([]).ids
su.flush_all()

# --- the bulk part: candidates, applicants, requests ---------------------------------
STATE_MIX = [  # (state, weight) of one request
    ("time_chosen", 44),
    ("rescheduled", 8),
    ("declined", 7),
    ("expired", 12),
    ("cancelled", 8),
    ("pending", 15),
    ("queued", 3),
    ("failed", 3),
]
STATES = [s for s, _ in STATE_MIX]
WEIGHTS = [w for _, w in STATE_MIX]
ORIGINS = ["button"] * 5 + ["automation"] * 4 + ["embed"]


def add_applicants(start, stop):
    """Applicants start..stop-1 (hr.candidate + hr.applicant), PER_APPLICANT requests each."""
    uid = admin.id
    rows = []
    plan = []
    for g in range(start, stop):
        job = jobs[g % JOBS]
        created = NOW - timedelta(seconds=rng.uniform(0, WEEKS * 7 * 86400))
        plan.append((g, job, created))
        rows.append(
            (
                f"Analytics Candidate {g}",
                f"analytics{g}@example.com",
                f"analytics{g}@example.com",
                job.company_id.id,
                job.user_id.id,
                True,
                "0",
                0,
                uid,
                uid,
                created,
                created,
            )
        )
    candidate_ids = [
        r[0]
        for r in execute_values(
            cr._obj,
            "INSERT INTO hr_candidate (partner_name, email_from, email_normalized, company_id, "
            "user_id, active, priority, color, create_uid, write_uid, create_date, write_date) "
            "VALUES %s RETURNING id",
            rows,
            page_size=1000,
            fetch=True,
        )
    ]
    rows = [
        (
            candidate_id,
            job.id,
            job.company_id.id,
            job.user_id.id,
            rng.choice(stages),
            "normal",
            True,
            "0",
            created,
            created,
            uid,
            uid,
            created,
            created,
            round(rng.uniform(30000, 90000), -3),
            rng.choice((10.0, 25.0, 50.0, 75.0)),
        )
        for candidate_id, (_g, job, created) in zip(candidate_ids, plan, strict=True)
    ]
    applicant_ids = [
        r[0]
        for r in execute_values(
            cr._obj,
            "INSERT INTO hr_applicant (candidate_id, job_id, company_id, user_id, stage_id, "
            "kanban_state, active, priority, date_open, date_last_stage_update, create_uid, "
            "write_uid, create_date, write_date, salary_expected, probability) "
            "VALUES %s RETURNING id",
            rows,
            page_size=1000,
            fetch=True,
        )
    ]
    base_cols = [
        "applicant_id", "candidate_id", "job_id", "company_id", "user_id", "template_id",
        "origin", "state", "correlation_id", "cronofy_id", "outcome_unknown", "attempts",
        "interview_start", "interview_stop", "create_uid", "write_uid", "create_date",
        "write_date",
    ]  # fmt: skip
    rows = []
    for applicant_id, candidate_id, (g, job, created) in zip(
        applicant_ids, candidate_ids, plan, strict=True
    ):
        company_templates = templates[job.company_id.id]
        for k in range(PER_APPLICANT):
            state = rng.choices(STATES, WEIGHTS)[0]
            # Spread over the weeks since the applicant came in; links still pending
            # were sent recently, expired ones long enough ago.
            age = (NOW - created).total_seconds()
            if state == "pending":
                age = min(age, 14 * 86400)
            sent = NOW - timedelta(seconds=rng.uniform(0, age))
            if state == "expired":
                sent = min(sent, NOW - timedelta(days=8))
            create = sent - timedelta(seconds=rng.uniform(1, 30))
            sent_at = None if state in ("queued", "failed") else sent
            chosen = None
            if state in ("time_chosen", "rescheduled") or (
                state in ("declined", "cancelled") and rng.random() < 0.3
            ):
                chosen = sent + timedelta(hours=1 + 71 * rng.random() ** 2)
            resched = 0
            if state == "rescheduled":
                resched = rng.choice((1, 1, 1, 2, 3))
            elif state == "time_chosen" and rng.random() < 0.1:
                resched = 1
            interview = chosen + timedelta(days=rng.uniform(1, 7)) if chosen else None
            attendance = None
            if state in ("time_chosen", "rescheduled") and interview and interview < NOW:
                attendance = rng.choices(("attended", "no_show", None), (85, 10, 5))[0]
            values = {
                "sent_at": sent_at,
                "first_chosen_at": chosen,
                "reschedule_count": resched,
                "attendance": attendance,
                "sla_due_at": sent_at + timedelta(hours=72) if sent_at else None,
                # About 40 working hours a week: a rough share of the elapsed hours.
                "working_hours_to_schedule": (
                    round((chosen - sent).total_seconds() / 3600 * 0.24, 1) if chosen else None
                ),
            }
            rows.append(
                (
                    applicant_id,
                    candidate_id,
                    job.id,
                    job.company_id.id,
                    job.user_id.id,
                    company_templates[k % len(company_templates)].id,
                    rng.choice(ORIGINS),
                    state,
                    f"analytics-{g}-{k}",
                    None if sent_at is None else f"srq_analytics_{g}_{k}",
                    state == "pending" and rng.random() < 0.01,
                    1 if sent_at else 0,
                    interview if state in ("time_chosen", "rescheduled") else None,
                    interview + timedelta(minutes=30)
                    if interview and state in ("time_chosen", "rescheduled")
                    else None,
                    admin.id,
                    admin.id,
                    create,
                    sent_at or create,
                )
                + tuple(values[c] for c in new_columns)
            )
    execute_values(
        cr._obj,
        f"INSERT INTO cronofy_scheduling_request ({', '.join(base_cols + new_columns)}) VALUES %s",
        rows,
        page_size=2000,
    )
    # The applicants' stored "current request" fields, as the compute would set them.
    cr.execute(
        """
        UPDATE hr_applicant a SET cronofy_current_request_id = cur.id,
               cronofy_scheduling_state = cur.state,
               cronofy_interview_start = cur.interview_start,
               cronofy_needs_attention = cur.state IN ('failed', 'declined', 'expired')
                                         OR cur.outcome_unknown
          FROM (SELECT DISTINCT ON (applicant_id) applicant_id, id, state, interview_start,
                       outcome_unknown
                  FROM cronofy_scheduling_request
                 WHERE applicant_id = ANY(%s)
              ORDER BY applicant_id,
                       state IN ('queued', 'pending', 'time_chosen', 'rescheduled') DESC,
                       create_date DESC, id DESC) cur
         WHERE a.id = cur.applicant_id
        """,
        [applicant_ids],
    )
    cr.commit()
    # The triggers appended one delta per request inserted; fold them as the
    # compaction cron would (timed, printed beside the figures).
    compaction = {"pending": pending_deltas(), "folded": None, "s": None}
    if DELTA_TABLE:
        started = time.perf_counter()
        compaction["folded"] = su["cronofy.scheduling.rollup"]._rollup_compact()
        cr.commit()
        compaction["s"] = time.perf_counter() - started
        vacuum_deltas()
    for table in ("hr_candidate", "hr_applicant", "cronofy_scheduling_request"):
        cr.execute(f"ANALYZE {table}")  # noqa: S608 - fixed names
    if DELTA_TABLE:
        cr.execute("ANALYZE cronofy_scheduling_rollup")
        cr.execute(f"ANALYZE {DELTA_TABLE}")  # noqa: S608 - fixed name
    cr.commit()
    env.invalidate_all()
    env.registry.clear_cache()
    return compaction


def vacuum_deltas():
    """What autovacuum does after a compaction (the delta table asks for it past 1,000
    dead rows): without it the 100,000 deltas just folded stay as dead rows that every
    read scans until autovacuum comes by."""
    from odoo.sql_db import db_connect

    with db_connect(cr.dbname).cursor() as vacuum:
        vacuum._cnx.autocommit = True
        vacuum.execute(f"VACUUM ANALYZE {DELTA_TABLE}")  # noqa: S608 - fixed name


def pending_deltas():
    if not DELTA_TABLE:
        return None
    cr.execute(f"SELECT count(*) FROM {DELTA_TABLE}")  # noqa: S608 - fixed name
    return cr.fetchone()[0]


# --- the reads ----------------------------------------------------------------------
REPORT_FIELDS = [*MEASURES, "__count"]
APPLICANT_FIELDS = ["__count"]
# Not the target, printed beside it: Odoo's applicant read with averaged measures
# too, and the report's read with fewer measures (where the report's time goes).
APPLICANT_MEASURES = ["__count", "salary_expected:avg", "probability:avg", "delay_close:avg"]
BREAKDOWN = {
    "report, __count only": ["__count"],
    "report, without the median": [f for f in REPORT_FIELDS if not f.endswith(":median")],
    "report, all measures": REPORT_FIELDS,
}
# (label, report groupby, hr.applicant groupby): the pivot's total, its rows by
# job, by week, and a two-level split, each beside the nearest hr.applicant one.
PAIRS = [
    ("total", [], []),
    ("job", ["job_id"], ["job_id"]),
    ("week", ["sent_at:week"], ["create_date:week"]),
    ("2-level", ["template_id", "user_id"], ["job_id", "user_id"]),
]
user_env = env(
    user=admin.id,
    context=dict(env.context, allowed_company_ids=[c.id for c in companies]),
)


def explain(captured):
    """PostgreSQL's own execution time of the grouped query (EXPLAIN ANALYZE, per-node
    timing off so as not to inflate it), and its plan."""
    # (the report's grouped read from its pre-aggregated rows sums their counts)
    grouped = [
        (q, p) for q, p in captured if "COUNT(" in str(q).upper() or "SUM(" in str(q).upper()
    ]
    if not grouped:
        return {"sql_ms": None, "plan": None}
    query, params = grouped[0]
    if isinstance(query, SQL):
        cr.execute(SQL("EXPLAIN (ANALYZE, TIMING OFF, BUFFERS) %s", query))
    else:
        cr.execute("EXPLAIN (ANALYZE, TIMING OFF, BUFFERS) " + query, params)
    plan = [row[0] for row in cr.fetchall()]
    sql_ms = next(
        (
            float(line.split(":")[1].split()[0])
            for line in plan
            if line.startswith("Execution Time")
        ),
        None,
    )
    return {"sql_ms": sql_ms, "plan": plan}


def measure(model, fields, groupby):
    def once():
        return model.read_group([], fields, groupby, lazy=False)

    env.invalidate_all()
    user_env.invalidate_all()
    captured = []
    execute = cr.execute

    def spy(query, params=None, log_exceptions=True):
        captured.append((query, params))
        return execute(query, params, log_exceptions)

    cr.execute = spy  # the warm-up's queries, to explain the grouped one below
    try:
        once()  # warm-up
    finally:
        del cr.execute
    times, queries, result = [], [], None
    for _ in range(RUNS):
        user_env.invalidate_all()
        before = cr.sql_log_count
        started = time.perf_counter()
        result = once()
        times.append(time.perf_counter() - started)
        queries.append(cr.sql_log_count - before)
    return {
        "ms": statistics.median(times) * 1000,
        **explain(captured),
        "ms_all": [round(t * 1000, 1) for t in times],
        "queries": max(queries),
        "queries_all": queries,
        "groups": len(result),
        "count": sum(group["__count"] for group in result),
        "by_job": {
            str(group["job_id"][0] if group["job_id"] else False): group["__count"]
            for group in result
        }
        if groupby == ["job_id"]
        else None,
        "measures_by_job": {
            str(group["job_id"][0] if group["job_id"] else False): {
                name: group.get(name) for name in SQL_TRUTH if name in group
            }
            for group in result
        }
        if groupby == ["job_id"]
        else None,
    }


# The report's measures recomputed from the requests table, as the report documents
# them: hours from sent to first time chosen; booking and decline rates over all
# requests, the reschedule rate over booked ones, the no-show rate over marked ones.
# (GREATEST skips NULLs: unbooked requests must stay NULL, not 0.)
HOURS = (
    "CASE WHEN first_chosen_at IS NOT NULL AND sent_at IS NOT NULL "
    "THEN GREATEST(EXTRACT(EPOCH FROM first_chosen_at - sent_at) / 3600.0, 0) END"
)
SQL_TRUTH = {
    "__count": "count(*)",
    "time_to_schedule_hours": f"avg({HOURS})",
    "time_to_schedule_median": f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {HOURS})",
    # The middle request's hours (the lower middle one for an even count): the
    # report's estimate must lie in its band of MEDIAN_BAND_EDGES.
    "time_to_schedule_median_middle": f"percentile_disc(0.5) WITHIN GROUP (ORDER BY {HOURS})",
    "booking_rate": "avg(CASE WHEN first_chosen_at IS NOT NULL THEN 100 ELSE 0 END)",
    "reschedule_rate": "avg(CASE WHEN first_chosen_at IS NULL THEN NULL "
    "WHEN reschedule_count > 0 THEN 100 ELSE 0 END)",
    "decline_rate": "avg(CASE WHEN state = 'declined' THEN 100 ELSE 0 END)",
    "no_show_rate": "avg(CASE attendance WHEN 'no_show' THEN 100 WHEN 'attended' THEN 0 END)",
    "reschedule_count": "sum(reschedule_count)",
    "working_hours_to_schedule": "avg(working_hours_to_schedule)",
}


def sql_truth():
    truth = {"pending_deltas": pending_deltas()}
    cr.execute("SELECT count(*) FROM cronofy_scheduling_request")
    truth["requests"] = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM hr_applicant WHERE active")
    truth["applicants"] = cr.fetchone()[0]
    cr.execute(
        "SELECT coalesce(job_id::text, 'False'), count(*) FROM cronofy_scheduling_request "
        "GROUP BY 1"
    )
    truth["requests_by_job"] = dict(cr.fetchall())
    if not [c for c in NEW_COLUMNS if c not in columns]:
        cr.execute(
            f"SELECT coalesce(job_id::text, 'False'), {', '.join(SQL_TRUTH.values())} "  # noqa: S608
            "FROM cronofy_scheduling_request GROUP BY 1"
        )
        truth["measures_by_job"] = {
            row[0]: {
                name: None if value is None else float(value)
                for name, value in zip(SQL_TRUTH, row[1:], strict=True)
            }
            for row in cr.fetchall()
        }
        for measures in truth["measures_by_job"].values():
            middle = measures.pop("time_to_schedule_median_middle")
            measures["median_band"] = median_band(middle)
    return truth


def median_band(hours):
    """The band of MEDIAN_BAND_EDGES holding ``hours`` (None: exact figures wanted)."""
    if hours is None or not MEDIAN_BAND_EDGES:
        return None
    low = 0.0
    for edge in MEDIAN_BAND_EDGES:
        if hours < edge:
            return [low, float(edge)]
        low = float(edge)
    return [low, low]


results = {
    "has_report": has_report,
    "new_columns": new_columns,
    "missing_columns": [c for c in NEW_COLUMNS if c not in columns],
    "sizes": [],
}
done = 0
for size in SIZES:
    started = time.perf_counter()
    compaction = add_applicants(done, size)
    generated = time.perf_counter() - started - (compaction["s"] or 0)
    done = size
    entry = {
        "applicants_added": size,
        "generate_s": generated,
        "compaction": compaction,
        "truth": sql_truth(),
        "pairs": [],
    }
    for label, report_groupby, applicant_groupby in PAIRS:
        pair = {"label": label, "report_groupby": report_groupby,
                "applicant_groupby": applicant_groupby}  # fmt: skip
        pair["applicant"] = measure(user_env["hr.applicant"], APPLICANT_FIELDS, applicant_groupby)
        if has_report:
            try:
                pair["report"] = measure(user_env[REPORT], REPORT_FIELDS, report_groupby)
            except Exception as error:  # noqa: BLE001 - reported, the run goes on
                cr.rollback()
                pair["report_error"] = f"{type(error).__name__}: {error}"
        entry["pairs"].append(pair)
    entry["breakdown"] = {
        "hr.applicant, __count only": measure(
            user_env["hr.applicant"], APPLICANT_FIELDS, ["job_id"]
        ),
        "hr.applicant, 3 averages": measure(
            user_env["hr.applicant"], APPLICANT_MEASURES, ["job_id"]
        ),
    }
    # The ORM's grouped read of the table the report reads (same rows, no join, no
    # measures): the floor under the report's figure.
    entry["breakdown"]["requests table, __count only"] = measure(
        user_env["cronofy.scheduling.request"], APPLICANT_FIELDS, ["job_id"]
    )
    if has_report:
        for label, fields in BREAKDOWN.items():
            try:
                entry["breakdown"][label] = measure(user_env[REPORT], fields, ["job_id"])
            except Exception as error:  # noqa: BLE001 - reported, the run goes on
                cr.rollback()
                entry["breakdown"][label] = {"error": f"{type(error).__name__}: {error}"}
    if DELTA_TABLE and size == SIZES[-1]:
        # The report between two compactions: 1,000 requests changed since the last.
        cr.execute(
            "UPDATE cronofy_scheduling_request SET reschedule_count = reschedule_count + 1 "
            "WHERE id IN (SELECT id FROM cronofy_scheduling_request "
            "WHERE first_chosen_at IS NOT NULL ORDER BY id LIMIT 1000)"
        )
        cr.commit()
        entry["with_pending"] = {"pending": pending_deltas(), "pairs": []}
        for label, report_groupby, _applicant_groupby in PAIRS:
            figure = measure(user_env[REPORT], REPORT_FIELDS, report_groupby)
            entry["with_pending"]["pairs"].append(
                {"label": label, "ms": figure["ms"], "count": figure["count"]}
            )
        entry["truth_after_changes"] = sql_truth()
    results["sizes"].append(entry)
    print("HRC_JSON_PROGRESS " + json.dumps({"size": size, "generate_s": generated}))
print("HRC_JSON " + json.dumps(results))
