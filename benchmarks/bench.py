"""Benchmarks, side by side in one run on the same Odoo and database:

1. webhook intake (verify, persist, 2xx) vs an empty Odoo route, 2 workers;
2. processing one time_chosen notification vs Odoo's own meeting for an applicant;
3. moving 500 applicants into an auto-scheduling stage vs an ordinary stage, and
   draining the queue against the simulator's Cronofy limits (the existing
   opt-in test tests/test_automation_benchmark.py);
4. applicant list/kanban reads for 80 and 2,000 applicants, with and without
   the addon's fields.

Prints figures and PASS/MISS per target; a missed target does not fail the run.
Run through ``benchmarks/run bench``. Knobs: HRC_BENCH_REQUESTS (1500 per route),
HRC_BENCH_CONCURRENCY (4), HRC_BENCH_PROCESS_ROUNDS (30), HRC_BENCH_APPLICANTS (2000),
HRC_BENCH_SKIP (comma list of intake,processing,moves,views)."""

import json
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import cpu_accounting
import requests
from harness import (
    CONF,
    DB,
    PY,
    REPO_ROOT,
    OdooServer,
    Simulator,
    finish,
    harness_connection,
    load_conditions,
    odoo_shell,
    percentile,
    sql,
    verdict,
    wire_connection,
)

sys.path.insert(0, str(REPO_ROOT))
from cronofy_protocol import compute_signature  # noqa: E402

HERE = Path(__file__).resolve().parent
REQUESTS = int(os.environ.get("HRC_BENCH_REQUESTS", "1500"))
CONCURRENCY = int(os.environ.get("HRC_BENCH_CONCURRENCY", "4"))
ROUNDS = 5
SKIP = set(filter(None, os.environ.get("HRC_BENCH_SKIP", "").split(",")))


def fire(url, bodies, headers_for):
    """POST every body with CONCURRENCY threads; (latencies, wall time, statuses)."""
    latencies, statuses = [], {}
    lock = threading.Lock()
    local = threading.local()

    def one(body):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started = time.perf_counter()
        response = session.post(url, data=body, headers=headers_for(body), timeout=60)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(one, bodies))
    return latencies, time.perf_counter() - started, statuses


# The notification processing cron's id, as an SQL subquery.
PROCESSING_CRON_ID = (
    "(SELECT res_id FROM ir_model_data WHERE module = 'hr_recruitment_cronofy' "
    "AND name = 'ir_cron_cronofy_process_notifications')"
)


@contextmanager
def processing_cron_held(db):
    """Hold the notification cron's row the way a busy cron worker does (``FOR NO
    KEY UPDATE``, as ir.cron's acquire): the cron stays active, so every accepted
    notification still writes its trigger and wakes the cron workers, as in
    production, but no worker can run the cron, so no processing competes with the
    intake for the cores."""
    connection = harness_connection(db)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM ir_cron WHERE active AND id = {PROCESSING_CRON_ID} "
                "FOR NO KEY UPDATE"
            )
            if not cursor.fetchall():
                raise RuntimeError("the notification processing cron is not active")
            yield
    finally:
        connection.rollback()
        connection.close()


def measure_intake(odoo, wiring, db=DB):
    """Alternate rounds of signed webhook POSTs, empty-route and floor-route POSTs
    (the probe addon) on ``odoo`` (notification processing held, its triggers and
    wake-ups still paid). Returns ``{"empty"|"floor"|"webhook": (p50 ms, p95 ms,
    req/s, answers)}`` and whether every answer was a 200 and every accepted
    notification was stored (orphans with a prefix of this run) with its cron
    trigger."""
    with processing_cron_held(db):
        return _measure_intake(odoo, wiring, db)


