"""The scheduling report's figures pre-aggregated (issue 17, point 5): counts and sums
per combination of the dimensions the pivot groups by, so that its grouped reads add
up a few hundred rows instead of one per request.

How it stays current, without a hot row:

* every change of a request (insert, update of a figure it is counted by, delete,
  including bulk SQL and the cascade when its applicant is deleted) appends its
  contribution to ``cronofy_scheduling_rollup_delta``: -1 times its old row, +1 times
  its new one. PostgreSQL triggers write them, one INSERT per statement (transition
  tables), so nothing in a worker's or a user's transaction updates a shared row;
* the applicant's stage and recruiter are copied onto its requests
  (``rollup_stage_id``, ``rollup_user_id``, columns Odoo does not know): a stage or
  recruiter move updates those rows, which appends their deltas like any other
  change. A request carries the dimensions it was counted under;
* the compaction cron (``cronofy.scheduling.rollup.compaction``) folds the deltas
  into this table; the report reads this table UNION ALL the deltas not folded yet,
  so its figures are those of the last committed change, whenever the cron ran.

One table, several grains: the full combination of all dimensions has about as many
rows as there are requests (50 jobs x 6 stages x 5 templates x 12 weeks x outcomes
at 100,000 requests), so the rows are kept per grain, a set of dimensions (``GRAINS``),
and the report reads the smallest grain holding every dimension a read uses. Columns
of dimensions outside a row's grain are NULL. Reads no grain answers go to the
per-request view.

The table has no ORM fields: nobody reads it but the report's SQL (ACL: read for
system administrators only).
"""

from odoo import models
from odoo.tools import SQL

# Odoo builds a module's models in the order their classes are defined: the
# AbstractModel this record inherits comes first.
from . import cronofy_scheduling_rollup_compaction  # noqa: F401
from .scheduling_rollup_layout import (
    COUNTED_COLUMNS,
    DELTA_TABLE,
    DIMENSION_NAMES,
    DIMENSIONS,
    LAYOUT,
    MEASURE_NAMES,
    MEASURES,
    ROLLUP_TABLE,
    contribution,
    fixed,
)


