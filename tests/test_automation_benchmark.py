"""Benchmark, not a timed assertion: moving 500 applicants into an auto-scheduling stage
versus an ordinary stage (quality bar: at most 1.3x), and draining the queue against
the simulator with Cronofy's default limits. Run with HRC_BENCHMARK=1; prints figures."""

import os
import sys
import time
import unittest

from odoo.tests import tagged

from .test_stage_automation import StageAutomationCase

COUNT = int(os.environ.get("HRC_BENCHMARK_COUNT", "500"))


@tagged("post_install", "-at_install")
@unittest.skipUnless(os.environ.get("HRC_BENCHMARK"), "set HRC_BENCHMARK=1 to run")
class BenchmarkStageAutomation(StageAutomationCase):
    simulator_settings = {
        "webhook_backoff_base": 0.05,
        "rate_limit_per_second": 50,
        "rate_limit_per_minute": 500,
    }

    def _timed_move(self, applicants, stage):
        self.env.flush_all()
        self.env.invalidate_all()
        queries_before = self.cr.sql_log_count
        started = time.perf_counter()
        applicants.write({"stage_id": stage.id})
        # What the user waits for before the commit: flush and precommit (tracking).
        self.cr.flush()
        elapsed = time.perf_counter() - started
        return elapsed, self.cr.sql_log_count - queries_before

    def test_bulk_move_and_drain(self):
        plain = self._applicants(COUNT)
        automated = self._applicants(COUNT)
        # Warm both code paths once (caches, registry) on throwaway records.
        self._timed_move(self._applicants(5), self.other_stage)
        self._timed_move(self._applicants(5), self.auto_stage)
        self.Request.search([]).unlink()
        plain_time, plain_queries = self._timed_move(plain, self.other_stage)
        auto_time, auto_queries = self._timed_move(automated, self.auto_stage)
        # The benchmark's output (run pytest with -s to see it).
        sys.stdout.write(
            f"\nBENCHMARK move {COUNT} applicants: ordinary stage {plain_time:.2f}s "
            f"({plain_queries} queries), auto-scheduling stage {auto_time:.2f}s "
            f"({auto_queries} queries), ratio {auto_time / plain_time:.2f}x\n"
        )
        started = time.perf_counter()
        runs = 0
        while self.Request.search_count([("state", "=", "queued")]):
            self.Request._cron_process_automation_queue()
            runs += 1
        drained = time.perf_counter() - started
        statuses = [call["status"] for call in self.sim.calls(route="scheduling_requests.create")]
        sys.stdout.write(
            f"BENCHMARK drain {COUNT} requests: {drained:.1f}s in {runs} cron run(s), "
            f"{COUNT / drained:.1f} requests/s, create answers: "
            f"{ {status: statuses.count(status) for status in set(statuses)} }\n"
        )
        self.assertEqual(self.Request.search_count([("state", "=", "pending")]), COUNT)
