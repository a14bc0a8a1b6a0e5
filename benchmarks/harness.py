"""Shared pieces of the proof commands (run through benchmarks/run, which sets
the environment): a prefork Odoo on a free loopback port, the Cronofy simulator,
SQL on the command's database, and scripts run inside ``odoo-bin shell``."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import requests

REPO_ROOT = Path(os.environ.get("HRC_REPO_ROOT", Path(__file__).resolve().parent.parent))
PY = os.environ.get("HRC_PROOF_PY", sys.executable)
CONF = os.environ.get("HRC_PROOF_CONF", "")
ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo/18.0")
DB = os.environ.get("HRC_PROOF_DB_NAME", "hrc_proof_scratch")
CACHE = Path(os.environ.get("HRC_CACHE_DIR", Path.home() / ".cache/hr_recruitment_cronofy"))
JSON_MARK = "HRC_JSON "


def log(message):
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_conditions():
    """What else the 2-core machine is doing, to print next to the figures."""
    load1, load5, _load15 = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {load1:.2f} (1 min) / {load5:.2f} (5 min)"


def harness_connection(db=DB):
    return psycopg2.connect(
        dbname=db,
        host=os.environ.get("HRC_DB_HOST", "localhost"),
        port=os.environ.get("HRC_DB_PORT", "5432"),
        user=os.environ.get("HRC_DB_USER", "hr_recruitment_cronofy"),
        password=os.environ.get("HRC_DB_PASSWORD", "hr_recruitment_cronofy"),
    )


def sql(query, params=None, db=DB):
    connection = harness_connection(db)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def odoo_shell(script, env=None, timeout=900, db=None):
    """Run ``script`` (Python source) inside ``odoo-bin shell`` on ``db`` (default
    DB); returns the objects it printed as ``HRC_JSON {...}`` lines."""
    completed = subprocess.run(  # noqa: S603 - our own interpreter and Odoo
        [
            PY,
            f"{ODOO_SRC}/odoo-bin",
            "shell",
            "-c",
            CONF,
            "-d",
            db or DB,
            "--no-http",
            "--log-level=warn",
        ],
        input=script,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ, **(env or {})),
        check=False,
    )
    results = [
        json.loads(line[len(JSON_MARK) :])
        for line in completed.stdout.splitlines()
        if line.startswith(JSON_MARK)
    ]
    if completed.returncode or not results:
        sys.stderr.write(completed.stdout[-3000:] + completed.stderr[-5000:])
        raise RuntimeError(f"odoo-bin shell failed ({completed.returncode})")
    return results


class OdooServer:
    """Odoo in prefork mode (``--workers``), in a process group of its own so
    that kill -9 reaches the master and every worker at once."""

    def __init__(self, workers=2, cron_workers=1, port=None, name="odoo", db=None, dbfilter=True):
        self.workers = workers
        # False: --database alone, the one-database setup in which Odoo does not list
        # the databases (one PostgreSQL connection) for every request without a session.
        self.dbfilter = dbfilter
        self.cron_workers = cron_workers
        self.db = db or DB
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.logfile = CACHE / "reports" / f"{self.db}-{name}.log"
        self.logfile.parent.mkdir(parents=True, exist_ok=True)
        self.logfile.write_text("")
        self.process = None

    def start(self, timeout=120):
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and Odoo
            [
                PY,
                f"{ODOO_SRC}/odoo-bin",
                "-c",
                CONF,
                "-d",
                self.db,
                # (an empty --db-filter overrides the configuration file's)
                f"--db-filter=^{self.db}$" if self.dbfilter else "--db-filter=",
                f"--workers={self.workers}",
                f"--max-cron-threads={self.cron_workers}",
                f"--http-port={self.port}",
                f"--gevent-port={free_port()}",
                "--http-interface=127.0.0.1",
                f"--logfile={self.logfile}",
                f"--log-level={os.environ.get('HRC_ODOO_LOG_LEVEL', 'warn')}",
                "--limit-time-real=600",
                "--limit-time-cpu=600",
                "--limit-request=100000",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Odoo exited ({self.process.returncode}); see {self.logfile}")
            try:
                if requests.get(f"{self.base_url}/web/health", timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"Odoo did not answer on {self.base_url}; see {self.logfile}")

    def kill9(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if not self.process or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=30)

    def log_problems(self):
        """ERROR/CRITICAL lines and tracebacks in this server's log."""
        text = self.logfile.read_text(errors="replace")
        return [line for line in text.splitlines() if " ERROR " in line or " CRITICAL " in line]


