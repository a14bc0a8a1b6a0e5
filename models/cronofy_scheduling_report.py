"""Recruitment > Reporting > Interview Scheduling: one row per scheduling request, a
PostgreSQL view over the figures the request keeps as its story happens (sent,
first time chosen, reschedules, attendance) and the applicant's job, stage and
recruiter.

Rates are per-row 0/100 values averaged by the pivot, so every measure is a plain
``read_group`` aggregate: the booking rate over all requests, the reschedule rate
over booked ones, the decline rate over all, the no-show rate over interviews whose
attendance was marked (AVG skips the NULLs of the others). The median time to
schedule is an aggregate of its own (``percentile_cont``), which Odoo's read_group
does not have.
"""

from odoo import fields, models, tools
from odoo.tools import SQL

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

HOURS_TO_SCHEDULE = """
    CASE WHEN r.first_chosen_at IS NOT NULL AND r.sent_at IS NOT NULL
         THEN GREATEST(EXTRACT(EPOCH FROM (r.first_chosen_at - r.sent_at)) / 3600.0, 0)
    END
"""


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
        "Median Time to Schedule (h)", readonly=True, aggregator="median", digits=(16, 1)
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
                       CASE WHEN r.state IN ('time_chosen', 'rescheduled') THEN 'booked'
                            WHEN r.state IN ('queued', 'pending') THEN 'open'
                            WHEN r.state = 'failed' AND r.outcome_unknown THEN 'unknown'
                            ELSE r.state
                       END AS outcome,
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
                       END AS no_show_rate
                  FROM cronofy_scheduling_request r
                  JOIN hr_applicant a ON a.id = r.applicant_id
                )
                """,
                table=SQL.identifier(self._table),
                hours=SQL(HOURS_TO_SCHEDULE),
            )
        )

    def _read_group_select(self, aggregate_spec, query):
        # The median, which Odoo's read_group lacks, for the pivot and the graph.
        fname, _, func = aggregate_spec.partition(":")
        if func == "median" and fname in self._fields:
            column = self._field_to_sql(self._table, fname, query)
            return SQL("percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)", column)
        return super()._read_group_select(aggregate_spec, query)
