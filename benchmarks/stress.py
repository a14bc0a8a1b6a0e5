"""Stress: 1,000 signed notifications (30% duplicates, 20% reordered) fired
concurrently at a 2-worker Odoo; with --kill, Odoo (master and workers) is
killed with SIGKILL mid-stream and restarted while the sender keeps retrying, as
Cronofy does. Then the database must show exactly one interview per booked
request, every request in the state of its newest notification, every distinct
notification in the inbox and processed, and no 5xx answer.

Run through ``benchmarks/run stress`` / ``benchmarks/run kill``. Knobs:
HRC_STRESS_TOTAL (1000), HRC_STRESS_THREADS (16), HRC_STRESS_SEED (10),
HRC_STRESS_UNSIGNED (640: unsigned POSTs fired from the same threads while the
inbox drains; each must be a 401, counted exactly, with no ERROR line)."""

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests
from harness import (
    DB,
    REPO_ROOT,
    OdooServer,
    Simulator,
    correctness,
    load_conditions,
    log,
    odoo_shell,
    sql,
    wire_connection,
)

sys.path.insert(0, str(REPO_ROOT))
from cronofy_protocol import compute_signature  # noqa: E402

TOTAL = int(os.environ.get("HRC_STRESS_TOTAL", "1000"))
THREADS = int(os.environ.get("HRC_STRESS_THREADS", "16"))
SEED = int(os.environ.get("HRC_STRESS_SEED", "10"))
UNSIGNED = int(os.environ.get("HRC_STRESS_UNSIGNED", "640"))
DUPLICATE_SHARE = 0.30
REORDER_SHARE = 0.20
SEND_DEADLINE = 300  # seconds a sender keeps retrying one notification
DRAIN_TIMEOUT = 600

CHOSEN = "scheduling_request_time_chosen"
RESCHEDULED = "scheduling_request_rescheduled"
DECLINED = "scheduling_request_declined"
# Each request's story, in the order Cronofy triggers it; three kinds of request.
STORIES = [(CHOSEN, RESCHEDULED, DECLINED), (CHOSEN, RESCHEDULED), (CHOSEN,)]
FINAL_STATE = {CHOSEN: "time_chosen", RESCHEDULED: "rescheduled", DECLINED: "declined"}

SETUP_SCRIPT = r"""
import json, os
count = int(os.environ["HRC_STRESS_REQUESTS"])
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True,
                       mail_notrack=True))
job = env["hr.job"].create({"name": "Stress Job", "user_id": env.ref("base.user_admin").id})
candidates = env["hr.candidate"].create([
    {"partner_name": f"Stress Candidate {i}", "email_from": f"stress{i}@example.com"}
    for i in range(count)
])
applicants = env["hr.applicant"].create([
    {"candidate_id": c.id, "job_id": job.id, "user_id": env.ref("base.user_admin").id}
    for c in candidates
])
requests_ = env["cronofy.scheduling.request"].create([
    {"applicant_id": a.id, "cronofy_id": f"srq_stress_{i:05d}", "state": "pending",
     "origin": "button", "summary": "Stress interview", "duration_minutes": 30}
    for i, a in enumerate(applicants)
])
env.cr.commit()
print("HRC_JSON " + json.dumps({r.cronofy_id: r.correlation_id for r in requests_}))
"""


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_notifications(correlations, rng):
    """Unique notifications per request story, with the expected final outcome."""
    unique, expected = [], {}
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    slot_base = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
    for index, (cronofy_id, correlation_id) in enumerate(sorted(correlations.items())):
        story = STORIES[index % len(STORIES)]
        triggered = base + timedelta(seconds=index)
        slot = None
        for step, kind in enumerate(story):
            event = {
                "summary": "Stress interview",
                "metadata": {"scheduler": {"correlation_id": correlation_id}},
            }
            if kind != DECLINED:
                slot = slot_base + timedelta(days=index % 300, minutes=30 * step)
                event["start"] = {"time": iso(slot), "tzid": "Europe/London"}
                event["end"] = {"time": iso(slot + timedelta(minutes=30)), "tzid": "Europe/London"}
            at = triggered + timedelta(minutes=10 * step)
            unique.append(
                {
                    "order": (at, step),
                    "payload": {
                        "notification": {"type": kind, "triggered_at": iso(at)},
                        "scheduling_request": {
                            "scheduling_request_id": cronofy_id,
                            "slot_selection": "declined" if kind == DECLINED else "complete",
                            "event": event,
                        },
                    },
                }
            )
        expected[cronofy_id] = {
            "state": FINAL_STATE[story[-1]],
            "booked": True,
            "active": story[-1] != DECLINED,
            "start": slot.replace(tzinfo=None),
            "last_at": (triggered + timedelta(minutes=10 * (len(story) - 1))).replace(tzinfo=None),
        }
    return unique, expected


