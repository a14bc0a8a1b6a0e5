"""The background work of the scheduling report's pre-aggregated figures: folding
the deltas the triggers append into ``cronofy.scheduling.rollup`` (a cron, every few
minutes: the report adds the deltas not folded yet, so this only keeps them few), and
rebuilding it from the requests (install, upgrade, a change of its layout).

Both work on the transaction's snapshot: they delete the deltas they see and fold
exactly those, so a delta committed meanwhile stays for the next run, and a rebuild
counts the requests as that same snapshot sees them. An advisory lock keeps two of
them from running at once."""

import logging

from odoo import models
from odoo.tools import SQL

from .scheduling_rollup_layout import (
    DELTA_TABLE,
    ROLLUP_TABLE,
    contribution,
    fixed,
    fold_into_rollup,
)

_logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key of the compaction and the rebuild ("hrc rollup").
ROLLUP_LOCK = 0x6872_6372
FOLDING = "hrc_rollup_folding"


class CronofySchedulingRollupCompaction(models.AbstractModel):
    _name = "cronofy.scheduling.rollup.compaction"
    _description = "Interview Scheduling Analysis: folding the figures' changes"

    def _cron_compact(self):
        self._rollup_compact()

    def _rollup_compact(self):
        """Fold the deltas into the grains; returns how many were folded (None when
        another compaction or rebuild holds the lock)."""
        self.env.flush_all()  # this transaction's own changes reach the triggers first
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_xact_lock(%s)", [ROLLUP_LOCK])
        if not cr.fetchone()[0]:
            return None
        folding, delta = SQL.identifier(FOLDING), SQL.identifier(DELTA_TABLE)
        cr.execute(SQL("CREATE TEMP TABLE %s (LIKE %s) ON COMMIT DROP", folding, delta))
        cr.execute(
            SQL(
                "WITH moved AS (DELETE FROM %s RETURNING *) INSERT INTO %s SELECT * FROM moved",
                delta,
                folding,
            )
        )
        folded = cr.rowcount
        if folded:
            fold_into_rollup(cr, FOLDING)
        cr.execute(SQL("DROP TABLE %s", folding))
        _logger.debug("scheduling report: %s changes folded", folded)
        return folded

    def _rollup_rebuild(self):
        """Count every request again, from scratch."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])
        # Requests the triggers did not see (made before them): their applicant's
        # stage and recruiter.
        cr.execute(
            """
            UPDATE cronofy_scheduling_request r
               SET rollup_stage_id = a.stage_id, rollup_user_id = a.user_id
              FROM hr_applicant a
             WHERE a.id = r.applicant_id
               AND (r.rollup_stage_id IS DISTINCT FROM a.stage_id
                    OR r.rollup_user_id IS DISTINCT FROM a.user_id)
            """
        )
        folding = SQL.identifier(FOLDING)
        cr.execute(SQL("DELETE FROM %s", SQL.identifier(DELTA_TABLE)))
        cr.execute(SQL("DELETE FROM %s", SQL.identifier(ROLLUP_TABLE)))
        cr.execute(
            SQL(
                "CREATE TEMP TABLE %s ON COMMIT DROP AS "
                "SELECT %s FROM cronofy_scheduling_request r",
                folding,
                fixed(contribution(1)),
            )
        )
        cr.execute(SQL("SELECT count(*) FROM %s", folding))
        counted = cr.fetchone()[0]
        fold_into_rollup(cr, FOLDING)
        cr.execute(SQL("DROP TABLE %s", folding))
        _logger.info("scheduling report: %s requests counted into its figures", counted)
        return counted
