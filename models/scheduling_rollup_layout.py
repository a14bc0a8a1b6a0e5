"""The layout of the scheduling report's pre-aggregated figures (see
cronofy_scheduling_rollup.py): dimensions, measures, grains, and the SQL that computes
a request's contribution, shared by the triggers, the compaction, the rebuild, the
report's view and its reads."""

import hashlib

from odoo.tools import SQL

# Hours from sent to the first time chosen, of a request row ``r``.
HOURS_TO_SCHEDULE = """
    CASE WHEN r.first_chosen_at IS NOT NULL AND r.sent_at IS NOT NULL
         THEN GREATEST(EXTRACT(EPOCH FROM (r.first_chosen_at - r.sent_at)) / 3600.0, 0)
    END
"""

OUTCOME = """
    CASE WHEN r.state IN ('time_chosen', 'rescheduled') THEN 'booked'
         WHEN r.state IN ('queued', 'pending') THEN 'open'
         WHEN r.state = 'failed' AND r.outcome_unknown THEN 'unknown'
         ELSE r.state
    END
"""

# The median time to schedule is estimated from these bands: column hb_<k> counts the
# requests booked in less than MEDIAN_BAND_EDGES[k] hours. The estimate lies in the
# band holding the middle request (for an even count, the lower of the two middle
# ones), interpolated linearly inside it; beyond the last edge it is that edge.
MEDIAN_BAND_EDGES = (
    0.5, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 30, 36, 48, 60, 72, 96, 120, 168, 240,
    336, 504, 720,
)  # fmt: skip

# The dimensions (column, SQL type, value of a request row ``r``). ``sent_at`` is the
# hour sent (UTC): the report groups it by week, day... in the reader's time zone,
# which an hour answers for every zone whose offsets are whole hours. In grains
# without the hour, ``sent_at`` only says whether the link was sent (1970-01-01 or
# NULL), and ``first_chosen_at`` only ever says whether a time was chosen.
SENT_MARKER = "timestamp '1970-01-01'"
DIMENSIONS = [
    ("company_id", "int4", "r.company_id"),
    ("job_id", "int4", "r.job_id"),
    ("stage_id", "int4", "r.rollup_stage_id"),
    ("template_id", "int4", "r.template_id"),
    ("user_id", "int4", "r.rollup_user_id"),
    ("sent_at", "timestamp", "date_trunc('hour', r.sent_at)"),
    ("outcome", "varchar", OUTCOME),
    ("attendance", "varchar", "r.attendance"),
    (
        "first_chosen_at",
        "timestamp",
        f"CASE WHEN r.first_chosen_at IS NOT NULL THEN {SENT_MARKER} END",
    ),
]
DIMENSION_NAMES = [name for name, _, _ in DIMENSIONS]

# The measures: what one request adds (counts and sums; every average and rate of the
# report is a ratio of two of them, see cronofy_scheduling_report.MEASURE_FORMULAS).
MEASURES = [
    ("cnt", "int8", "1"),
    ("n_hours", "int8", f"({HOURS_TO_SCHEDULE}) IS NOT NULL"),
    ("sum_hours", "numeric", f"COALESCE({HOURS_TO_SCHEDULE}, 0)"),
    ("n_working", "int8", "r.working_hours_to_schedule IS NOT NULL"),
    ("sum_working", "numeric", "COALESCE(r.working_hours_to_schedule::numeric, 0)"),
    ("n_booked", "int8", "r.first_chosen_at IS NOT NULL"),
    ("n_rescheduled", "int8", "r.first_chosen_at IS NOT NULL AND r.reschedule_count > 0"),
    ("n_declined", "int8", "r.state = 'declined'"),
    ("n_no_show", "int8", "r.attendance = 'no_show'"),
    ("n_marked", "int8", "r.attendance IN ('attended', 'no_show')"),
    ("sum_reschedules", "int8", "COALESCE(r.reschedule_count, 0)"),
    *(
        (f"hb_{k}", "int8", f"COALESCE(({HOURS_TO_SCHEDULE}) < {edge}, FALSE)")
        for k, edge in enumerate(MEDIAN_BAND_EDGES)
    ),
]
MEASURE_NAMES = [name for name, _, _ in MEASURES]

