"""Scale (issue 18, points 4 and 5): the stage-automation queue drained by 1, 2 and 4
cron workers of one Odoo server and by two Odoo servers, against Cronofy's limits;
then the webhook intake vs an empty route with 4 and 2 HTTP workers.

The job. Two companies, each with its own Cronofy application in one simulator (the
demo application for company 1; a second one in the demo OU, sharing its hosts and
templates, for company 2), each connection in Internal Application mode; one
scheduling template per company with its link mail; HRC_SCALE_REQUESTS applicants
(half per company, each with an email) and one queued automation request each. The
data is built once in the command's database; every configuration starts from a copy
of it (CREATE DATABASE ... TEMPLATE), a fresh simulator (Cronofy's documented limits
50/s and 500/min per application, which are also Odoo's limiter defaults) and an SMTP
sink that Odoo's mail queue really sends to (an ir.mail_server on its port).

A configuration is SERVERSxCRON_WORKERS: that many Odoo servers (prefork,
--workers=HRC_SCALE_HTTP_WORKERS, --max-cron-threads=CRON_WORKERS, own ports, one
database and filestore) and as many sending lanes as cron workers in all
(``hr_recruitment_cronofy.sending_lanes`` + ``_sync_sending_lanes()``; a branch
without lanes has one lane, the automation cron, and says so). Every other cron but
Odoo's mail queue is put off by a day so that only the job runs; the lanes are
triggered (ir_cron_trigger + NOTIFY) once every server answers, and the clock runs
from then until no request is queued (SQL every 0.2 s), at most HRC_SCALE_TIMEOUT
seconds. Then the link mails are awaited (up to HRC_SCALE_MAIL_WAIT seconds).

Printed per configuration: wall seconds, requests/s, the bound Cronofy's limits allow
for this job (the earliest time the last call can be made, both applications in
parallel) and the share of it reached, the simulator's 429 answers, duplicates
(simulator requests per recipient, Odoo requests per applicant, link mails per
candidate: all must be 1), lost (requests not 'pending', link mails missing), link
mails/s, Odoo's CPU per request and how busy the machine was, and the load average.
Verdicts: PASS/MISS for throughput growing from 1 to 2 cron workers (>= 1.1x) and for
reaching 80% of the bound; FAIL (exit status 1) only for duplicates, lost requests or
mails, and 5xx answers.

Run through ``benchmarks/run scale``. Knobs: HRC_SCALE_REQUESTS (2000),
HRC_SCALE_CONFIGS (1x1,1x2,1x4,2x2), HRC_SCALE_HTTP_WORKERS (2), HRC_SCALE_TIMEOUT
(600), HRC_SCALE_MAIL_WAIT (120), HRC_SCALE_INTAKE_WORKERS (4,2,4/db_name: one intake
run per entry, HTTP workers, "/db_name" for --database without --db-filter; empty =
none), HRC_SCALE_SKIP (comma list of drain,intake), HRC_SCALE_KEEP=1
(keep each configuration's database, to look into), and bench's
HRC_BENCH_REQUESTS / HRC_BENCH_CONCURRENCY for the intake."""

import json
import os
import sys
import time
from collections import Counter

import psutil
from bench import CONCURRENCY, REQUESTS, ROUNDS, measure_intake, print_intake_cpu
from cpu_accounting import machine_busy
from harness import (
    DB,
    OdooServer,
    Simulator,
    correctness,
    finish,
    harness_connection,
    load_conditions,
    log,
    odoo_shell,
    sql,
    verdict,
)
from smtp_sink import SmtpSink, body_text

