"""Fault suite: every Cronofy fault the simulator can inject, against the addon,
one verdict line per fault. The scenarios are the addon's Odoo tests that drive
the simulator's fault injection (real HTTP, nothing mocked); this command runs
exactly those on a fresh copy of the base database and prints what each proves.

Run through ``benchmarks/run faults``."""

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from harness import CONF, DB, PY, REPO_ROOT, load_conditions

# (fault, what must hold, test id)
SCENARIOS = [
    (
        "429 + Retry-After on create",
        "postponed by Retry-After, not a failure, sent once later",
        "test_stage_automation.py::TestStageAutomation::test_429_is_postponed_then_sent",
    ),
    (
        "500 on create",
        "marked outcome-unknown, never re-created blindly",
        "test_stage_automation.py::TestStageAutomation::test_5xx_on_create_is_reconciled_not_repeated",
    ),
    (
        "dropped connection on create",
        "outcome unknown, one create call only",
        "test_stage_automation.py::TestStageAutomation::test_unreachable_cronofy_backs_off_then_gives_up",
    ),
    (
        "Cronofy unreachable (connect refused)",
        "backs off, gives up after 5 with an activity",
        "test_stage_automation.py::TestStageAutomation::test_repeated_transient_failures_end_in_activity",
    ),
    (
        "read timeout on create (Cronofy hangs)",
        "outcome unknown, never re-created",
        "test_faults_timeouts.py::TestTimeoutOnCreate::"
        "test_a_hanging_create_is_outcome_unknown_and_never_repeated",
    ),
    (
        "read timeout on query while processing",
        "kept failed and retried later, then applied",
        "test_faults_timeouts.py::TestTimeoutWhileProcessing::"
        "test_a_hanging_query_is_retried_later_and_then_applied",
    ),
    (
        "503 on query (test connection)",
        "error shown, working connection kept",
        "test_connection.py::TestTestConnection::test_failure_keeps_a_working_connection_connected",
    ),
    (
        "500 on revoke",
        "disconnect still forgets the tokens",
        "test_oauth.py::TestTokenLifecycle::test_disconnect_when_cronofy_is_down_still_forgets",
    ),
    (
        "access token expiring",
        "refreshed first, once",
        "test_oauth.py::TestTokenLifecycle::test_token_expiring_within_five_minutes_is_refreshed_first",
    ),
    (
        "access token refused early (401)",
        "refreshed once, call succeeds",
        "test_oauth.py::TestTokenLifecycle::test_access_token_refused_early_is_refreshed_once",
    ),
    (
        "concurrent refreshes",
        "one refresh for two workers (race-free)",
        "test_oauth.py::TestTokenLifecycle::test_concurrent_refreshes_refresh_once",
    ),
    (
        "grant revoked",
        "clear error, status error, no client",
        "test_oauth.py::TestTokenLifecycle::test_revoked_grant_gives_a_clear_error",
    ),
    (
        "webhook dropped",
        "the reconciler repairs it, applied once",
        "test_interview_chain.py::TestInterviewChain::"
        "test_the_reconciler_repairs_a_lost_notification_without_applying_it_twice",
    ),
    (
        "webhook duplicated",
        "one interview",
        "test_interview_chain.py::TestInterviewChain::test_duplicate_deliveries_make_one_interview",
    ),
    (
        "webhooks out of order",
        "an older one never undoes a newer one",
        "test_interview_chain.py::TestInterviewChain::"
        "test_an_older_notification_arriving_late_does_not_undo_a_newer_one",
    ),
    (
        "webhook without times + 403 on query",
        "kept failed with the reason, replay succeeds",
        "test_interview_chain.py::TestInterviewChain::test_a_processing_error_is_kept_and_a_replay_succeeds",
    ),
    (
        "invalid signature",
        "401, nothing stored but a counter",
        "test_webhook_intake.py::TestWebhookIntake::"
        "test_bad_or_missing_signature_is_401_and_stores_nothing_but_a_count",
    ),
]


def main():
    addons_link = subprocess.run(
        ["bash", "-c", f"source {REPO_ROOT}/scripts/lib.sh && ensure_addons_link"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    scratch = tempfile.mkdtemp(prefix="hrc-faults-")
    junit = os.path.join(scratch, "faults.xml")
    # The tests' HTTP server must resolve this database, not the base one.
    conf = os.path.join(scratch, "odoo.conf")
    with open(CONF) as source, open(conf, "w") as target:
        for line in source:
            if line.startswith("dbfilter"):
                line = f"dbfilter = ^{DB}$\n"
            elif line.startswith("db_name"):
                line = f"db_name = {DB}\n"
            target.write(line)
    ids = [f"hr_recruitment_cronofy/tests/{test_id}" for _f, _w, test_id in SCENARIOS]
    print(f"FAULTS on database {DB}; {load_conditions()}")
    completed = subprocess.run(
        [
            PY,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--odoo-config={conf}",
            f"--odoo-database={DB}",
            "--odoo-log-level=critical",
            "--odoo-http",
            f"--junitxml={junit}",
            "-o",
            "junit_family=xunit1",
            *ids,
        ],
        cwd=addons_link,
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, PYTHONPATH=f"{REPO_ROOT}/scripts:{os.environ.get('PYTHONPATH', '')}"),
    )
    outcomes = {}
    if os.path.exists(junit):
        for case in ET.parse(junit).getroot().iter("testcase"):
            failed = case.find("failure") is not None or case.find("error") is not None
            skipped = case.find("skipped") is not None
            outcomes[case.get("name")] = "SKIP" if skipped else ("FAIL" if failed else "PASS")
    ok = True
    for fault, claim, test_id in SCENARIOS:
        outcome = outcomes.get(test_id.rsplit("::", 1)[-1], "FAIL (not run)")
        ok &= outcome == "PASS"
        print(f"  {outcome:4s}  {fault}: {claim}")
    if not ok:
        print(completed.stdout[-4000:] + completed.stderr[-2000:])
    print(f"FAULTS {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