def delivery_plan(unique, rng, secret):
    """Bodies to send: chronological, 30% duplicates, 20% moved out of order."""
    unique.sort(key=lambda item: item["order"])
    bodies = [json.dumps(item["payload"]).encode() for item in unique]
    duplicates = []
    for body in rng.sample(bodies, TOTAL - len(bodies)):
        if rng.random() < 0.5:
            duplicates.append(body)  # byte-identical redelivery
        else:  # the same notification spelt differently: other key order, +00:00
            payload = json.loads(body)
            payload["notification"]["triggered_at"] = payload["notification"][
                "triggered_at"
            ].replace("Z", "+00:00")
            duplicates.append(json.dumps(payload, sort_keys=True, indent=1).encode())
    plan = list(bodies)
    for body in duplicates:
        plan.insert(rng.randrange(len(plan) + 1), body)
    moved = rng.sample(range(len(plan)), int(REORDER_SHARE * len(plan)))
    taken = [plan[i] for i in moved]
    for i in sorted(moved, reverse=True):
        del plan[i]
    for body in taken:
        plan.insert(rng.randrange(len(plan) + 1), body)
    return [(body, compute_signature(body, secret)) for body in plan]


class Sender:
    """Concurrent sender that retries like Cronofy: any non-2xx or connection
    error is retried (back-off 0.2 s doubling to 5 s) until SEND_DEADLINE."""

    def __init__(self, url):
        self.url = url
        self.statuses = Counter()
        self.errors = Counter()
        self.lock = threading.Lock()
        self.done = 0
        self.failed_for_good = 0
        self.local = threading.local()

    def _session(self):
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def send(self, item):
        body, signature = item
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Cronofy-HMAC-SHA256": signature,
        }
        deadline = time.monotonic() + SEND_DEADLINE
        delay = 0.2
        while True:
            try:
                response = self._session().post(self.url, data=body, headers=headers, timeout=30)
                with self.lock:
                    self.statuses[response.status_code] += 1
                if 200 <= response.status_code < 300:
                    break
                if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
                    with self.lock:  # a refusal is a bug here, not a reason to retry
                        self.failed_for_good += 1
                    return
            except requests.RequestException as error:
                with self.lock:
                    self.errors[type(error).__name__] += 1
                self.local.session = requests.Session()
            if time.monotonic() > deadline:
                with self.lock:
                    self.failed_for_good += 1
                return
            time.sleep(delay)
            delay = min(delay * 2, 5)
        with self.lock:
            self.done += 1


def flood_unsigned(url, count):
    """``count`` unsigned POSTs from THREADS threads: what anyone who finds the URL
    can do. Returns the answers' status counts."""
    statuses = Counter()
    lock = threading.Lock()
    local = threading.local()
    body = json.dumps({"notification": {"type": "probe"}}).encode()

    def one(_index):
        if not hasattr(local, "session"):
            local.session = requests.Session()
        try:
            code = local.session.post(url, data=body, timeout=30).status_code
        except requests.RequestException as error:
            code = type(error).__name__
        with lock:
            statuses[code] += 1

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(one, range(count)))
    return statuses