TOTAL = int(os.environ.get("HRC_SCALE_REQUESTS", "2000"))
PER_COMPANY = TOTAL // 2
CONFIGS = [
    tuple(int(n) for n in config.strip().split("x"))
    for config in os.environ.get("HRC_SCALE_CONFIGS", "1x1,1x2,1x4,2x2").split(",")
    if config.strip()
]
HTTP_WORKERS = int(os.environ.get("HRC_SCALE_HTTP_WORKERS", "2"))
TIMEOUT = float(os.environ.get("HRC_SCALE_TIMEOUT", "600"))
MAIL_WAIT = float(os.environ.get("HRC_SCALE_MAIL_WAIT", "120"))
# One intake run per entry: the number of HTTP workers, and "/db_name" for a server
# started with --database and no --db-filter (one database, so Odoo does not list
# the databases for every request without a session).
INTAKE_RUNS = [
    (int(entry.split("/")[0]), not entry.strip().endswith("/db_name"))
    for entry in os.environ.get("HRC_SCALE_INTAKE_WORKERS", "4,2,4/db_name").split(",")
    if entry.strip()
]
SKIP = set(filter(None, os.environ.get("HRC_SCALE_SKIP", "").split(",")))
KEEP = bool(os.environ.get("HRC_SCALE_KEEP"))  # keep each configuration's database
MARKER = "created by the hr_recruitment_cronofy harness"
CREATE_ROUTE = "scheduling_requests.create"

# Cronofy's documented limits per application (the simulator's and Odoo's defaults).
PER_SECOND, PER_MINUTE = 50, 500
# The second application: fixed credentials, in the demo OU (its hosts and templates).
SECOND_APP = {
    "id": "app_scale_company2",
    "name": "Odoo Recruitment (scale, company 2)",
    "ou_id": "ou_demo_recruiting",
    "client_id": "sim_scale_company2_client_id",
    "client_secrets": ["CRN_sim_scale_company2_secret_000000002"],
    "embed_key": "EMB_sim_scale_company2_embed_key",
    "embed_secret": "ESK_sim_scale_company2_embed_secret_000000002",
}
TEMPLATE_SUB = "sgr_demo_interview_30"

BUILD_SCRIPT = r"""
import json, os
per_company = int(os.environ["HRC_SCALE_PER_COMPANY"])
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True,
                       mail_create_nosubscribe=True, mail_notrack=True))
admin = env.ref("base.user_admin")
company1 = env.ref("base.main_company")
company2 = env["res.company"].create({"name": "Scale Company 2",
                                      "email": "jobs@company2.example.com"})
admin.write({"company_ids": [(4, company2.id)]})
env.ref("base.user_root").write({"company_ids": [(4, company2.id)]})
mail_template = env.ref("hr_recruitment_cronofy.mail_template_schedule_interview")
queued = {}
for index, company in enumerate((company1, company2), 1):
    cenv = env(context=dict(env.context, allowed_company_ids=[company.id]))
    template = cenv["cronofy.scheduling.template"].create({
        "name": f"Scale screening {index}", "sequence": 0,
        "cronofy_template_id": os.environ["HRC_SCALE_TEMPLATE_SUB"], "duration_minutes": 30,
        "company_id": company.id, "mail_template_id": mail_template.id,
    })
    job = cenv["hr.job"].create({"name": f"Scale Job {index}", "company_id": company.id,
                                 "user_id": admin.id})
    candidates = cenv["hr.candidate"].create([
        {"partner_name": f"Scale Candidate {index}-{i}",
         "email_from": f"scale{index}_{i}@example.com", "company_id": company.id}
        for i in range(per_company)
    ])
    applicants = cenv["hr.applicant"].create([
        {"candidate_id": c.id, "job_id": job.id, "company_id": company.id, "user_id": admin.id}
        for c in candidates
    ])
    requests_, skipped = applicants._cronofy_queue_scheduling_links(template)
    assert not skipped, skipped
    env["cronofy.connection"]._for_company(company)
    queued[company.id] = len(requests_)
server = env["ir.mail_server"].create({
    "name": "HRC scale SMTP sink", "smtp_host": "127.0.0.1", "smtp_port": 2525,
    "smtp_encryption": "none", "sequence": 1,
})
# Nothing else in the outgoing queue: only the link mails are counted and timed.
env["mail.mail"].sudo().search([]).unlink()
env.cr.commit()
print("HRC_JSON " + json.dumps({
    "queued": queued, "companies": [company1.id, company2.id], "mail_server_id": server.id,
}))
"""