class Simulator:
    """The simulator in a process of its own. ``call_log_size``: how many calls its
    ``/_sim/calls`` log keeps (the simulator's own default is 2,000)."""

    def __init__(self, call_log_size=None, **settings):
        self.settings = settings
        self.call_log_size = call_log_size
        self.process = None
        self.base_url = None
        self.admin = None

    def start(self):
        sys.path.insert(0, str(REPO_ROOT))
        from cronofy_simulator import SimulatorAdmin

        if self.call_log_size:
            # The same entry point, with a longer call log (set before the app exists).
            launcher = [
                "-c",
                "import sys, cronofy_simulator.app as app; "
                f"app.CALL_LOG_SIZE = {int(self.call_log_size)}; "
                "from cronofy_simulator.__main__ import main; sys.exit(main())",
            ]
        else:
            launcher = ["-m", "cronofy_simulator"]
        args = [
            PY,
            *launcher,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--seed",
            "demo",
        ]
        for key, value in self.settings.items():
            if key in ("rate_limit_per_second", "rate_limit_per_minute"):
                args += [f"--{key.replace('_', '-')}", str(value)]
        self.process = subprocess.Popen(  # noqa: S603 - our own simulator
            args,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        line = self.process.stdout.readline()
        self.base_url = line.strip().rsplit(" ", 1)[-1]
        # Keep reading what it prints so that a full pipe never blocks it.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        self.admin = SimulatorAdmin(self.base_url)
        extra = {k: v for k, v in self.settings.items() if not k.startswith("rate_limit")}
        if extra:
            requests.patch(f"{self.base_url}/_sim/config", json=extra, timeout=5).raise_for_status()
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def running(*services):
    try:
        for service in services:
            service.start()
        yield services
    finally:
        for service in reversed(services):
            service.stop()


WIRE_SCRIPT = r"""
import json, os
from odoo.addons.hr_recruitment_cronofy.cronofy_simulator import SimulatorAdmin
url = os.environ["HRC_SIM_URL"]
admin = SimulatorAdmin(url)
demo = admin.seed_demo()
company = env.ref("base.main_company")
connection = env["cronofy.connection"]._for_company(company)
connection.write({
    "datacenter": demo["data_center"], "client_id": demo["client_id"],
    "client_secret": demo["client_secret"], "embed_public_key": demo["embed_key"],
    "embed_secret": demo["embed_secret"], "api_access_mode": "internal_application",
    "internal_app_client_secret": demo["client_secret"], "api_base_url": url,
    "app_base_url": url,
})
env["ir.config_parameter"].set_param("web.base.url", os.environ["HRC_ODOO_URL"])
env.cr.commit()
print("HRC_JSON " + json.dumps({
    "webhook_path": "/cronofy/webhook/" + connection.sudo().webhook_key,
    "client_secret": demo["client_secret"], "application_id": demo["application_id"],
    "connection_id": connection.id, "company_id": company.id,
}))
"""


def wire_connection(simulator, odoo_url):
    """Point the main company's connection at the simulator (as scripts/run does)."""
    return odoo_shell(
        WIRE_SCRIPT, env={"HRC_SIM_URL": simulator.base_url, "HRC_ODOO_URL": odoo_url}
    )[0]


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def finish(title, ok, odoo_logs=True):
    """The closing lines of a benchmark run; returns its exit status (non-zero only
    for a correctness failure)."""
    print(f"\nload after the run: {load_conditions()}")
    print(f"{title} {'DONE' if ok else 'FAIL (correctness)'}")
    if odoo_logs:
        log(f"Odoo logs: {CACHE / 'reports'}")
    return 0 if ok else 1


def verdict(ok, label, detail=""):
    word = "PASS" if ok else "MISS"
    print(f"  {word}  {label}{(': ' + detail) if detail else ''}")
    return ok


def correctness(ok, label, detail=""):
    word = "PASS" if ok else "FAIL"
    print(f"  {word}  {label}{(': ' + detail) if detail else ''}")
    return ok


def _terminate(_signum, _frame):
    # SIGTERM (e.g. a timeout) unwinds through the ``finally`` blocks that stop
    # Odoo and the simulator, which live in process groups of their own.
    raise SystemExit(143)


signal.signal(signal.SIGTERM, _terminate)
