"""The scheduling report's grouped reads from its pre-aggregated figures
(cronofy.scheduling.rollup, issue 17 point 5): after every kind of change the reads the
rollup answers equal the per-request view's, before and after the compaction; the
compaction folds each change once; a rebuild gives the same rows; reads the rollup
cannot answer still read the requests; officers still see their companies only."""

from freezegun import freeze_time

from odoo.tests import TransactionCase, new_test_user, tagged

from ..models.cronofy_scheduling_report import MEASURES, ROLLUP_GRAIN, whole_hour_zone
from ..models.scheduling_rollup_layout import DELTA_TABLE, MEDIAN_BAND_EDGES, ROLLUP_TABLE
from .analytics_common import T0, ScheduledLinksMixin, at

FIELDS = [*MEASURES, "__count"]
# The groupings the pivot and the graph offer, one and two levels.
GROUPBYS = [
    [],
    ["job_id"],
    ["stage_id"],
    ["template_id"],
    ["user_id"],
    ["company_id"],
    ["outcome"],
    ["attendance"],
    ["sent_at:week"],
    ["sent_at:day"],
    ["template_id", "user_id"],
    ["job_id", "stage_id"],
    ["sent_at:week", "outcome"],
]
DOMAINS = [
    [],
    [("sent_at", "!=", False)],
    [("first_chosen_at", "!=", False)],
    [("outcome", "=", "open")],
    [("attendance", "=", "no_show")],
]