CONFIG_SCRIPT = r"""
import json, os
setup = json.loads(os.environ["HRC_SCALE_SETUP"])
url = setup["simulator_url"]
for company_id, app in zip(setup["companies"], setup["applications"]):
    connection = env["cronofy.connection"]._for_company(env["res.company"].browse(company_id))
    connection.write({
        "datacenter": "us", "client_id": app["client_id"], "client_secret": app["secret"],
        "embed_public_key": app["embed_key"], "embed_secret": app["embed_secret"],
        "api_access_mode": "internal_application", "internal_app_client_secret": app["secret"],
        "api_base_url": url, "app_base_url": url,
    })
first = env["cronofy.connection"]._for_company(env["res.company"].browse(setup["companies"][0]))
env["ir.config_parameter"].set_param("web.base.url", setup["odoo_url"])
env["ir.mail_server"].browse(setup["mail_server_id"]).write({"smtp_port": setup["smtp_port"]})
Request = env["cronofy.scheduling.request"]
lanes_supported = hasattr(Request, "_sync_sending_lanes")
if lanes_supported:
    env["ir.config_parameter"].set_param("hr_recruitment_cronofy.sending_lanes",
                                         str(setup["lanes"]))
    Request._sync_sending_lanes()
env.cr.commit()
print("HRC_JSON " + json.dumps({
    "lanes_supported": lanes_supported,
    "webhook_path": "/cronofy/webhook/" + first.sudo().webhook_key,
    "client_secret": setup["applications"][0]["secret"],
}))
"""

LANES_SQL = """
    SELECT c.id FROM ir_cron c JOIN ir_act_server a ON a.id = c.ir_actions_server_id
     WHERE c.active AND a.code LIKE %s ORDER BY c.id
"""


# -- databases -------------------------------------------------------------------------


def _postgres():
    connection = harness_connection("postgres")
    connection.autocommit = True
    return connection


def drop_db(name):
    connection = _postgres()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [name],
            )
            row = cursor.fetchone()
            if row is None:
                return
            if row[0] != MARKER:
                raise RuntimeError(f"database {name} was not created by this harness")
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        connection.close()


def clone_db(name, template=DB):
    drop_db(name)
    connection = _postgres()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            cursor.execute(f"COMMENT ON DATABASE \"{name}\" IS '{MARKER}'")
    finally:
        connection.close()


def notify_crons(db):
    """Wake every cron worker (they LISTEN on the postgres database, as Odoo notifies)."""
    connection = _postgres()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify('cron_trigger', %s)", [db])
    finally:
        connection.close()


# -- measuring -------------------------------------------------------------------------


def ideal_schedule(calls, per_second=PER_SECOND, per_minute=PER_MINUTE, margins=(0.0, 0.0)):
    """The earliest time (s) the ``calls``-th call of one application can be made under
    sliding windows of 1 s and 60 s (each lengthened by ``margins``), calls as early
    as allowed."""
    times = []
    for k in range(calls):
        at = times[-1] if times else 0.0
        if k >= per_second:
            at = max(at, times[k - per_second] + 1.0 + margins[0])
        if k >= per_minute:
            at = max(at, times[k - per_minute] + 60.0 + margins[1])
        times.append(at)
    return times[-1] if times else 0.0


def odoo_cpu(servers):
    """CPU seconds used so far by the servers' processes (live workers, and the
    workers the master already reaped)."""
    total = 0.0
    for server in servers:
        try:
            master = psutil.Process(server.process.pid)
            times = master.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
            for child in master.children(recursive=True):
                try:
                    times = child.cpu_times()
                    total += times.user + times.system
                except psutil.NoSuchProcess:
                    pass
        except psutil.NoSuchProcess:
            pass
    return total


