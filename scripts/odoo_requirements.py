"""Print Odoo's requirements pinned the way they work on this Python.

Odoo 18.0's requirements.txt pins, for Python 3.11, sdists that no longer build
(cbor2 5.4.2 needs pkg_resources, cryptography 3.4.8 has no wheel for new
toolchains). The versions it pins for Python 3.12 all ship wheels for 3.11 and
work, so every environment marker is evaluated as if this were Python 3.12.

Packages that only serve optional Odoo features and need system headers to
build are left out (python-ldap: auth_ldap only).

Usage: python odoo_requirements.py /opt/odoo/18.0/requirements.txt
"""

import re
import sys

SKIPPED = {"python-ldap", "pypiwin32", "rl-renderpm"}
PRETEND_PYTHON = (3, 12)

_MARKER_TERM = re.compile(r"(python_version|sys_platform)\s*(==|!=|<=|>=|<|>)\s*'([^']*)'")


def _version_tuple(text):
    return tuple(int(part) for part in text.split("."))


def _term_holds(name, operator, value):
    if name == "sys_platform":
        actual, expected = sys.platform, value
    else:
        actual, expected = PRETEND_PYTHON, _version_tuple(value)
    return {
        "==": actual == expected,
        "!=": actual != expected,
        "<=": actual <= expected,
        ">=": actual >= expected,
        "<": actual < expected,
        ">": actual > expected,
    }[operator]


def marker_holds(marker):
    """Evaluate Odoo's simple markers (terms joined by 'and' only)."""
    if not marker.strip():
        return True
    terms = [term.strip() for term in marker.split(" and ")]
    for term in terms:
        match = _MARKER_TERM.fullmatch(term)
        if not match:
            raise ValueError(f"unsupported marker in Odoo requirements: {marker!r}")
        if not _term_holds(*match.groups()):
            return False
    return True


def selected_requirements(lines):
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        spec, _, marker = line.partition(";")
        spec = spec.strip()
        name = re.split(r"[=<>!~ ]", spec, maxsplit=1)[0].lower()
        if name in SKIPPED or not marker_holds(marker):
            continue
        yield spec


def main(path):
    with open(path, encoding="utf-8") as handle:
        for spec in selected_requirements(handle):
            print(spec)


if __name__ == "__main__":
    main(sys.argv[1])
