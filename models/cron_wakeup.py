"""Trigger a cron as ``ir.cron._trigger`` does, with a wake-up of 0.15 ms, not 6.

Odoo's ``_trigger`` creates an ``ir.cron.trigger`` through the ORM and, after the
commit, wakes the cron workers with ``pg_notify('cron_trigger', <db>)`` sent on the
``postgres`` database (where the workers LISTEN). Odoo never keeps a pooled
connection to ``postgres`` (``Cursor.close``), so every wake-up opens a PostgreSQL
connection: 5.8 ms measured here, most of a webhook's whole intake and paid once per
trigger, not per transaction. A stage move waking eight senders paid it eight times.

Here the same trigger row is written with one INSERT, and the same NOTIFY is sent once
per transaction over one connection this process keeps to ``postgres``. Nothing can be
lost by it: the trigger row is committed with the caller's work, and a wake-up that
cannot be sent (PostgreSQL unreachable, say) is logged and left to the
workers' own poll, within a minute, exactly as when Odoo's own NOTIFY fails.
"""

import logging
import os
import threading

import psycopg2
from psycopg2 import sql as pgsql

from odoo import fields, sql_db
from odoo.tools import SQL

from odoo.addons.base.models.ir_cron import ODOO_NOTIFY_FUNCTION

_logger = logging.getLogger(__name__)

# Marks a transaction whose commit already sends the wake-up (cr.postcommit.data).
_WAKE_PENDING = "hr_recruitment_cronofy.wake_cron_workers"


def trigger_crons(env, crons, at=None):
    """Run each of ``crons`` at ``at`` (default: as soon as a cron worker is free).

    The same rules as ``ir.cron._trigger``: an inactive cron gets no trigger that is
    due already (it would be ignored), and the workers are woken after the commit
    when a trigger is due now (or always, with ``ODOO_NOTIFY_CRON_CHANGES``).
    Returns the ids of the crons that got a trigger."""
    if not crons:
        return []
    trigger = CronTriggerInsert(env, crons.ids, at)
    env.cr.execute(trigger.sql())
    triggered = [row[0] for row in env.cr.fetchall()]
    trigger.wake_if_due(triggered)
    return triggered


class CronTriggerInsert:
    """The INSERT of ``trigger_crons``, to run alone or inside a caller's statement
    (the webhook intake writes a notification and its trigger in one round trip)."""

    def __init__(self, env, cron_ids, at=None):
        self.env = env
        self.cron_ids = list(cron_ids)
        self.now = fields.Datetime.now()
        self.at = at or self.now
        # The SELECT reads ir_cron.active from the table: pending ORM writes first.
        env["ir.cron"].flush_model(["active"])

    def sql(self, only_if=None):
        """``INSERT ... RETURNING cron_id``; ``only_if`` (SQL) adds a condition, e.g.
        on a data-modifying CTE of the same statement."""
        return SQL(
            """
            INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, create_date,
                                         write_uid, write_date)
            SELECT id, %(at)s, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM ir_cron
             WHERE id = ANY(%(ids)s) AND (active OR %(at)s > %(now)s) AND %(only_if)s
            RETURNING cron_id
            """,
            at=self.at,
            now=self.now,
            uid=self.env.uid,
            ids=self.cron_ids,
            only_if=only_if or SQL("TRUE"),
        )

    def wake_if_due(self, triggered):
        """After the statement ran: wake the workers at commit when it wrote a
        trigger due now."""
        if triggered and (self.at <= self.now or os.getenv("ODOO_NOTIFY_CRON_CHANGES")):
            wake_cron_workers_after_commit(self.env.cr)


def wake_cron_workers_after_commit(cr):
    """Send one wake-up when ``cr`` commits, however many triggers it wrote."""
    if cr.postcommit.data.get(_WAKE_PENDING):
        return
    cr.postcommit.data[_WAKE_PENDING] = True
    dbname = cr.dbname
    cr.postcommit.add(lambda: _wake_cron_workers(dbname))


def _wake_cron_workers(dbname):
    if not _NOTIFY_CHANNEL.send(dbname):
        _logger.warning(
            "Could not wake the cron workers of %s: they will see the trigger at "
            "their next poll (within a minute).",
            dbname,
        )


# Connections inherited through a fork: their socket is the parent's, and freeing
# the object would end the parent's session (libpq says goodbye on it), so they stay.
_INHERITED = []


class _KeptNotifyConnection:
    """One autocommit connection per process to the ``postgres`` database, used for
    ``cron_trigger`` NOTIFYs only. Threads share it under a lock (a NOTIFY is one
    short statement). It is never shared across a fork: the parent closes it first,
    and a child that finds one from another process opens its own."""

    def __init__(self):
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None

    def send(self, dbname):
        """NOTIFY the workers of ``dbname``; True when PostgreSQL took it. A broken
        kept connection is replaced once, at once."""
        statement = pgsql.SQL("SELECT {}('cron_trigger', %s)").format(
            pgsql.Identifier(ODOO_NOTIFY_FUNCTION)
        )
        with self._lock:
            for _attempt in range(2):
                try:
                    with self._open().cursor() as cursor:
                        cursor.execute(statement, [dbname])
                    return True
                except psycopg2.Error as error:
                    _logger.info("cron wake-up connection replaced: %s", error)
                    self._close()
            return False

    def _open(self):
        if self._connection is not None and (self._pid != os.getpid() or self._connection.closed):
            self._close()
        if self._connection is None:
            _dbname, params = sql_db.connection_info_for("postgres")
            self._connection = psycopg2.connect(**params)
            self._connection.autocommit = True
            self._pid = os.getpid()
        return self._connection

    def _close(self):
        if self._connection is None:
            return
        if self._pid != os.getpid():
            _INHERITED.append(self._connection)
        else:
            try:
                self._connection.close()
            except psycopg2.Error as error:  # already broken: nothing left to close
                _logger.debug("cron wake-up connection closed: %s", error)
        self._connection = None

    def close_before_fork(self):
        # (Odoo's prefork master forks its workers; it may have woken crons while
        # loading modules. Without the lock, leave it to the child's pid check.)
        if self._lock.acquire(blocking=False):
            try:
                self._close()
            finally:
                self._lock.release()


_NOTIFY_CHANNEL = _KeptNotifyConnection()
os.register_at_fork(before=_NOTIFY_CHANNEL.close_before_fork)