def wait_for_cron_workers(servers, db, timeout=60):
    """Until every cron worker of every server listens for cron triggers (a cron
    worker starts by sleeping up to a minute: a NOTIFY before its LISTEN is lost).
    Each has a connection of its own to the postgres database, named after its pid."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = {
            row[0]
            for row in sql(
                "SELECT application_name FROM pg_stat_activity WHERE datname = 'postgres'", db=db
            )
        }
        ready = True
        for server in servers:
            children = psutil.Process(server.process.pid).children(recursive=True)
            listening = sum(f"odoo-{child.pid}" in names for child in children)
            ready &= listening >= server.cron_workers
        if ready:
            time.sleep(0.5)  # its LISTEN follows the connection at once
            return True
        time.sleep(0.2)
    raise RuntimeError("the cron workers did not start listening for triggers")


def odoo_errors(servers):
    """The ERROR lines of the servers' logs, and how many of them are serialization
    failures the sender retries, by where they happened: ``{"claim": n, "rate
    limiter": n}`` (the queue's claim, the limiter's reservation). Each line is
    returned with its query's kind and the PostgreSQL error that follows it."""
    errors, serialization = [], Counter()
    for server in servers:
        lines = server.logfile.read_text(errors="replace").splitlines()
        for index, line in enumerate(lines):
            if " ERROR " not in line:
                continue
            following = lines[index + 1] if index + 1 < len(lines) else ""
            kind = ""
            if "could not serialize access" in following:
                if "FROM cronofy_scheduling_request" in line:
                    kind = "claim"
                elif "cronofy_rate_limiter" in line:
                    kind = "rate limiter"
                if kind:
                    serialization[kind] += 1
            errors.append(f"({kind}) {line} {following}" if kind else f"{line} {following}")
    return errors, dict(serialization)


def start_simulator():
    simulator = Simulator(call_log_size=10 * TOTAL + 10_000).start()
    simulator.admin.create_application(**SECOND_APP)
    return simulator


def applications():
    return [
        {
            "client_id": "sim_demo_client_id",
            "secret": "CRN_sim_demo_client_secret_0000000001",
            "embed_key": "EMB_sim_demo_embed_key",
            "embed_secret": "ESK_sim_demo_embed_secret_00000000000000001",
        },
        {
            "client_id": SECOND_APP["client_id"],
            "secret": SECOND_APP["client_secrets"][0],
            "embed_key": SECOND_APP["embed_key"],
            "embed_secret": SECOND_APP["embed_secret"],
        },
    ]


def configure(db, build, simulator, odoo_url, smtp_port, lanes):
    setup = {
        "simulator_url": simulator.base_url,
        "companies": build["companies"],
        "applications": applications(),
        "odoo_url": odoo_url,
        "mail_server_id": build["mail_server_id"],
        "smtp_port": smtp_port,
        "lanes": lanes,
    }
    wiring = odoo_shell(CONFIG_SCRIPT, env={"HRC_SCALE_SETUP": json.dumps(setup)}, db=db)[0]
    lane_ids = [row[0] for row in sql(LANES_SQL, ["%_cron_process_automation_queue%"], db=db)]
    # Nothing runs before the clock starts: the lanes wait for their trigger.
    sql(
        "UPDATE ir_cron SET nextcall = (now() AT TIME ZONE 'UTC') + interval '1 day' "
        "WHERE id = ANY(%s); DELETE FROM ir_cron_trigger WHERE cron_id = ANY(%s)",
        [lane_ids, lane_ids],
        db=db,
    )
    wiring["lane_ids"] = lane_ids
    return wiring


def link_mail_counter(db):
    """A function counting, from the sink's messages, link mails per candidate: a
    message to the candidate's address holding its request's correlation id."""
    expected = dict(
        sql(
            "SELECT lower(c.email_from), r.correlation_id FROM cronofy_scheduling_request r "
            "JOIN hr_applicant a ON a.id = r.applicant_id "
            "JOIN hr_candidate c ON c.id = a.candidate_id",
            db=db,
        )
    )
    per_candidate = Counter()
    other = Counter()
    state = {"seen": 0, "first": None, "last": None}

    def update(messages):
        for at, recipients, message in messages[state["seen"] :]:
            text = None
            for address in recipients:
                correlation = expected.get(address)
                if correlation is None:
                    other[address] += 1
                    continue
                text = body_text(message) if text is None else text
                if f"correlation_id={correlation}" in text:
                    per_candidate[address] += 1
                    state["first"] = state["first"] or at
                    state["last"] = at
                else:
                    other[address] += 1
        state["seen"] = len(messages)
        return per_candidate, other, state

    return expected, update


def run_config(build, servers_count, cron_workers):
    label = f"{servers_count}x{cron_workers}"
    lanes = servers_count * cron_workers
    db = f"{DB}_{label}"
    clone_db(db)
    simulator = start_simulator()
    sink = SmtpSink().start()
    servers = [
        OdooServer(
            workers=HTTP_WORKERS, cron_workers=cron_workers, name=f"scale-{label}-{i}", db=db
        )
        for i in range(servers_count)
    ]
    result = {"label": label, "servers": servers_count, "cron_workers": cron_workers}
    try:
        wiring = configure(db, build, simulator, servers[0].base_url, sink.port, lanes)
        result["lanes"] = len(wiring["lane_ids"])
        result["lanes_supported"] = wiring["lanes_supported"]
        expected, count_mails = link_mail_counter(db)
        for server in servers:
            server.start()
        wait_for_cron_workers(servers, db)
        log(
            f"scale {label}: {servers_count} server(s), {cron_workers} cron worker(s) each, "
            f"{result['lanes']} lane(s); triggering"
        )
        cpu_before, busy_before = odoo_cpu(servers), machine_busy()
        started = time.monotonic()
        ((triggered_at,),) = sql(
            "WITH t AS (SELECT now() AT TIME ZONE 'UTC' AS at) "
            "INSERT INTO ir_cron_trigger (cron_id, call_at) "
            "SELECT c.id, t.at FROM ir_cron c, t WHERE c.id = ANY(%s) RETURNING call_at",
            [wiring["lane_ids"]],
            db=db,
        )[:1] or [(None,)]
        notify_crons(db)
        deadline = started + TIMEOUT
        next_log = started + 10
        queued = TOTAL
        while time.monotonic() < deadline:
            ((queued,),) = sql(
                "SELECT count(*) FROM cronofy_scheduling_request WHERE state = 'queued'", db=db
            )
            if not queued:
                break
            if time.monotonic() >= next_log:
                log(f"scale {label}: {queued} queued after {time.monotonic() - started:.0f} s")
                next_log += 10
            time.sleep(0.2)
        wall = time.monotonic() - started
        cpu_after, busy_after = odoo_cpu(servers), machine_busy()
        result.update(
            wall=wall,
            timed_out=bool(queued),
            load=os.getloadavg(),
            odoo_cpu=cpu_after - cpu_before,
            busy=(busy_after[0] - busy_before[0]) / max(1e-9, busy_after[1] - busy_before[1]),
        )
        # The link mails: Odoo's mail queue may still be sending.
        mail_deadline = time.monotonic() + MAIL_WAIT
        while True:
            per_candidate, other, mail_state = count_mails(sink.snapshot())
            if len(per_candidate) >= len(expected) or time.monotonic() >= mail_deadline:
                break
            time.sleep(0.5)
        result.update(
            mails=sum(per_candidate.values()),
            mail_missing=len(expected) - len(per_candidate),
            mail_duplicates=sum(n - 1 for n in per_candidate.values() if n > 1),
            other_mails=sum(other.values()),
            mail_last=(mail_state["last"] - started) if mail_state["last"] else None,
        )
        ((result["mail_queued"],),) = sql(
            "SELECT count(*) FROM mail_mail WHERE state = 'outgoing'", db=db
        )
        calls = simulator.admin.calls(route=CREATE_ROUTE)
        statuses = Counter(call["status"] for call in calls)
        per_app = Counter(call["application_id"] for call in calls if call["status"] < 300)
        at_cronofy = simulator.admin.scheduling_requests()
        recipients = Counter(
            recipient["email"].lower()
            for request in at_cronofy
            for recipient in request["recipients"]
        )
        states = dict(
            sql("SELECT state, count(*) FROM cronofy_scheduling_request GROUP BY state", db=db)
        )
        ((odoo_duplicates,),) = sql(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n "
            "FROM cronofy_scheduling_request GROUP BY applicant_id) per_applicant",
            db=db,
        )
        # When each company's links were stored (the write that made them pending).
        timeline = {}
        for company_id, seconds in sql(
            "SELECT company_id, extract(epoch FROM write_date - %s) "
            "FROM cronofy_scheduling_request WHERE state = 'pending' "
            "ORDER BY company_id, write_date",
            [triggered_at],
            db=db,
        ):
            timeline.setdefault(company_id, []).append(float(seconds))
        errors, serialization = odoo_errors(servers)
        result.update(
            timeline=[timeline.get(company_id, []) for company_id in build["companies"]],
            error_lines=len(errors),
            serialization=serialization,
        )
        problems = [
            line
            for line in errors
            if not any(f"({kind})" in line for kind in ("claim", "rate limiter"))
        ]
        result.update(
            statuses=dict(statuses),
            per_app=dict(per_app),
            limited=statuses.get(429, 0),
            server_errors=sum(n for status, n in statuses.items() if status >= 500),
            sim_duplicates=sum(n - 1 for n in recipients.values() if n > 1),
            sim_requests=len(at_cronofy),
            odoo_duplicates=int(odoo_duplicates),
            states=states,
            lost=TOTAL - states.get("pending", 0),
            problems=problems,
        )
    finally:
        for server in servers:
            server.stop()
        sink.stop()
        simulator.stop()
        if not KEEP:
            drop_db(db)
    log(f"scale {label}: {result.get('wall', float('nan')):.1f} s, states {result.get('states')}")
    return result


# -- printing --------------------------------------------------------------------------


def bounds(timeline):
    """What the companies' timelines say about what held the drain back."""
    lines = []
    bursts = [
        f"{min(len(t), PER_MINUTE) / max(t[min(len(t), PER_MINUTE) - 1] - t[0], 0.001):.1f}"
        for t in timeline
        if len(t) > 1
    ]
    if bursts:
        lines.append(
            f"burst rate (each company's first links, up to {PER_MINUTE}): "
            f"{' / '.join(bursts)} links/s"
        )
    lags = [t[PER_MINUTE] - (t[0] + 61) for t in timeline if len(t) > PER_MINUTE]
    if lags:
        lines.append(
            "after the minute window reopened, the next link came "
            + " / ".join(f"{lag:+.1f} s" for lag in lags)
            + " later"
            + (
                " (the senders were busy with the other company's links, or none was "
                "awake: a cron worker sees a trigger set for later only on its own poll)"
                if max(lags) > 5
                else ""
            )
        )
    if len(timeline) == 2 and all(timeline):
        first, second = sorted(timeline, key=lambda t: t[0])
        if len(first) > PER_MINUTE and second[0] >= first[-1] - 0.5:
            lines.append(
                f"one application at a time: the other company's first link came at "
                f"+{second[0]:.1f} s, after this one's last (+{first[-1]:.1f} s): its "
                f"budget was idle meanwhile"
            )
    return lines


def print_drain(results):
    per_app = PER_COMPANY
    ideal = ideal_schedule(per_app)
    odoo_ideal = ideal_schedule(per_app, margins=(0.25, 1.0))
    # (Below one burst per application the bound is one second's worth.)
    bound = TOTAL / max(ideal, 1.0)
    print(
        f"\n1. Draining {TOTAL} queued links ({per_app} per company, 2 Cronofy applications "
        f"in one simulator, {PER_SECOND}/s and {PER_MINUTE}/min each); Odoo prefork "
        f"--workers={HTTP_WORKERS}, lanes = cron workers in all"
    )
    print(
        f"   bound: the {per_app}th call of each application can be made {ideal:.1f} s after "
        f"the start at the earliest ({bound:.1f} requests/s for the job); Odoo's limiter "
        f"(windows 1.25 s / 61 s) allows {odoo_ideal:.1f} s "
        f"({100 * ideal / odoo_ideal if odoo_ideal else 100:.0f}% of the bound)"
    )
    print(f"   machine: os.cpu_count() = {os.cpu_count()}")
    header = (
        "servers x cron",
        "lanes",
        "wall s",
        "req/s",
        "% bound",
        "429s",
        "5xx",
        "dup sim/odoo/mail",
        "lost req/mail",
        "mails/s",
        "CPU ms/req",
        "busy",
        "load 1m",
    )
    rows = []
    for r in results:
        if "wall" not in r:
            rows.append((f"{r['servers']} x {r['cron_workers']}", "?", "error", *[""] * 10))
            continue
        rate = TOTAL / r["wall"] if not r["timed_out"] else (TOTAL - r["lost"]) / r["wall"]
        mail_rate = r["mails"] / r["mail_last"] if r["mail_last"] else 0.0
        lanes = f"{r['lanes']}" + ("" if r["lanes_supported"] else "*")
        rows.append(
            (
                f"{r['servers']} x {r['cron_workers']}",
                lanes,
                f"{r['wall']:.1f}" + (" (timeout)" if r["timed_out"] else ""),
                f"{rate:.1f}",
                f"{100 * rate / bound:.0f}%",
                str(r["limited"]),
                str(r["server_errors"]),
                f"{r['sim_duplicates']}/{r['odoo_duplicates']}/{r['mail_duplicates']}",
                f"{r['lost']}/{r['mail_missing']}",
                f"{mail_rate:.1f}",
                f"{1000 * r['odoo_cpu'] / TOTAL:.0f}",
                f"{100 * r['busy']:.0f}%",
                f"{r['load'][0]:.2f}",
            )
        )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "   "
            + "  ".join(str(cell).rjust(width) for cell, width in zip(row, widths, strict=True))
        )
    if any(not r.get("lanes_supported", True) for r in results):
        print(
            "   * this branch has no sending lanes: one cron record (the automation cron) "
            "runs in one worker at a time, whatever the number of cron workers"
        )
    for r in results:
        if "wall" not in r:
            continue
        details = [
            f"create answers {r['statuses']}",
            f"created per application {r['per_app']}",
            f"states {r['states']}",
            f"last link mail at +{r['mail_last']:.1f} s" if r["mail_last"] else "no link mail",
        ]
        if r["mail_queued"]:
            details.append(f"{r['mail_queued']} mails still outgoing in Odoo's mail queue")
        if r["other_mails"]:
            details.append(f"{r['other_mails']} other mails (followers)")
        if r["error_lines"]:
            retried = ", ".join(f"{n} on the {kind}" for kind, n in r["serialization"].items())
            details.append(
                f"{r['error_lines']} ERROR lines in Odoo's log"
                + (
                    f" ('could not serialize', which the sender retries: {retried})"
                    if retried
                    else ""
                )
            )
        print(f"   {r['servers']} x {r['cron_workers']}: " + "; ".join(details))
        for company, times in enumerate(r["timeline"], 1):
            if not times:
                continue
            marks = [f"1st +{times[0]:.1f} s"]
            if len(times) > PER_MINUTE:
                marks += [
                    f"{PER_MINUTE}th +{times[PER_MINUTE - 1]:.1f} s",
                    f"{PER_MINUTE + 1}st +{times[PER_MINUTE]:.1f} s (its minute window "
                    f"reopens at +{times[0] + 61:.1f} s)",
                ]
            marks.append(f"last +{times[-1]:.1f} s")
            print(f"        company {company} links stored: " + ", ".join(marks))
        for line in r["problems"][:3]:
            print(f"        {line[:300]}")
        for line in bounds(r["timeline"]):
            print(f"        {line}")
    ok = True
    measured = {r["label"]: r for r in results if "wall" in r}
    if "1x1" in measured and "1x2" in measured:
        ratio = measured["1x1"]["wall"] / measured["1x2"]["wall"]
        verdict(
            ratio >= 1.1, "throughput grows from 1 to 2 cron workers (>= 1.1x)", f"{ratio:.2f}x"
        )
    for r in measured.values():
        rate = (TOTAL - r["lost"]) / r["wall"]
        verdict(
            rate >= 0.8 * bound,
            f"{r['servers']} x {r['cron_workers']} reaches 80% of the limiter's bound",
            f"{100 * rate / bound:.0f}% ({rate:.1f} of {bound:.1f} requests/s)",
        )
    for r in results:
        name = f"{r['servers']} x {r['cron_workers']}"
        if "wall" not in r:
            ok &= correctness(False, f"{name} ran to the end")
            continue
        duplicates = r["sim_duplicates"] + r["odoo_duplicates"] + r["mail_duplicates"]
        ok &= correctness(
            duplicates == 0 and r["sim_requests"] == TOTAL - r["states"].get("queued", 0),
            f"{name}: no duplicate (one Cronofy request per recipient, one Odoo request per "
            f"applicant, one link mail per candidate)",
            f"{r['sim_requests']} requests at Cronofy; duplicates {r['sim_duplicates']} / "
            f"{r['odoo_duplicates']} / {r['mail_duplicates']}",
        )
        ok &= correctness(
            r["lost"] == 0 and r["mail_missing"] == 0,
            f"{name}: nothing lost (every request pending, every link mail received)",
            f"{TOTAL - r['lost']}/{TOTAL} pending, {TOTAL - r['mail_missing']}/{TOTAL} mails",
        )
        ok &= correctness(r["server_errors"] == 0, f"{name}: no 5xx", str(r["server_errors"]))
    return ok