# The grains, smallest first: the report reads the first that holds every dimension
# of a read (its groupby, its domain and the record rules). Every grain keeps the
# company (the record rule) and whether the link was sent (the default filter).
GRAINS = {
    "company": ("company_id",),
    "job": ("company_id", "job_id"),
    "stage": ("company_id", "stage_id"),
    "template": ("company_id", "template_id"),
    "recruiter": ("company_id", "user_id"),
    "outcome": ("company_id", "outcome", "attendance", "first_chosen_at"),
    "template_recruiter": ("company_id", "template_id", "user_id"),
    "job_stage": ("company_id", "job_id", "stage_id"),
    "job_recruiter": ("company_id", "job_id", "user_id"),
    "job_outcome": ("company_id", "job_id", "outcome", "attendance", "first_chosen_at"),
    "template_outcome": (
        "company_id",
        "template_id",
        "outcome",
        "attendance",
        "first_chosen_at",
    ),  # fmt: skip
    "week": ("company_id", "sent_at"),
    "week_outcome": ("company_id", "sent_at", "outcome", "attendance", "first_chosen_at"),
}

ROLLUP_TABLE = "cronofy_scheduling_rollup"
DELTA_TABLE = "cronofy_scheduling_rollup_delta"
# The request columns a request is counted by: an update touching none of them adds
# no delta.
COUNTED_COLUMNS = (
    "company_id", "job_id", "rollup_stage_id", "template_id", "rollup_user_id", "sent_at",
    "first_chosen_at", "state", "outcome_unknown", "attendance", "reschedule_count",
    "working_hours_to_schedule",
)  # fmt: skip
# A change of the layout (columns, what a request adds to them, band edges, grains)
# rebuilds the tables on upgrade: init() compares this with the table's comment.
LAYOUT = "rollup " + hashlib.sha256(repr((DIMENSIONS, MEASURES, GRAINS)).encode()).hexdigest()[:16]


def measure_value(sql_type, expr):
    """A measure of one request row as a number, never NULL (the counts are SQL
    booleans)."""
    return f"COALESCE(({expr})::int, 0)" if sql_type == "int8" else f"(({expr})::numeric)"


def contribution(sign):
    """SELECT list of what a request row ``r`` adds (sign 1) or takes away (-1), in
    the delta table's column order."""
    dims = [f"{expr} AS {name}" for name, _, expr in DIMENSIONS]
    measures = [
        f"{sign} * {measure_value(sql_type, expr)} AS {name}" for name, sql_type, expr in MEASURES
    ]
    return ",\n".join(dims + measures)


def per_request_columns():
    """The measure columns of one request row ``r`` (each request counts once), for
    the report's per-request view, so both paths aggregate the same columns."""
    return ",\n".join(
        f"{measure_value(sql_type, expr)} AS {name}" for name, sql_type, expr in MEASURES
    )


def grain_projection(grain, source):
    """A SELECT list of ``source`` rows kept at ``grain``: the other dimensions NULL,
    ``sent_at`` reduced to sent-or-not where the grain has no hour."""
    kept = GRAINS[grain]
    columns = []
    for name, sql_type, _ in DIMENSIONS:
        if name not in kept:
            if name == "sent_at":
                columns.append(
                    f"CASE WHEN {source}.sent_at IS NOT NULL THEN {SENT_MARKER} END AS sent_at"
                )
            else:
                columns.append(f"NULL::{sql_type} AS {name}")
        else:
            columns.append(f"{source}.{name}")
    return columns


def fixed(text):
    """A fragment of this module's SQL: names and expressions of the constants above,
    never a value from outside."""
    return SQL(text)