def _measure_intake(odoo, wiring, db):
    secret = wiring["client_secret"]
    counter = iter(range(10**9))
    prefix = f"srq_bench_intake_{odoo.port}_"

    def body():
        # Unique notifications (orphans for a request that does not exist): a real INSERT each.
        i = next(counter)
        return json.dumps(
            {
                "notification": {
                    "type": "scheduling_request_time_chosen",
                    "triggered_at": "2026-01-01T00:00:00Z",
                },
                "scheduling_request": {
                    "scheduling_request_id": f"{prefix}{i}",
                    "slot_selection": "complete",
                },
            }
        ).encode()

    def signed(raw):
        return {
            "Content-Type": "application/json; charset=utf-8",
            "Cronofy-HMAC-SHA256": compute_signature(raw, secret),
        }

    routes = {
        "empty": odoo.base_url + "/hrc_bench/empty",
        "floor": odoo.base_url + "/hrc_bench/floor",
        "webhook": odoo.base_url + wiring["webhook_path"],
    }
    figures = {name: {"lat": [], "wall": 0.0, "statuses": {}, "cpu": {}} for name in routes}
    per_round = max(1, REQUESTS // ROUNDS)
    db_port = int(os.environ.get("HRC_DB_PORT", "5432"))

    def cpu_now():
        return cpu_accounting.reading([odoo.process.pid], db_port)

    for url in routes.values():  # warm-up
        fire(url, [body() for _ in range(50)], signed)
    for _ in range(ROUNDS):
        for name, url in routes.items():
            bodies = [body() for _ in range(per_round)]
            cpu_before = cpu_now()
            latencies, wall, statuses = fire(url, bodies, signed)
            cpu_accounting.add_difference(figures[name]["cpu"], cpu_before, cpu_now())
            figures[name]["lat"] += latencies
            figures[name]["wall"] += wall
            for status, n in statuses.items():
                figures[name]["statuses"][status] = figures[name]["statuses"].get(status, 0) + n
    rows = {
        name: (
            percentile(fig["lat"], 0.5) * 1000,
            percentile(fig["lat"], 0.95) * 1000,
            len(fig["lat"]) / fig["wall"],
            fig["statuses"],
        )
        for name, fig in figures.items()
    }
    cpu = {
        name: cpu_accounting.per_request_ms(fig["cpu"], len(fig["lat"]))
        for name, fig in figures.items()
    }
    ok = all(set(fig["statuses"]) == {200} for fig in figures.values())
    ((stored,),) = sql(
        "SELECT count(*) FROM cronofy_notification WHERE cronofy_request_ref LIKE %s",
        [prefix.replace("_", r"\_") + "%"],
        db=db,
    )
    sent = sum(figures["webhook"]["statuses"].values()) + 50
    ((triggers,),) = sql(
        f"SELECT count(*) FROM ir_cron_trigger WHERE cron_id = {PROCESSING_CRON_ID}",
        db=db,
    )
    return rows, ok and triggers >= sent, (stored, sent), cpu


def print_intake_cpu(cpu, indent="   "):
    """CPU per request by kind of process, per route, and what the intake adds to
    the empty route (see cpu_accounting for the kinds)."""
    for name, ms in cpu.items():
        print(f"{indent}{name:8s} CPU ms per request: {cpu_accounting.format_ms(ms)}")
    extra = {
        kind: cpu["webhook"].get(kind, 0.0) - cpu["empty"].get(kind, 0.0)
        for kind in set(cpu["webhook"]) | set(cpu["empty"])
    }
    extra = dict(sorted(extra.items(), key=lambda item: -item[1]))
    print(f"{indent}intake minus empty, CPU ms per request: {cpu_accounting.format_ms(extra)}")


def bench_intake(odoo, wiring):
    print(
        f"\n1. Webhook intake vs empty route ({REQUESTS} POSTs each, {CONCURRENCY} client "
        f"threads, alternating in {ROUNDS} rounds, Odoo --workers=2; processing held, "
        f"so only the intake is measured, its cron trigger and wake-up included)"
    )
    rows, ok, (stored, sent), cpu = measure_intake(odoo, wiring)
    for name, (p50, p95, rate, answers) in rows.items():
        print(
            f"   {name:8s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  {rate:6.1f} req/s  "
            f"answers {answers}"
        )
    print_intake_cpu(cpu)
    for index, label in ((0, "p50"), (1, "p95")):
        ratio = rows["webhook"][index] / rows["empty"][index]
        verdict(ratio <= 2, f"intake {label} at most 2x the empty route", f"{ratio:.2f}x")
    ratio = rows["empty"][2] / rows["webhook"][2]
    verdict(
        ratio <= 2,
        "intake throughput at least 1/2 of the empty route's",
        f"{rows['webhook'][2]:.0f} vs {rows['empty'][2]:.0f} req/s ({ratio:.2f}x)",
    )
    ok &= stored == sent
    print(
        f"   {'PASS' if stored == sent else 'FAIL'}  every accepted notification stored: "
        f"{stored}/{sent}"
    )
    return ok


def bench_processing():
    rounds = os.environ.get("HRC_BENCH_PROCESS_ROUNDS", "30")
    print(
        f"\n2. Processing one time_chosen notification into an interview vs Odoo's own "
        f"meeting for an applicant (action_create_meeting + save; median of {rounds} rounds, "
        f"same database and process, flush and pre-commit included)"
    )
    result = odoo_shell((HERE / "inside_processing.py").read_text())[0]
    addon, odoo = result["addon"], result["odoo"]
    print(
        f"   addon: {addon['time_ms']:.1f} ms, {addon['queries']:.0f} queries;  Odoo meeting: "
        f"{odoo['time_ms']:.1f} ms, {odoo['queries']:.0f} queries"
    )
    q_ratio = addon["queries"] / odoo["queries"]
    t_ratio = addon["time_ms"] / odoo["time_ms"]
    verdict(q_ratio <= 1.3, "processing at most 1.3x the meeting in SQL queries", f"{q_ratio:.2f}x")
    verdict(t_ratio <= 1.3, "processing at most 1.3x the meeting in time", f"{t_ratio:.2f}x")
    return True


def bench_moves():
    print(
        "\n3. Moving 500 applicants into an auto-scheduling stage vs an ordinary stage, then "
        "draining the queue against the simulator (50/s, 500/min) — "
        "tests/test_automation_benchmark.py"
    )
    addons_link = subprocess.run(  # noqa: S603
        ["bash", "-c", f"source {REPO_ROOT}/scripts/lib.sh && ensure_addons_link"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    completed = subprocess.run(  # noqa: S603
        [
            PY,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-s",
            "-q",
            f"--odoo-config={CONF}",
            f"--odoo-database={DB}",
            "--odoo-log-level=warn",
            "hr_recruitment_cronofy/tests/test_automation_benchmark.py",
        ],
        cwd=addons_link,
        capture_output=True,
        text=True,
        check=False,
        env=dict(
            os.environ,
            HRC_BENCHMARK="1",
            PYTHONPATH=f"{REPO_ROOT}/scripts:{os.environ.get('PYTHONPATH', '')}",
        ),
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("BENCHMARK")]
    for line in lines:
        print("   " + line)
    if completed.returncode or len(lines) < 2:
        print(completed.stdout[-3000:] + completed.stderr[-3000:])
        print("   FAIL  the 500-moves benchmark did not complete")
        return False
    ratio = float(re.search(r"ratio ([\d.]+)x", lines[0]).group(1))
    verdict(
        ratio <= 1.3, "500 moves at most 1.3x the same move without automation", f"{ratio:.2f}x"
    )
    rate = float(re.search(r"([\d.]+) requests/s", lines[1]).group(1))
    limited = "429" in lines[1]
    verdict(
        rate <= 50 * 1.05,
        "queue drains within Cronofy's limit (50/s, 500/min)",
        f"{rate:.1f} requests/s; 429 answers: {'yes (retried)' if limited else 'none'}",
    )
    return True


def bench_views():
    count = int(os.environ.get("HRC_BENCH_APPLICANTS", "2000"))
    print(
        f"\n4. Applicant list/kanban reads (web_search_read with the views' fields) for 80 vs "
        f"{count} applicants, half of them with a scheduling request"
    )
    result = odoo_shell((HERE / "inside_views.py").read_text())[0]
    constant = True
    for view in ("list", "kanban"):
        w = {n: result[f"{view}_with_{n}"] for n in (40, 80, count)}
        wo = {n: result[f"{view}_without_{n}"] for n in (40, 80, count)}
        print(
            f"   {view:6s} queries for 40 / 80 / {count} records: with the addon's fields "
            f"{w[40]} / {w[80]} / {w[count]}; without {wo[40]} / {wo[80]} / {wo[count]} "
            f"(addon fields in the view: {', '.join(result[f'{view}_addon_fields'])})"
        )
        constant &= w[40] == w[80] and w[80] - wo[80] == w[40] - wo[40]
        print(
            f"          the addon adds {w[80] - wo[80]} queries per page of 40 or 80; "
            f"{w[count] - wo[count]} for all {count} at once (Odoo prefetches by 1,000)"
        )
    verdict(constant, "no per-record queries (a page of 40 and of 80 cost the same)")
    return True


def main():
    print(f"BENCHMARKS on database {DB}; {load_conditions()}")
    ok = True
    simulator = Simulator().start()
    odoo = OdooServer(workers=2, cron_workers=1, name="bench")
    try:
        wiring = wire_connection(simulator, f"http://127.0.0.1:{odoo.port}")
        if "intake" not in SKIP:
            odoo.start()
            try:
                ok &= bench_intake(odoo, wiring)
            finally:
                odoo.stop()
        if "processing" not in SKIP:
            ok &= bench_processing()
        if "views" not in SKIP:
            ok &= bench_views()
        if "moves" not in SKIP:
            ok &= bench_moves()
    finally:
        odoo.stop()
        simulator.stop()
    return finish("BENCHMARKS", ok)


if __name__ == "__main__":
    sys.exit(main())