def intake_label(workers, dbfilter):
    return f"--workers={workers}" + ("" if dbfilter else " db_name only")


def run_intake(build, workers, dbfilter):
    db = f"{DB}_intake{workers}{'' if dbfilter else '_db_name'}"
    clone_db(db)
    simulator = start_simulator()
    odoo = OdooServer(
        workers=workers,
        cron_workers=1,
        name=f"scale-intake-{workers}",
        db=db,
        dbfilter=dbfilter,
    )
    try:
        wiring = configure(db, build, simulator, odoo.base_url, 25, 1)
        odoo.start()
        rows, ok, stored, cpu = measure_intake(odoo, wiring, db=db)
    finally:
        odoo.stop()
        simulator.stop()
        drop_db(db)
    return rows, ok, stored, cpu, os.getloadavg()


def print_intake(results):
    print(
        f"\n2. Webhook intake vs the empty route ({REQUESTS} POSTs each, {CONCURRENCY} client "
        f"threads, alternating in {ROUNDS} rounds; processing held, its triggers and "
        f"wake-ups paid; the floor route: one INSERT, committed), Odoo "
        + ", ".join(results)
        + (
            " (db_name only: --database without --db-filter)"
            if not all(dbfilter for _workers, dbfilter in INTAKE_RUNS)
            else ""
        )
    )
    ok = True
    for server, (rows, _ok, _stored, cpu, load) in results.items():
        for name, (p50, p95, rate, answers) in rows.items():
            print(
                f"   {server}  {name:8s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                f"{rate:6.1f} req/s  answers {answers}"
            )
        print_intake_cpu(cpu, indent=f"   {server}  ")
        print(f"   {server}  load average after: {load[0]:.2f}")
    for server, (rows, answers_ok, (stored, sent), _cpu, _load) in results.items():
        for index, label in ((0, "p50"), (1, "p95")):
            ratio = rows["webhook"][index] / rows["empty"][index]
            verdict(
                ratio <= 1.1,
                f"{server}: intake {label} at most 1.1x the empty route's",
                f"{rows['webhook'][index]:.1f} vs {rows['empty'][index]:.1f} ms ({ratio:.2f}x)",
            )
            # What any intake that keeps what it accepts costs: one INSERT, committed.
            floor = rows["floor"][index]
            print(
                f"   {server}: {label} the floor route vs the empty route "
                f"{floor / rows['empty'][index]:.2f}x; "
                f"the intake vs the floor route {rows['webhook'][index] / floor:.2f}x"
            )
        ok &= correctness(
            answers_ok and stored == sent,
            f"{server}: every POST answered 200 and every notification stored",
            f"{stored}/{sent}",
        )
    return ok


