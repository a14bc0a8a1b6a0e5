"""Recruitment > Reporting > Interview Scheduling: one row per scheduling request, a
PostgreSQL view over the figures the request keeps as its story happens (sent,
first time chosen, reschedules, attendance) and the applicant's job, stage and
recruiter.

Each row also carries what the request counts for (``cnt``, ``n_booked``,
``sum_hours``... see scheduling_rollup_layout.MEASURES), and every measure is a ratio
of sums of those: the booking rate over all requests, the reschedule rate over booked
ones, the decline rate over all, the no-show rate over interviews whose attendance was
marked. The median time to schedule is estimated from hour bands (counts of requests
booked within 1, 2, 3... hours; see MEDIAN_BAND_EDGES).

Grouped reads (the pivot, the graph, list totals) are answered from
``cronofy.scheduling.rollup``, the same sums pre-aggregated, when every field they use
(groupby, domain, record rules, order) is one of its dimensions: then the report's
table is swapped for the rollup's rows (``_table_sql``) and the sums are already
made. Anything else (a domain on the applicant, "Overdue", which depends on now(),
dates sent compared to a value, the list's rows) reads the per-request view, with the
same formulas, so both give the same figures.
"""

import datetime

import pytz

from odoo import fields, models, tools
from odoo.osv import expression
from odoo.tools import SQL

from .scheduling_rollup_layout import (
    DIMENSION_NAMES,
    GRAINS,
    HOURS_TO_SCHEDULE,
    OUTCOME,
    measure_formulas,
    per_request_columns,
    rollup_subquery,
)
from .scheduling_states import ATTENDANCE

OUTCOMES = [
    ("open", "Open"),
    ("booked", "Booked"),
    ("declined", "Declined"),
    ("cancelled", "Cancelled"),
    ("expired", "Expired"),
    ("failed", "Failed"),
    ("unknown", "Outcome unknown"),
]

# The pivot's measures, as read_group aggregates (the tests and the benchmark read them).
MEASURES = [
    "time_to_schedule_hours:avg",
    "time_to_schedule_median:median",
    "working_hours_to_schedule:avg",
    "booking_rate:avg",
    "reschedule_rate:avg",
    "decline_rate:avg",
    "no_show_rate:avg",
    "reschedule_count:sum",
]

# Context key of a read answered from the rollup: the grain it reads.
ROLLUP_GRAIN = "hrc_rollup_grain"
# sent_at groupings an hour sent answers (not minutes or seconds).
HOUR_GRANULARITIES = {
    "hour", "day", "week", "month", "quarter", "year", "year_number", "quarter_number",
    "month_number", "iso_week_number", "day_of_year", "day_of_month", "day_of_week",
    "hour_number",
}  # fmt: skip
# Fields a domain may use at the rollup: the dimensions with any operator (a
# many2one path too), sent_at and first_chosen_at only set or not.
DOMAIN_DIMENSIONS = {"company_id", "job_id", "stage_id", "template_id", "user_id", "outcome",
                     "attendance"}  # fmt: skip
SET_OR_NOT = {"sent_at", "first_chosen_at"}


def whole_hour_zone(tz):
    """Whether every UTC offset of zone ``tz`` since 1990 is a whole number of hours
    (UTC and unknown zones, which Odoo groups in UTC, too)."""
    if not tz or tz not in pytz.all_timezones_set:
        return True
    zone = pytz.timezone(tz)
    infos = getattr(zone, "_transition_info", None)
    if infos is None:
        return zone.utcoffset(datetime.datetime(2020, 1, 1)).total_seconds() % 3600 == 0
    since = datetime.datetime(1990, 1, 1)
    times = zone._utc_transition_times
    offsets = [
        info[0]
        for index, info in enumerate(infos)
        if times[index] >= since or index + 1 == len(times) or times[index + 1] > since
    ]
    return all(offset.total_seconds() % 3600 == 0 for offset in offsets)