def rollup_subquery(grain):
    """The rows the report reads at ``grain``: this table's UNION ALL the deltas not
    folded yet (the report's grouped read sums them, and drops the groups they
    emptied: see CronofySchedulingReport._read_group_having)."""
    columns = fixed(", ".join(DIMENSION_NAMES + MEASURE_NAMES))
    return SQL(
        """
        SELECT %(columns)s FROM %(rollup)s WHERE grain = %(grain)s
        UNION ALL
        SELECT %(projection)s, %(measures)s FROM %(delta)s d
        """,
        columns=columns,
        rollup=SQL.identifier(ROLLUP_TABLE),
        grain=grain,
        projection=fixed(", ".join(grain_projection(grain, "d"))),
        measures=fixed(", ".join(MEASURE_NAMES)),
        delta=SQL.identifier(DELTA_TABLE),
    )


def fold_into_rollup(cr, source):
    """Add the rows of table ``source`` (the delta table's columns) to every grain,
    then drop the combinations left empty."""
    dims = fixed(", ".join(DIMENSION_NAMES))
    for grain in GRAINS:
        cr.execute(
            SQL(
                """
                INSERT INTO %(rollup)s (grain, %(dims)s, %(measures)s)
                SELECT %(grain)s, %(projection)s, %(sums)s
                  FROM %(source)s d
              GROUP BY %(positions)s
                    ON CONFLICT (grain, %(dims)s) DO UPDATE SET %(added)s
                """,
                rollup=SQL.identifier(ROLLUP_TABLE),
                dims=dims,
                measures=fixed(", ".join(MEASURE_NAMES)),
                grain=grain,
                projection=fixed(", ".join(grain_projection(grain, "d"))),
                sums=fixed(", ".join(f"SUM(d.{m})" for m in MEASURE_NAMES)),
                source=SQL.identifier(source),
                positions=fixed(", ".join(str(i + 2) for i in range(len(DIMENSION_NAMES)))),
                added=fixed(
                    ", ".join(f"{m} = {ROLLUP_TABLE}.{m} + EXCLUDED.{m}" for m in MEASURE_NAMES)
                ),
            )
        )
    cr.execute(SQL("DELETE FROM %s WHERE cnt = 0", SQL.identifier(ROLLUP_TABLE)))


def _median_formula(t):
    """The median time to schedule estimated from the bands, as an aggregate of the
    rows of alias ``t``: the first band whose count reaches half the booked
    requests, interpolated linearly inside it."""
    half = f"(SUM({t}.n_hours) / 2.0)"
    branches = []
    lower_edge, lower_count = "0", "0"
    for k, edge in enumerate(MEDIAN_BAND_EDGES):
        count = f"SUM({t}.hb_{k})"
        branches.append(
            f"WHEN {count} >= {half} THEN {lower_edge} + ({half} - {lower_count})"
            f" / NULLIF({count} - {lower_count}, 0) * ({edge} - {lower_edge})"
        )
        lower_edge, lower_count = str(edge), count
    return (
        f"(CASE WHEN COALESCE(SUM({t}.n_hours), 0) = 0 THEN NULL "
        f"{' '.join(branches)} ELSE {lower_edge} END)::float8"
    )


def measure_formulas(t):
    """The report's measures as aggregates of the measure columns of alias ``t``
    (its per-request view and the pre-aggregated rows have the same columns): the
    same figures whichever the report reads."""
    return {
        "time_to_schedule_hours:avg": f"(SUM({t}.sum_hours) / NULLIF(SUM({t}.n_hours), 0))::float8",
        "time_to_schedule_median:median": _median_formula(t),
        "working_hours_to_schedule:avg": (
            f"(SUM({t}.sum_working) / NULLIF(SUM({t}.n_working), 0))::float8"
        ),
        "booking_rate:avg": f"(100.0 * SUM({t}.n_booked) / NULLIF(SUM({t}.cnt), 0))::float8",
        "reschedule_rate:avg": (
            f"(100.0 * SUM({t}.n_rescheduled) / NULLIF(SUM({t}.n_booked), 0))::float8"
        ),
        "decline_rate:avg": f"(100.0 * SUM({t}.n_declined) / NULLIF(SUM({t}.cnt), 0))::float8",
        "no_show_rate:avg": (
            f"(100.0 * SUM({t}.n_no_show) / NULLIF(SUM({t}.n_marked), 0))::float8"
        ),
        "reschedule_count:sum": f"SUM({t}.sum_reschedules)::int8",
    }