def main():
    print(f"SCALE on database {DB}; {load_conditions()}")
    log(f"building {TOTAL} applicants and queued requests in {DB}")
    started = time.monotonic()
    build = odoo_shell(
        BUILD_SCRIPT,
        env={"HRC_SCALE_PER_COMPANY": str(PER_COMPANY), "HRC_SCALE_TEMPLATE_SUB": TEMPLATE_SUB},
    )[0]
    # Only the job runs while it is measured: every other cron is put off by a day,
    # except Odoo's mail queue, left to its own schedule (the addon triggers it).
    sql(
        "UPDATE ir_cron SET nextcall = (now() AT TIME ZONE 'UTC') + interval '1 day' "
        "WHERE id NOT IN (SELECT res_id FROM ir_model_data WHERE module = 'mail' "
        "AND name = 'ir_cron_mail_scheduler_action'); DELETE FROM ir_cron_trigger"
    )
    log(f"built in {time.monotonic() - started:.0f} s: {build['queued']}")
    ok = True
    if "drain" not in SKIP:
        results = []
        for servers_count, cron_workers in CONFIGS:
            try:
                results.append(run_config(build, servers_count, cron_workers))
            except Exception as error:  # noqa: BLE001 - report it and go on
                log(f"scale {servers_count}x{cron_workers} failed: {error!r}")
                results.append({"servers": servers_count, "cron_workers": cron_workers})
        ok &= print_drain(results)
    if "intake" not in SKIP and INTAKE_RUNS:
        ok &= print_intake({intake_label(*run): run_intake(build, *run) for run in INTAKE_RUNS})
    return finish("SCALE", ok)


if __name__ == "__main__":
    sys.exit(main())