@tagged("post_install", "-at_install")
class TestSchedulingRollup(ScheduledLinksMixin, TransactionCase):
    cronofy_id_prefix = "srq_rollup_"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Request = cls.env["cronofy.scheduling.request"]
        cls.Report = cls.env["cronofy.scheduling.report"]
        cls.Rollup = cls.env["cronofy.scheduling.rollup"]
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Rollup B"})
        cls.env.user.company_ids |= cls.company_b
        cls.job = cls.env["hr.job"].create({"name": "Rollup Job"})
        cls.job_2 = cls.env["hr.job"].create({"name": "Rollup Job 2"})
        cls.job_b = cls.env["hr.job"].create(
            {"name": "Rollup Job B", "company_id": cls.company_b.id}
        )
        cls.template = cls.env["cronofy.scheduling.template"].create(
            {"name": "Rollup Screening", "cronofy_template_id": "sgr_rollup"}
        )
        cls.template_2 = cls.env["cronofy.scheduling.template"].create(
            {"name": "Rollup Panel", "cronofy_template_id": "sgr_rollup_2"}
        )
        cls.recruiter = new_test_user(
            cls.env,
            login="hrc_rollup_recruiter",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
        )
        cls.stages = cls.env["hr.recruitment.stage"].search([], limit=2)
        cls.serial = 0
        # Every read of these tests sees both companies.
        cls.Report = cls.Report.with_context(
            allowed_company_ids=[cls.company_a.id, cls.company_b.id]
        )

    # --- reading both ways ----------------------------------------------------------

    def _groups(self, report, domain, groupby):
        groups = report.read_group(domain, FIELDS, groupby, lazy=False)
        rows = []
        for group in groups:
            key = tuple(group[g][0] if isinstance(group[g], tuple) else group[g] for g in groupby)
            rows.append((key, {name: group.get(name.split(":")[0]) for name in FIELDS}))
        return sorted(rows, key=repr)

    def _assert_same(self, domain, groupby, msg="", answered=True):
        report = self.Report
        grain = report._rollup_grain(domain, groupby, FIELDS, (), None)
        if answered:
            self.assertTrue(grain, f"the rollup answers {domain} by {groupby}")
        rolled = self._groups(report, domain, groupby)
        truth = self._groups(report.with_context(**{ROLLUP_GRAIN: "per_request"}), domain, groupby)
        self.assertEqual([k for k, _ in rolled], [k for k, _ in truth], f"{msg} {groupby}")
        for (key, got), (_, expected) in zip(rolled, truth, strict=True):
            for name in FIELDS:
                if expected[name] is None or got[name] is None:
                    self.assertEqual(got[name], expected[name], f"{msg} {groupby} {key} {name}")
                else:
                    self.assertAlmostEqual(
                        got[name], expected[name], 9, f"{msg} {groupby} {key} {name} ({grain})"
                    )

    def _assert_all_same(self, msg):
        # The pivot's and the graph's reads as the action opens them (sent links, or
        # no filter) are all answered by the rollup; the other filters with some
        # groupings only (else they read the requests, compared all the same).
        for index, domain in enumerate(DOMAINS):
            for groupby in GROUPBYS:
                self._assert_same(domain, groupby, f"{msg}: {domain}", answered=index < 2)

    def _rollup_rows(self):
        self.env.flush_all()
        self.env.cr.execute(f"SELECT * FROM {ROLLUP_TABLE} ORDER BY grain, id")  # noqa: S608
        columns = [c.name for c in self.env.cr.description if c.name != "id"]
        return sorted(
            (tuple(row[c] for c in columns) for row in self.env.cr.dictfetchall()), key=repr
        )

    def _pending(self):
        self.env.flush_all()
        self.env.cr.execute(f"SELECT count(*) FROM {DELTA_TABLE}")  # noqa: S608
        return self.env.cr.fetchone()[0]

    def _check(self, msg):
        """Equal before and after compaction; a second compaction changes nothing;
        a rebuild from the requests gives the same rows."""
        self._assert_all_same(f"{msg}, before compaction")
        self.Rollup._rollup_compact()
        self.assertEqual(self._pending(), 0)
        self._assert_all_same(f"{msg}, after compaction")
        folded = self._rollup_rows()
        self.assertEqual(self.Rollup._rollup_compact(), 0)
        self.assertEqual(self._rollup_rows(), folded, f"{msg}: compaction twice")
        self.Rollup._rollup_rebuild()
        self.assertEqual(self._rollup_rows(), folded, f"{msg}: rebuild = folded changes")

    # --- the tests ------------------------------------------------------------------

    def test_every_kind_of_change_keeps_the_figures_equal(self):
        self.Rollup._rollup_compact()
        no_show = self._sent("Nora Rollup")
        quick = self._sent("Quinn Rollup", job=self.job_2, template=self.template_2, hours=30)
        theirs = self._sent("Bea Rollup", job=self.job_b, hours=200)
        self.assertGreater(self._pending(), 0, "new requests append deltas")
        self._check("new requests")

        self._move(no_show, 26, "time_chosen", interview_at=48)  # first choice
        self._move(quick, 32, "time_chosen", interview_at=50)
        self._check("first time chosen")

        self._move(no_show, 30, "rescheduled", interview_at=52)
        self._check("reschedule")

        with freeze_time(at(53)):
            no_show.action_mark_no_show()
        with freeze_time(at(60)):
            quick.action_mark_attended()
        self._check("attendance marked")

        self._move(theirs, 205, "declined")
        self._check("state change")

        no_show.applicant_id.stage_id = self.stages[-1]
        quick.applicant_id.user_id = self.recruiter
        self._check("applicant's stage and recruiter moved")

        quick.applicant_id.job_id = self.job
        self._check("applicant's job changed")

        # Bulk SQL, as an import or a fix-up script would: company and template.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE cronofy_scheduling_request SET company_id = %s, template_id = %s WHERE id = %s",
            [self.company_b.id, self.template_2.id, quick.id],
        )
        self.Request.invalidate_model()
        self._check("company and template changed in SQL")

        waiting = self._sent("Wes Rollup", hours=300)
        waiting.unlink()
        self._check("request unlinked")

        theirs.applicant_id.unlink()
        self.assertFalse(theirs.exists())
        self._check("applicant deleted")

    def test_bulk_sql_inserts_are_counted(self):
        self.Rollup._rollup_compact()
        applicants = self._applicant("Bulk One") | self._applicant("Bulk Two", job=self.job_2)
        self.env.flush_all()
        self.env.cr.execute(
            """
            INSERT INTO cronofy_scheduling_request
                   (applicant_id, candidate_id, job_id, company_id, template_id, origin, state,
                    correlation_id, attempts, sent_at, first_chosen_at, reschedule_count,
                    working_hours_to_schedule, attendance)
            SELECT a.id, a.candidate_id, a.job_id, a.company_id, s.template, 'button', s.state,
                   'rollup-bulk-' || a.id || '-' || s.n, 1, %s, s.chosen, s.n, s.wh, s.att
              FROM hr_applicant a,
                   (VALUES (1, 'time_chosen', %s::timestamp, 3.5, 'attended', %s),
                           (2, 'rescheduled', %s::timestamp, 12.0, 'no_show', %s),
                           (3, 'expired', NULL::timestamp, NULL, NULL, NULL))
                       AS s(n, state, chosen, wh, att, template)
             WHERE a.id IN %s
            """,
            [T0, at(7), self.template.id, at(40), self.template_2.id, tuple(applicants.ids)],
        )
        self.assertEqual(self._pending(), 6)
        self._check("bulk SQL insert")
        self.env.cr.execute(
            "UPDATE hr_applicant SET stage_id = %s WHERE id IN %s",
            [self.stages[-1].id, tuple(applicants.ids)],
        )
        self._check("bulk SQL stage move")

    def test_reads_the_rollup_cannot_answer_read_the_requests(self):
        request = self._sent("Odd Rollup")
        self._move(request, 5, "time_chosen", interview_at=30)
        late = self._sent("Late Rollup")
        report = self.Report
        for domain, groupby, why in [
            ([("applicant_id", "=", request.applicant_id.id)], ["job_id"], "applicant"),
            ([("is_overdue", "=", True)], [], "overdue, depends on now()"),
            ([("sent_at", ">=", at(-1)), ("job_id", "=", self.job.id)], [], "a date range"),
            ([("job_id", "=", self.job.id)], ["first_chosen_at:day"], "a date chosen"),
        ]:
            with self.subTest(why=why):
                self.assertFalse(report._rollup_grain(domain, groupby, FIELDS, (), None))
        (group,) = report.read_group(
            [("applicant_id", "in", (request | late).applicant_id.ids)], FIELDS, [], lazy=False
        )
        self.assertEqual(group["__count"], 2)
        self.assertAlmostEqual(group["booking_rate"], 50.0)
        self.assertAlmostEqual(group["time_to_schedule_hours"], 5.0)
        (overdue,) = report.read_group(
            [("is_overdue", "=", True), ("job_id", "=", self.job.id)], ["__count"], [],
            lazy=False,
        )  # fmt: skip
        self.assertEqual(overdue["__count"], 0, "no service level on this template")
        rows = report.search([("job_id", "=", self.job.id)])
        self.assertEqual(rows.mapped("request_id"), request | late)
        # Aggregates the rollup has no sums for read the requests too.
        self.assertFalse(report._rollup_grain([], [], ["booking_rate:max"], (), None))
        (top,) = report.read_group([("job_id", "=", self.job.id)], ["booking_rate:max"], [])
        self.assertEqual(top["booking_rate"], 100.0)

    def test_time_zones_with_half_hours_read_the_requests(self):
        self.assertTrue(whole_hour_zone("Europe/Brussels"))
        self.assertTrue(whole_hour_zone("America/New_York"))
        self.assertTrue(whole_hour_zone(None))
        self.assertFalse(whole_hour_zone("Asia/Kolkata"))
        self.assertFalse(whole_hour_zone("Australia/Adelaide"))
        self._sent("Zone Rollup", hours=14.75)
        kolkata = self.Report.with_context(tz="Asia/Kolkata")
        self.assertFalse(kolkata._rollup_grain([], ["sent_at:week"], FIELDS, (), None))
        self.assertTrue(kolkata._rollup_grain([], ["job_id"], FIELDS, (), None))
        self.Report = self.Report.with_context(tz="Europe/Brussels")
        self._assert_same([], ["sent_at:day"], "Brussels")
        self._assert_same([], ["sent_at:week"], "Brussels")

    def test_officers_see_their_companies_from_the_rollup_too(self):
        mine = self._sent("Alice Rollup")
        self._sent("Bob Rollup", job=self.job_b)
        officer = new_test_user(
            self.env,
            login="hrc_rollup_officer_a",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
            company_id=self.company_a.id,
            company_ids=[self.company_a.id],
        )
        report = self.env["cronofy.scheduling.report"].with_user(officer)
        self.assertEqual(report._rollup_grain([], ["company_id"], ["__count"], (), None), "company")
        groups = report.read_group([], ["__count"], ["company_id"])
        self.assertEqual([g["company_id"][0] for g in groups], [self.company_a.id])
        (by_job,) = report.read_group([("job_id", "=", self.job.id)], FIELDS, ["job_id"])
        self.assertEqual(by_job["job_id_count"], 1)
        jobs = [g["job_id"] and g["job_id"][0] for g in report.read_group([], [], ["job_id"])]
        self.assertIn(self.job.id, jobs)
        self.assertNotIn(self.job_b.id, jobs)
        self.assertIn(mine, report.search([]).mapped("request_id"))
        self.assertFalse(
            self.env["cronofy.scheduling.rollup"].with_user(officer).has_access("read"),
            "the pre-aggregated rows are read through the report only",
        )

    def test_the_median_is_estimated_from_hour_bands(self):
        # Booked after 2, 5 and 26 hours: the middle one is in the band 5-6 h.
        for name, hours in (("M Two", 2), ("M Five", 5), ("M TwentySix", 26)):
            request = self._sent(name, job=self.job_2)
            self._move(request, hours, "time_chosen", interview_at=hours + 10)
        (group,) = self.Report.read_group(
            [("job_id", "=", self.job_2.id)], FIELDS, ["job_id"], lazy=False
        )
        band = next(
            (low, high)
            for low, high in zip((0, *MEDIAN_BAND_EDGES), MEDIAN_BAND_EDGES, strict=False)
            if low <= 5 < high
        )
        self.assertEqual(band, (5, 6))
        self.assertTrue(band[0] <= group["time_to_schedule_median"] <= band[1])
        self.assertAlmostEqual(group["time_to_schedule_median"], 5.5)

    def test_the_upgrade_counts_the_requests_already_stored(self):
        import importlib.util
        from pathlib import Path

        request = self._sent("Old Rollup")
        self._move(request, 3, "time_chosen", interview_at=20)
        self.Rollup._rollup_compact()
        counted = self._rollup_rows()
        # A database of 18.0.1.1.0: requests, no figures, no copies of the stage.
        self.env.cr.execute(f"DELETE FROM {ROLLUP_TABLE}")  # noqa: S608
        self.env.cr.execute(
            "UPDATE cronofy_scheduling_request SET rollup_stage_id = NULL, rollup_user_id = NULL"
        )
        self.env.cr.execute(f"DELETE FROM {DELTA_TABLE}")  # noqa: S608
        path = Path(__file__).parents[1] / "migrations" / "18.0.1.2.0" / "post-migrate.py"
        spec = importlib.util.spec_from_file_location("hrc_rollup_post_migrate", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.1.0")
        self.assertEqual(self._rollup_rows(), counted)
        self.assertEqual(self._pending(), 0)
        self._assert_all_same("after the upgrade")

    def test_a_new_layout_rebuilds_the_tables_and_init_is_idempotent(self):
        request = self._sent("Layout Rollup")
        self._move(request, 4, "time_chosen", interview_at=20)
        self.Rollup._rollup_compact()
        counted = self._rollup_rows()
        self.Rollup.init()  # the same layout: tables kept, triggers replaced
        self.assertEqual(self._rollup_rows(), counted)
        self.env.cr.execute(f"COMMENT ON TABLE {ROLLUP_TABLE} IS 'an older layout'")
        self.Rollup.init()  # recreated and counted again
        self.assertEqual(self._rollup_rows(), counted)
        self._move(request, 6, "rescheduled", interview_at=30)
        self.assertEqual(self._pending(), 2, "the triggers write to the new tables")
        self._assert_all_same("after a new layout")