class CronofySchedulingRollup(models.Model):
    _name = "cronofy.scheduling.rollup"
    _inherit = ["cronofy.scheduling.rollup.compaction"]
    _description = "Interview Scheduling Analysis: pre-aggregated figures"
    _auto = False
    _log_access = False
    _table = ROLLUP_TABLE

    def init(self):
        cr = self.env.cr
        cr.execute(
            "SELECT obj_description(oid, 'pg_class') FROM pg_class "
            "WHERE relname = %s AND relkind = 'r'",
            [ROLLUP_TABLE],
        )
        row = cr.fetchone()
        fresh = not row or row[0] != LAYOUT
        if fresh:
            self._rollup_create_tables()
        # Every compaction leaves the deltas it folded dead: autovacuum past 1,000 of
        # them, whatever the table's size, so that the reads do not scan them for long.
        cr.execute(
            SQL(
                "ALTER TABLE %s SET (autovacuum_vacuum_scale_factor = 0, "
                "autovacuum_vacuum_threshold = 1000)",
                SQL.identifier(DELTA_TABLE),
            )
        )
        self._rollup_create_triggers()
        if fresh:
            self._rollup_rebuild()

    def _rollup_create_tables(self):
        cr = self.env.cr
        rollup, delta = SQL.identifier(ROLLUP_TABLE), SQL.identifier(DELTA_TABLE)
        columns = fixed(
            ", ".join(
                [f"{name} {sql_type}" for name, sql_type, _ in DIMENSIONS]
                + [f"{name} {sql_type} NOT NULL" for name, sql_type, _ in MEASURES]
            )
        )
        cr.execute(SQL("DROP TABLE IF EXISTS %s, %s", rollup, delta))
        cr.execute(
            SQL(
                "CREATE TABLE %s (id serial PRIMARY KEY, grain varchar NOT NULL, %s)",
                rollup,
                columns,
            )
        )
        # One row per grain and combination (NULL is a value here: "no job").
        cr.execute(
            SQL(
                "CREATE UNIQUE INDEX %s ON %s (grain, %s) NULLS NOT DISTINCT",
                SQL.identifier(f"{ROLLUP_TABLE}_key"),
                rollup,
                fixed(", ".join(DIMENSION_NAMES)),
            )
        )
        cr.execute(SQL("CREATE TABLE %s (id bigserial PRIMARY KEY, %s)", delta, columns))
        cr.execute(SQL("COMMENT ON TABLE %s IS %s", SQL.identifier(ROLLUP_TABLE), LAYOUT))
        cr.execute(
            "ALTER TABLE cronofy_scheduling_request "
            "ADD COLUMN IF NOT EXISTS rollup_stage_id int4, "
            "ADD COLUMN IF NOT EXISTS rollup_user_id int4"
        )

    def _rollup_create_triggers(self):
        """The triggers (idempotent: CREATE OR REPLACE, DROP IF EXISTS)."""
        cr = self.env.cr
        changed = " OR ".join(f"o.{c} IS DISTINCT FROM r.{c}" for c in COUNTED_COLUMNS)
        cr.execute(
            SQL(
                """
            CREATE OR REPLACE FUNCTION hrc_rollup_request_copy() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                -- The applicant's stage and recruiter, as the request is counted.
                SELECT a.stage_id, a.user_id INTO NEW.rollup_stage_id, NEW.rollup_user_id
                  FROM hr_applicant a WHERE a.id = NEW.applicant_id;
                RETURN NEW;
            END $$;

            CREATE OR REPLACE FUNCTION hrc_rollup_request_delta() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO %(delta)s (%(columns)s)
                    SELECT %(plus)s FROM new_rows r;
                ELSIF TG_OP = 'DELETE' THEN
                    INSERT INTO %(delta)s (%(columns)s)
                    SELECT %(minus)s FROM old_rows r;
                ELSE
                    -- Only the rows changed in a column they are counted by.
                    INSERT INTO %(delta)s (%(columns)s)
                    SELECT %(minus)s
                      FROM old_rows r JOIN new_rows o ON o.id = r.id
                     WHERE %(changed)s
                    UNION ALL
                    SELECT %(plus)s
                      FROM new_rows r JOIN old_rows o ON o.id = r.id
                     WHERE %(changed)s;
                END IF;
                RETURN NULL;
            END $$;

            CREATE OR REPLACE FUNCTION hrc_rollup_applicant_moved() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                -- A stage or recruiter move: the applicant's requests follow (their
                -- own update trigger then moves their figures).
                UPDATE cronofy_scheduling_request r
                   SET rollup_stage_id = n.stage_id, rollup_user_id = n.user_id
                  FROM new_rows n
                 WHERE r.applicant_id = n.id
                   AND (r.rollup_stage_id IS DISTINCT FROM n.stage_id
                        OR r.rollup_user_id IS DISTINCT FROM n.user_id);
                RETURN NULL;
            END $$;

            DROP TRIGGER IF EXISTS hrc_rollup_copy ON cronofy_scheduling_request;
            CREATE TRIGGER hrc_rollup_copy
                BEFORE INSERT OR UPDATE OF applicant_id ON cronofy_scheduling_request
                FOR EACH ROW EXECUTE FUNCTION hrc_rollup_request_copy();
            DROP TRIGGER IF EXISTS hrc_rollup_insert ON cronofy_scheduling_request;
            CREATE TRIGGER hrc_rollup_insert AFTER INSERT ON cronofy_scheduling_request
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION hrc_rollup_request_delta();
            DROP TRIGGER IF EXISTS hrc_rollup_update ON cronofy_scheduling_request;
            CREATE TRIGGER hrc_rollup_update AFTER UPDATE ON cronofy_scheduling_request
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION hrc_rollup_request_delta();
            DROP TRIGGER IF EXISTS hrc_rollup_delete ON cronofy_scheduling_request;
            CREATE TRIGGER hrc_rollup_delete AFTER DELETE ON cronofy_scheduling_request
                REFERENCING OLD TABLE AS old_rows
                FOR EACH STATEMENT EXECUTE FUNCTION hrc_rollup_request_delta();
            DROP TRIGGER IF EXISTS hrc_rollup_applicant ON hr_applicant;
            CREATE TRIGGER hrc_rollup_applicant AFTER UPDATE ON hr_applicant
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION hrc_rollup_applicant_moved();
                """,
                delta=SQL.identifier(DELTA_TABLE),
                columns=fixed(", ".join(DIMENSION_NAMES + MEASURE_NAMES)),
                plus=fixed(contribution(1)),
                minus=fixed(contribution(-1)),
                changed=fixed(changed),
            )
        )


def drop_rollup(cr):
    """Uninstall: the triggers on hr_applicant must not outlive the addon."""
    cr.execute(
        SQL(
            """
            DROP FUNCTION IF EXISTS hrc_rollup_applicant_moved() CASCADE;
            DROP FUNCTION IF EXISTS hrc_rollup_request_delta() CASCADE;
            DROP FUNCTION IF EXISTS hrc_rollup_request_copy() CASCADE;
            DROP TABLE IF EXISTS %s;
            """,
            SQL.identifier(DELTA_TABLE),
        )
    )
