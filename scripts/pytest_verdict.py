"""Turn a pytest JUnit XML report into a verdict a CI can trust.

pytest exits 0 when every test was skipped and 5 when none was collected.
Neither is a pass for a tier that is expected to run tests: this prints the
counts and exits non-zero unless at least one test passed and none failed.

Usage: python pytest_verdict.py LABEL REPORT.xml PYTEST_EXIT_CODE
"""

import sys
import xml.etree.ElementTree as ET


def counts(report_path):
    """Count test cases by outcome (suite attributes also count subtests)."""
    root = ET.parse(report_path).getroot()  # noqa: S314 - our own pytest report
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for case in root.iter("testcase"):
        total["tests"] += 1
        outcomes = {child.tag for child in case}
        if "failure" in outcomes:
            total["failures"] += 1
        elif "error" in outcomes:
            total["errors"] += 1
        elif "skipped" in outcomes:
            total["skipped"] += 1
    total["passed"] = total["tests"] - total["failures"] - total["errors"] - total["skipped"]
    return total


def main(label, report_path, exit_code):
    exit_code = int(exit_code)
    try:
        total = counts(report_path)
    except (OSError, ET.ParseError) as error:
        print(f"{label}: FAILED (no readable test report: {error}; pytest exit {exit_code})")
        return 1
    line = (
        f"{label}: {total['passed']} passed, {total['failures'] + total['errors']} failed, "
        f"{total['skipped']} skipped"
    )
    if exit_code == 5 or total["tests"] == 0:
        print(f"{line} -- FAILED: no test was collected")
        return 1
    if exit_code != 0 or total["failures"] or total["errors"]:
        print(f"{line} -- FAILED (pytest exit {exit_code})")
        return 1
    if total["passed"] == 0:
        print(f"{line} -- FAILED: every test was skipped, nothing was verified")
        return 1
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
