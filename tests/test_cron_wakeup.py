"""Cron triggers with a kept wake-up connection (models/cron_wakeup.py): the same
trigger rows as ir.cron._trigger, and a NOTIFY that really reaches the cron workers'
channel, once per transaction, through a dropped connection or a fork."""

import os
import select
import time
from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo import fields, sql_db
from odoo.tests import TransactionCase, tagged

from ..models import cron_wakeup
from ..models.cron_wakeup import trigger_crons
from ..models.cronofy_scheduling_queue import SENDER_XMLID

LANE_1 = "hr_recruitment_cronofy.ir_cron_cronofy_automation_queue"


class CronWorkerChannel:
    """What a cron worker hears: a LISTEN on ``cron_trigger`` in ``postgres``."""

    def __init__(self):
        _dbname, params = sql_db.connection_info_for("postgres")
        self.connection = psycopg2.connect(**params)
        self.connection.autocommit = True
        self.connection.cursor().execute("LISTEN cron_trigger")

    def heard(self, dbname, wait=2.0):
        """How many wake-ups for ``dbname`` arrive within ``wait`` seconds."""
        count, deadline = 0, time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            if select.select([self.connection], [], [], left)[0]:
                self.connection.poll()
                while self.connection.notifies:
                    count += self.connection.notifies.pop().payload == dbname
        return count

    def close(self):
        self.connection.close()


@tagged("post_install", "-at_install")
class TestCronWakeup(TransactionCase):
    def setUp(self):
        super().setUp()
        self.lane_1 = self.env.ref(LANE_1)
        self.lane_2 = self.env.ref(SENDER_XMLID % 2)
        self.lane_1.active, self.lane_2.active = True, False
        self.env["ir.cron.trigger"].search([]).unlink()
        self.env.cr.postcommit.clear()
        self.channel = CronWorkerChannel()
        self.addCleanup(self.channel.close)
        self.dbname = self.env.cr.dbname

    def _triggers(self, cron):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])

    def test_the_same_triggers_as_odoos_own(self):
        later = fields.Datetime.now() + timedelta(hours=1)
        for at in (None, later):
            for cron in (self.lane_1, self.lane_2):
                self.env["ir.cron.trigger"].search([]).unlink()
                theirs = len(cron._trigger(at))
                self.env["ir.cron.trigger"].search([]).unlink()
                ours = len(trigger_crons(self.env, cron, at))
                self.assertEqual(ours, theirs, f"{cron.name} at {at}")
                self.assertEqual(len(self._triggers(cron)), ours)
        # An active cron due now, an inactive one ignored, a later one kept.
        self.assertEqual(trigger_crons(self.env, self.lane_1 | self.lane_2), [self.lane_1.id])
        self.env["ir.cron.trigger"].search([]).unlink()
        self.assertEqual(trigger_crons(self.env, self.lane_2, later), [self.lane_2.id])
        self.assertEqual(self._triggers(self.lane_2).call_at, later)

    def test_an_activation_in_the_same_transaction_is_seen(self):
        self.lane_2.active = True  # pending in the ORM, not yet in the table
        self.assertEqual(trigger_crons(self.env, self.lane_2), [self.lane_2.id])

    def test_one_wake_up_per_transaction_reaches_the_cron_workers(self):
        for _ in range(3):
            trigger_crons(self.env, self.lane_1)
        self.env.cr.postcommit.run()
        self.assertEqual(self.channel.heard(self.dbname), 1)

    def test_a_trigger_for_later_wakes_nobody(self):
        trigger_crons(self.env, self.lane_1, fields.Datetime.now() + timedelta(hours=1))
        self.env.cr.postcommit.run()
        self.assertEqual(self.channel.heard(self.dbname, wait=0.5), 0)

    def test_a_dropped_connection_is_replaced_at_once(self):
        self.assertTrue(cron_wakeup._NOTIFY_CHANNEL.send(self.dbname))
        backend = cron_wakeup._NOTIFY_CHANNEL._connection.get_backend_pid()
        self.env.cr.execute("SELECT pg_terminate_backend(%s)", [backend])
        self.assertTrue(cron_wakeup._NOTIFY_CHANNEL.send(self.dbname))
        self.assertNotEqual(cron_wakeup._NOTIFY_CHANNEL._connection.get_backend_pid(), backend)
        self.assertEqual(self.channel.heard(self.dbname), 2)

    def test_a_forked_child_never_uses_or_closes_its_parents_connection(self):
        channel = cron_wakeup._NOTIFY_CHANNEL
        self.assertTrue(channel.send(self.dbname))
        child = os.fork()
        if child == 0:  # the child: wake once through a connection of its own
            os._exit(0 if channel.send(self.dbname) else 1)
        _pid, status = os.waitpid(child, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        self.assertTrue(channel.send(self.dbname))
        self.assertEqual(self.channel.heard(self.dbname), 3)
        # An object inherited from another process is set aside, not closed.
        inherited = channel._open()
        channel._pid = -1
        self.assertIsNot(channel._open(), inherited)
        self.assertIn(inherited, cron_wakeup._INHERITED)
        self.assertFalse(inherited.closed)
        cron_wakeup._INHERITED.remove(inherited)
        inherited.close()

    def test_an_unreachable_postgres_is_logged_and_the_commit_stands(self):
        cron_wakeup._NOTIFY_CHANNEL._close()
        _dbname, params = sql_db.connection_info_for("postgres")
        unreachable = dict(params, host="127.0.0.1", port=1)
        with (
            patch.object(
                cron_wakeup.sql_db, "connection_info_for", return_value=("postgres", unreachable)
            ),
            self.assertLogs(cron_wakeup.__name__, "WARNING") as logs,
        ):
            trigger_crons(self.env, self.lane_1)
            self.env.cr.postcommit.run()  # no exception out of the commit
        self.assertIn("next poll", logs.output[-1])
        self.assertEqual(len(self._triggers(self.lane_1)), 1)
        self.assertTrue(cron_wakeup._NOTIFY_CHANNEL.send(self.dbname))