def wait_drained(timeout=DRAIN_TIMEOUT):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        ((waiting,),) = sql(
            "SELECT count(*) FROM cronofy_notification WHERE state = 'received'"
            " OR (state = 'failed' AND next_attempt_at IS NOT NULL)"
        )
        if not waiting:
            return time.monotonic() - started
        time.sleep(1)
    return None


def verify(plan, expected, sender, problems):
    ok = True
    distinct = {
        json.dumps(json.loads(body)["scheduling_request"]["scheduling_request_id"])
        + json.loads(body)["notification"]["type"]
        for body, _ in plan
    }
    five = sum(n for status, n in sender.statuses.items() if status >= 500)
    ok &= correctness(
        five == 0,
        "no 5xx answer",
        f"answers {dict(sorted(sender.statuses.items()))}"
        + (f", connection errors {dict(sender.errors)}" if sender.errors else ""),
    )
    ok &= correctness(
        sender.failed_for_good == 0,
        "every notification accepted (2xx) in the end",
        f"{sender.done}/{len(plan)} accepted",
    )
    rows = sql(
        "SELECT state, count(*) FROM cronofy_notification WHERE source = 'webhook' GROUP BY state"
    )
    by_state = dict(rows)
    stored = sum(by_state.values())
    ok &= correctness(
        stored == len(distinct),
        "inbox rows = distinct notifications (nothing lost, duplicates collapsed)",
        f"{stored} rows for {len(distinct)} distinct, {len(plan)} deliveries; states {by_state}",
    )
    ok &= correctness(
        set(by_state) <= {"done", "skipped"},
        "every inbox row processed (done or skipped as stale/duplicate)",
    )
    requests_ = {
        row[0]: row[1:]
        for row in sql(
            "SELECT r.cronofy_id, r.state, r.interview_start, r.last_notification_at,"
            " (SELECT min(e.id) FROM calendar_event e WHERE e.cronofy_request_id = r.id),"
            " (SELECT count(*) FROM calendar_event e WHERE e.cronofy_request_id = r.id),"
            " (SELECT bool_and(e.active) FROM calendar_event e WHERE e.cronofy_request_id = r.id),"
            " (SELECT min(e.start) FROM calendar_event e WHERE e.cronofy_request_id = r.id)"
            " FROM cronofy_scheduling_request r WHERE r.cronofy_id LIKE 'srq_stress_%%'"
        )
    }
    wrong_state, wrong_events, wrong_time = [], [], []
    for cronofy_id, want in expected.items():
        state, start, last_at, event_id, events, active, event_start = requests_[cronofy_id]
        if state != want["state"] or last_at != want["last_at"]:
            wrong_state.append((cronofy_id, state, want["state"]))
        if want["active"]:
            # Booked last: one active interview at the newest booked slot.
            if events != 1 or not active or not event_id:
                wrong_events.append((cronofy_id, events, active))
            if start != want["start"] or event_start != want["start"]:
                wrong_time.append((cronofy_id, start, event_start, want["start"]))
        elif events > 1 or (events and active):
            # Declined last: no interview left active. When the decline overtook
            # the booking, the stale booking is skipped and no interview exists.
            wrong_events.append((cronofy_id, events, active))
    booked = sum(1 for want in expected.values() if want["active"])
    ok &= correctness(
        not wrong_events,
        "one active interview per request booked last, none "
        "active for requests declined last, never two",
        f"{len(expected)} requests "
        f"({booked} booked last), {len(wrong_events)} wrong {wrong_events[:3]}",
    )
    ok &= correctness(
        not wrong_state,
        "final state and last_notification_at = newest notification's",
        f"{len(wrong_state)} wrong {wrong_state[:3]}",
    )
    ok &= correctness(
        not wrong_time,
        "interview at the newest booked slot",
        f"{len(wrong_time)} wrong {wrong_time[:3]}",
    )
    ((stray,),) = sql(
        "SELECT count(*) FROM calendar_event e JOIN cronofy_scheduling_request r"
        " ON r.id = e.cronofy_request_id WHERE r.cronofy_id NOT LIKE 'srq_stress_%%'"
    )
    ok &= correctness(not stray, "no stray interviews", f"{stray} events on other requests")
    ok &= correctness(
        not problems, "no ERROR in the Odoo logs", f"{len(problems)} lines {problems[:2]}"
    )
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kill", action="store_true", help="kill -9 Odoo mid-stream, restart")
    args = parser.parse_args()
    rng = random.Random(SEED)
    request_count = round(TOTAL * (1 - DUPLICATE_SHARE) / 2)  # stories average 2 notifications
    log(f"stress: setting up {request_count} scheduling requests in {DB}")
    correlations = odoo_shell(SETUP_SCRIPT, env={"HRC_STRESS_REQUESTS": str(request_count)})[0]
    unique, expected = build_notifications(correlations, rng)
    simulator = Simulator().start()
    odoo = OdooServer(workers=2, cron_workers=1, name="stress")
    problems = []
    try:
        wiring = wire_connection(simulator, f"http://127.0.0.1:{odoo.port}")
        plan = delivery_plan(unique, rng, wiring["client_secret"])
        odoo.start()
        sender = Sender(odoo.base_url + wiring["webhook_path"])
        title = "kill -9 mid-stream" if args.kill else "concurrent"
        print(
            f"\nSTRESS ({title}): {len(plan)} deliveries = {len(unique)} distinct notifications "
            f"+ {len(plan) - len(unique)} duplicates, {int(REORDER_SHARE * 100)}% moved out of "
            f"order, {len(expected)} requests, {THREADS} sender threads, Odoo --workers=2 "
            f"--max-cron-threads=1; {load_conditions()}"
        )
        started = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            futures = [pool.submit(sender.send, item) for item in plan]
            if args.kill:
                while sender.done < len(plan) * 0.4:
                    time.sleep(0.05)
                ((processed,),) = sql(
                    "SELECT count(*) FROM cronofy_notification WHERE state IN ('done', 'skipped')"
                )
                log(f"kill -9 after {sender.done} accepted deliveries ({processed} processed)")
                problems += odoo.log_problems()
                odoo.kill9()
                print(
                    f"  killed Odoo (SIGKILL to master and workers) after {sender.done} accepted "
                    f"deliveries, {processed} inbox rows processed"
                )
                time.sleep(2)
                odoo.logfile.write_text("")
                odoo.start()
                log("Odoo restarted")
            for future in futures:
                future.result()
        sent = time.monotonic() - started
        refused = None
        if not args.kill and UNSIGNED:
            ((refused_before,),) = sql("SELECT count(*) FROM cronofy_webhook_refusal")
            flood_started = time.monotonic()
            refused = flood_unsigned(sender.url, UNSIGNED)
            ((refused_after,),) = sql("SELECT count(*) FROM cronofy_webhook_refusal")
            print(
                f"  {UNSIGNED} unsigned POSTs from {THREADS} threads in "
                f"{time.monotonic() - flood_started:.1f}s while the inbox drains: answers "
                f"{dict(refused)}, {refused_after - refused_before} refusals counted"
            )
        drained = wait_drained()
        total = time.monotonic() - started
        problems += odoo.log_problems()
        print(
            f"  sent in {sent:.1f}s ({len(plan) / sent:.0f} deliveries/s); inbox drained "
            + (f"{total:.1f}s after the first delivery" if drained is not None else "NEVER")
        )
        ok = drained is not None and verify(plan, expected, sender, problems)
        if refused is not None:
            ok &= correctness(
                refused == Counter({401: UNSIGNED}), "every unsigned POST answered 401"
            )
            ok &= correctness(
                refused_after - refused_before == UNSIGNED,
                "every refusal counted exactly",
                f"{refused_after - refused_before} of {UNSIGNED}",
            )
    finally:
        odoo.stop()
        simulator.stop()
    print(f"STRESS {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
