"""Where a benchmark's CPU goes: CPU seconds per kind of process on this machine
between two readings, so that a latency ratio can be explained by what each
request costs the Odoo workers, their PostgreSQL backends and the cron workers.

Kinds:
- ``odoo http`` / ``odoo cron``: the prefork workers of the Odoo server given (a
  cron worker is the child that lowered its priority: Odoo's WorkerCron calls
  ``os.nice(10)`` when it starts, an HTTP worker does not);
- ``odoo master``: the server's own process; ``odoo gevent``: its websocket worker;
- ``pg <- odoo http`` / ``pg <- odoo cron``: PostgreSQL backends serving those
  workers' connections (matched by the client port in the backend's process title);
- ``pg short-lived``: PostgreSQL processes that exited between the readings (the
  postmaster reaps them, so their CPU is in its children's times): mostly
  connections opened and closed within a request, such as the one Odoo opens to
  list the databases for every request without a session when ``dbfilter`` is set;
  also autovacuum workers. (A backend that lived across one reading and exited
  before the next moves its earlier CPU here from its owner's kind: the sum stays
  right, the split is off by that much.)
- ``pg other``: every other PostgreSQL process (postmaster, WAL writer,
  checkpointer, autovacuum, other clients' backends);
- ``client``: this process (the load generator);
- ``machine``: every core's busy time, whoever used it.
"""

import os
import re

import psutil

PG_CLIENT_PORT = re.compile(r"\((\d+)\)")


def _odoo_processes(master_pid):
    """{pid: kind} for an Odoo server's master and its workers."""
    try:
        master = psutil.Process(master_pid)
        children = master.children(recursive=True)
    except psutil.NoSuchProcess:
        return {}
    kinds = {master_pid: "odoo master"}
    for child in children:
        try:
            if "gevent" in child.cmdline()[2:3]:  # odoo-bin gevent ...
                kinds[child.pid] = "odoo gevent"
            else:
                kinds[child.pid] = "odoo cron" if child.nice() >= 10 else "odoo http"
        except psutil.NoSuchProcess:
            pass
    return kinds


def _client_ports(odoo_kinds, db_port):
    """{local TCP port: kind} of the Odoo processes' connections to PostgreSQL."""
    ports = {}
    for pid, kind in odoo_kinds.items():
        try:
            process = psutil.Process(pid)
            connections = getattr(process, "net_connections", process.connections)(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        for connection in connections:
            if connection.raddr and connection.raddr.port == db_port:
                ports[connection.laddr.port] = kind
    return ports


def reading(master_pids, db_port):
    """CPU seconds used so far, per kind (see the module's docstring)."""
    odoo_kinds = {}
    for master_pid in master_pids:
        odoo_kinds.update(_odoo_processes(master_pid))
    ports = _client_ports(odoo_kinds, db_port)
    seconds = {"machine": machine_busy()[0]}

    def add(kind, value):
        seconds[kind] = seconds.get(kind, 0.0) + value

    for process in psutil.process_iter():
        try:
            times = process.cpu_times()
            kind = odoo_kinds.get(process.pid)
            if kind is None and process.pid == os.getpid():
                kind = "client"
            if kind is None and process.name().startswith("postgres"):
                title = " ".join(process.cmdline())
                port = PG_CLIENT_PORT.search(title)
                owner = ports.get(int(port.group(1))) if port else None
                kind = f"pg <- {owner}" if owner in ("odoo http", "odoo cron") else "pg other"
                if not title.startswith("postgres:"):
                    # The postmaster (its children retitle themselves "postgres: ..."):
                    # the backends it reaped are the short-lived ones.
                    add("pg short-lived", times.children_user + times.children_system)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if kind:
            add(kind, times.user + times.system)
    return seconds


def machine_busy():
    """(busy, total) CPU seconds of the whole machine since boot, every core
    together; waiting for I/O counts as idle."""
    times = psutil.cpu_times()
    total = sum(times)
    return total - times.idle - getattr(times, "iowait", 0.0), total


def add_difference(total, before, after):
    """Add the CPU seconds used between two readings to ``total``, per kind."""
    for kind in set(before) | set(after):
        total[kind] = total.get(kind, 0.0) + after.get(kind, 0.0) - before.get(kind, 0.0)
    return total


def per_request_ms(seconds, requests):
    """{kind: CPU ms per request}, largest first."""
    ms = {kind: 1000.0 * value / requests for kind, value in seconds.items()}
    return dict(sorted(ms.items(), key=lambda item: -item[1]))


def format_ms(ms, threshold=0.05):
    """'machine 22.3, odoo http 9.8, ...' without the kinds below ``threshold``."""
    return ", ".join(f"{kind} {value:.2f}" for kind, value in ms.items() if abs(value) >= threshold)