class CronofySchedulingReport(models.Model):
    _name = "cronofy.scheduling.report"
    _description = "Interview Scheduling Analysis"
    _auto = False
    _rec_name = "request_id"
    _order = "sent_at desc, id desc"
    # What the view reads: Odoo flushes these before every query of the report.
    _depends = {
        "cronofy.scheduling.request": [
            "applicant_id",
            "job_id",
            "template_id",
            "company_id",
            "state",
            "outcome_unknown",
            "sent_at",
            "first_chosen_at",
            "reschedule_count",
            "working_hours_to_schedule",
            "attendance",
            "sla_due_at",
        ],
        "hr.applicant": ["stage_id", "user_id"],
    }

    request_id = fields.Many2one("cronofy.scheduling.request", "Scheduling Request", readonly=True)
    applicant_id = fields.Many2one("hr.applicant", "Applicant", readonly=True)
    job_id = fields.Many2one("hr.job", "Job Position", readonly=True)
    stage_id = fields.Many2one("hr.recruitment.stage", "Stage", readonly=True)
    template_id = fields.Many2one(
        "cronofy.scheduling.template", "Scheduling Template", readonly=True
    )
    user_id = fields.Many2one("res.users", "Recruiter", readonly=True)
    company_id = fields.Many2one("res.company", "Company", readonly=True)
    sent_at = fields.Datetime("Sent", readonly=True)
    first_chosen_at = fields.Datetime("First Time Chosen", readonly=True)
    outcome = fields.Selection(OUTCOMES, readonly=True)
    attendance = fields.Selection(ATTENDANCE, readonly=True)
    is_overdue = fields.Boolean("Overdue", readonly=True)
    time_to_schedule_hours = fields.Float(
        "Time to Schedule (h)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    time_to_schedule_median = fields.Float(
        "Median Time to Schedule (h)",
        readonly=True,
        aggregator="median",
        digits=(16, 1),
        help="Estimated from hour bands (booked within 0.5, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, "
        "20, 24, 30, 36, 48, 60, 72, 96, 120, 168, 240, 336, 504, 720 hours): it lies in "
        "the band of the middle request, interpolated inside it; 720 means 720 or more.",
    )
    working_hours_to_schedule = fields.Float(
        "Working Hours to Schedule", readonly=True, aggregator="avg", digits=(16, 1)
    )
    reschedule_count = fields.Integer("Reschedules", readonly=True, aggregator="sum")
    booking_rate = fields.Float("Booking Rate (%)", readonly=True, aggregator="avg")
    reschedule_rate = fields.Float("Reschedule Rate (%)", readonly=True, aggregator="avg")
    decline_rate = fields.Float("Decline Rate (%)", readonly=True, aggregator="avg")
    no_show_rate = fields.Float("No-show Rate (%)", readonly=True, aggregator="avg")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(table)s AS (
                SELECT r.id AS id,
                       r.id AS request_id,
                       r.applicant_id,
                       r.job_id,
                       a.stage_id,
                       r.template_id,
                       a.user_id,
                       r.company_id,
                       r.sent_at,
                       r.first_chosen_at,
                       r.attendance,
                       %(outcome)s AS outcome,
                       (r.state = 'pending' AND r.sla_due_at < (now() AT TIME ZONE 'UTC'))
                           AS is_overdue,
                       %(hours)s AS time_to_schedule_hours,
                       %(hours)s AS time_to_schedule_median,
                       r.working_hours_to_schedule,
                       r.reschedule_count,
                       CASE WHEN r.first_chosen_at IS NOT NULL THEN 100.0 ELSE 0.0 END
                           AS booking_rate,
                       CASE WHEN r.first_chosen_at IS NULL THEN NULL
                            WHEN r.reschedule_count > 0 THEN 100.0 ELSE 0.0
                       END AS reschedule_rate,
                       CASE WHEN r.state = 'declined' THEN 100.0 ELSE 0.0 END AS decline_rate,
                       CASE r.attendance WHEN 'no_show' THEN 100.0 WHEN 'attended' THEN 0.0
                       END AS no_show_rate,
                       %(measures)s
                  FROM cronofy_scheduling_request r
                  JOIN hr_applicant a ON a.id = r.applicant_id
                )
                """,
                table=SQL.identifier(self._table),
                hours=SQL(HOURS_TO_SCHEDULE),
                outcome=SQL(OUTCOME),
                measures=SQL(per_request_columns()),
            )
        )

    @property
    def _table_sql(self):
        table_sql = super()._table_sql
        grain = self.env.context.get(ROLLUP_GRAIN)
        if grain not in GRAINS:
            return table_sql
        # The same fields flushed first (so the triggers have seen every change).
        return SQL().join(
            [
                SQL("(%s)", rollup_subquery(grain)),
                *(SQL(to_flush=field) for field in table_sql.to_flush),
            ]
        )

    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None,
                    order=None):  # fmt: skip
        grain = self._rollup_grain(domain, groupby, aggregates, having, order)
        if not grain:
            return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)
        rollup = super(CronofySchedulingReport, self.with_context(**{ROLLUP_GRAIN: grain}))
        rows = rollup._read_group(domain, groupby, aggregates, having, offset, limit, order)
        # The groups' records in the caller's environment, not the rollup's.
        return [
            tuple(
                value.with_env(self.env) if isinstance(value, models.BaseModel) else value
                for value in row
            )
            for row in rows
        ]

    def _rollup_grain(self, domain, groupby, aggregates, having, order):
        """The smallest grain of the rollup that answers this read, or None."""
        if having or self.env.context.get(ROLLUP_GRAIN):
            return None
        measures = measure_formulas("t")
        if any(spec != "__count" and spec not in measures for spec in aggregates):
            return None
        needed = {"company_id"}
        for spec in groupby:
            fname, _, granularity = spec.partition(":")
            if fname == "sent_at" and granularity in HOUR_GRANULARITIES:
                if not whole_hour_zone(self.env.context.get("tz")):
                    return None
            elif granularity or fname not in DIMENSION_NAMES or fname == "first_chosen_at":
                return None
            needed.add(fname)
        for term in (order or "").split(","):
            name = term.strip().split(" ")[0]
            if name and name not in groupby and name != "__count" and name not in measures:
                return None
        rule_domain = self.env["ir.rule"]._compute_domain(self._name, "read")
        for leaf in [*(domain or []), *(rule_domain or [])]:
            if not expression.is_leaf(leaf) or leaf in (expression.TRUE_LEAF,
                                                        expression.FALSE_LEAF):  # fmt: skip
                continue
            fname = leaf[0].split(".")[0]
            if fname in DOMAIN_DIMENSIONS:
                needed.add(fname)
            elif fname in SET_OR_NOT and leaf[1] in ("=", "!=") and leaf[2] in (False, None):
                if fname == "first_chosen_at":
                    needed.add(fname)
            else:
                return None
        return next((grain for grain, dims in GRAINS.items() if needed <= set(dims)), None)

    def _read_group_having(self, having_domain, query):
        having = super()._read_group_having(having_domain, query)
        if self.env.context.get(ROLLUP_GRAIN) not in GRAINS:
            return having
        # Deltas not folded yet may empty a combination the folded rows still hold.
        not_empty = SQL("SUM(%s) <> 0", SQL.identifier(self._table, "cnt"))
        return SQL("%s AND %s", having, not_empty) if having else not_empty

    def _read_group_select(self, aggregate_spec, query):
        # The measures as ratios of the measure columns' sums (see the module's
        # docstring); the count is theirs too when the rows are pre-aggregated.
        if aggregate_spec == "__count" and self.env.context.get(ROLLUP_GRAIN):
            return SQL("COALESCE(SUM(%s), 0)::int8", SQL.identifier(self._table, "cnt"))
        formula = measure_formulas(f'"{self._table}"').get(aggregate_spec)
        if formula:
            return SQL(formula)
        return super()._read_group_select(aggregate_spec, query)
