"""Recruitment > Reporting > Interview Scheduling: each request's figures come from its
own story (sent, first time chosen, reschedules, attendance), the report aggregates
them per job and template, the service level flags late bookings, officers see their
companies only, and the upgrade gives old requests their figures."""

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..models.cronofy_scheduling_queue import FOLLOW_UP_ACTIVITY
from ..models.cronofy_scheduling_report import MEASURES
from .analytics_common import T0, ScheduledLinksMixin, at


@tagged("post_install", "-at_install")
class TestSchedulingAnalytics(ScheduledLinksMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Request = cls.env["cronofy.scheduling.request"]
        cls.Report = cls.env["cronofy.scheduling.report"]
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Analytics B"})
        cls.job = cls.env["hr.job"].create({"name": "Analytics Job"})
        cls.job_b = cls.env["hr.job"].create(
            {"name": "Analytics Job B", "company_id": cls.company_b.id}
        )
        cls.template = cls.env["cronofy.scheduling.template"].create(
            {"name": "Screening", "cronofy_template_id": "sgr_analytics", "booking_sla_hours": 24}
        )
        cls.serial = 0
        # Working hours Monday-Friday 8-12 and 13-17 UTC (T0 is a Monday, 9:00).
        cls.company_a.resource_calendar_id = cls.env["resource.calendar"].create(
            {"name": "Analytics 40h UTC", "tz": "UTC"}
        )

    def _known_history(self):
        """Booked after 26 h, rescheduled twice, no-show; booked after 2 h, attended;
        booked after 5 h, attended; declined; still waiting."""
        no_show = self._sent("Nora Noshow")
        self._move(no_show, 26, "time_chosen", interview_at=48)
        self._move(no_show, 30, "rescheduled", interview_at=50)
        self._move(no_show, 31, "rescheduled", interview_at=52)
        with freeze_time(at(53)):
            no_show.action_mark_no_show()
        quick = self._sent("Quinn Quick")
        self._move(quick, 2, "time_chosen", interview_at=20)
        steady = self._sent("Sam Steady")
        self._move(steady, 5, "time_chosen", interview_at=30)
        with freeze_time(at(60)):
            (quick | steady).action_mark_attended()
        declined = self._sent("Dana Decline")
        self._move(declined, 5, "declined")
        waiting = self._sent("Wes Waiting")
        return no_show, quick, steady, declined, waiting

    def test_figures_follow_the_request_history(self):
        no_show, quick, _steady, declined, waiting = self._known_history()
        self.assertEqual(no_show.sent_at, T0)
        self.assertEqual(no_show.first_chosen_at, at(26))
        self.assertEqual(no_show.reschedule_count, 2)
        # Monday 9-12 and 13-17, Tuesday 8-11: 10 working hours of the 26.
        self.assertAlmostEqual(no_show.working_hours_to_schedule, 10.0)
        self.assertAlmostEqual(quick.working_hours_to_schedule, 2.0)
        self.assertEqual(no_show.attendance, "no_show")
        self.assertEqual(quick.attendance, "attended")
        self.assertFalse(declined.first_chosen_at)
        self.assertFalse(waiting.first_chosen_at)
        row = self.Report.search([("request_id", "=", no_show.id)])
        self.assertEqual((row.outcome, row.time_to_schedule_hours), ("booked", 26.0))
        self.assertEqual(self.Report.search([("request_id", "=", declined.id)]).outcome, "declined")

    def test_a_request_created_booked_counts_as_booked_at_once(self):
        # Cronofy's Book Now: the request arrives with its time already chosen.
        with freeze_time(T0):
            request = self.Request.create(
                {
                    "applicant_id": self._applicant("Book Now").id,
                    "cronofy_id": "srq_analytics_book_now",
                    "state": "time_chosen",
                    "origin": "embed",
                }
            )
        self.assertEqual((request.sent_at, request.first_chosen_at), (T0, T0))
        row = self.Report.search([("request_id", "=", request.id)])
        self.assertEqual((row.outcome, row.time_to_schedule_hours), ("booked", 0.0))

    def test_the_report_aggregates_per_job(self):
        self._known_history()
        (group,) = self.Report.read_group([("job_id", "=", self.job.id)], MEASURES, ["job_id"])
        self.assertEqual(group["job_id_count"], 5)
        self.assertAlmostEqual(group["time_to_schedule_hours"], (26 + 2 + 5) / 3)
        # Estimated from hour bands: the middle request (5 h) is in the band 5-6 h,
        # interpolated half way into it (the median of 2, 5 and 26 is 5).
        self.assertAlmostEqual(group["time_to_schedule_median"], 5.5)
        self.assertAlmostEqual(group["working_hours_to_schedule"], (10 + 2 + 4) / 3)
        self.assertAlmostEqual(group["booking_rate"], 60.0)  # 3 of 5 ever booked
        self.assertAlmostEqual(group["reschedule_rate"], 100 / 3)  # 1 of the 3 booked
        self.assertAlmostEqual(group["decline_rate"], 20.0)
        self.assertAlmostEqual(group["no_show_rate"], 100 / 3)  # 1 of 3 marked
        self.assertEqual(group["reschedule_count"], 2)

    def test_the_service_level_flags_late_bookings_and_times_the_follow_up(self):
        waiting = self._sent("Late Larry")
        applicant = waiting.applicant_id
        self.assertEqual(waiting.sla_due_at, at(24))
        with freeze_time(at(10)):
            self.assertFalse(waiting.is_overdue)
            self.Request._cron_follow_up_unbooked()
            self.assertFalse(applicant.activity_ids)
        with freeze_time(at(30)):
            waiting.invalidate_recordset(["is_overdue"])
            applicant.invalidate_recordset(["cronofy_scheduling_overdue"])
            self.assertTrue(waiting.is_overdue)
            self.assertIn(waiting, self.Request.search([("is_overdue", "=", True)]))
            self.assertTrue(applicant.cronofy_scheduling_overdue)
            self.assertIn(
                applicant,
                self.env["hr.applicant"].search([("cronofy_scheduling_overdue", "=", True)]),
            )
            self.Request._cron_follow_up_unbooked()
        follow_up = applicant.activity_ids.filtered(
            lambda activity: activity.activity_type_id == self.env.ref(FOLLOW_UP_ACTIVITY)
        )
        self.assertIn("within the 24 hours", str(follow_up.note))
        # The report compares with the database's clock, long after T0.
        self.assertTrue(self.Report.search([("request_id", "=", waiting.id)]).is_overdue)
        booked = self._sent("Booked Bea")
        self._move(booked, 30, "time_chosen", interview_at=40)
        with freeze_time(at(31)):
            booked.invalidate_recordset(["is_overdue"])
            self.assertFalse(booked.is_overdue, "booked late, but booked")

    def test_attendance_is_marked_once_the_interview_has_started(self):
        request = self._sent("Early Eve")
        self._move(request, 2, "time_chosen", interview_at=48)
        applicant = request.applicant_id
        with freeze_time(at(10)), self.assertRaises(UserError):
            applicant.action_cronofy_mark_attended()
        with freeze_time(at(49)):
            applicant.invalidate_recordset(["cronofy_attendance_due"])
            self.assertTrue(applicant.cronofy_attendance_due)
            applicant.action_cronofy_mark_attended()
            self.assertEqual(request.attendance, "attended")
            self.assertEqual(applicant.cronofy_attendance, "attended")
            applicant.invalidate_recordset(["cronofy_attendance_due"])
            self.assertFalse(applicant.cronofy_attendance_due)
        pending = self._sent("Pending Pat")
        with self.assertRaises(UserError):
            pending.action_mark_no_show()

    def test_attendance_is_marked_from_the_interview_too(self):
        request = self._sent("Event Ed")
        self._move(request, 2, "time_chosen", interview_at=48)
        event = self.env["calendar.event"].create(
            {
                "name": "Interview",
                "start": at(48),
                "stop": at(49),
                "cronofy_request_id": request.id,
            }
        )
        with freeze_time(at(10)):
            self.assertFalse(event.cronofy_attendance_due)
        with freeze_time(at(49)):
            event.invalidate_recordset(["cronofy_attendance_due"])
            self.assertTrue(event.cronofy_attendance_due)
            event.action_cronofy_mark_no_show()
        self.assertEqual(request.attendance, "no_show")
        self.assertEqual(event.cronofy_attendance, "no_show")
        plain = self.env["calendar.event"].create({"name": "Lunch", "start": at(1), "stop": at(2)})
        with self.assertRaises(UserError):
            plain.action_cronofy_mark_attended()

    def test_officers_see_their_companies_and_interviewers_nothing(self):
        mine = self._sent("Alice A")
        theirs = self._sent("Bob B", job=self.job_b)
        officer_a = new_test_user(
            self.env,
            login="hrc_report_officer_a",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
            company_id=self.company_a.id,
            company_ids=[self.company_a.id],
        )
        seen = self.Report.with_user(officer_a).search([]).mapped("request_id")
        self.assertIn(mine, seen)
        self.assertNotIn(theirs, seen)
        groups = self.Report.with_user(officer_a).read_group([], ["__count"], ["company_id"])
        self.assertEqual([g["company_id"][0] for g in groups], [self.company_a.id])
        interviewer = new_test_user(
            self.env,
            login="hrc_report_interviewer",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_interviewer",
        )
        with self.assertRaises(AccessError):
            self.Report.with_user(interviewer).search([])

    def test_the_upgrade_backfills_figures_from_stored_history(self):
        no_show, quick, *_ = self._known_history()
        # A booking notification applied, and an interview: what an old request holds.
        self.env["cronofy.notification"].create(
            {
                "company_id": self.company_a.id,
                "dedupe_key": "analytics-backfill",
                "notification_type": "scheduling_request_rescheduled",
                "triggered_at": at(31),
                "state": "done",
                "scheduling_request_id": no_show.id,
            }
        )
        self.env["cronofy.notification"].create(
            {
                "company_id": self.company_a.id,
                "dedupe_key": "analytics-backfill-2",
                "notification_type": "scheduling_request_time_chosen",
                "triggered_at": at(26),
                "state": "done",
                "scheduling_request_id": no_show.id,
            }
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE cronofy_scheduling_request SET sent_at = NULL, first_chosen_at = NULL, "
            "working_hours_to_schedule = NULL, reschedule_count = 0, create_date = %s "
            "WHERE id IN %s",
            [T0, (no_show.id, quick.id)],
        )
        self.Request.invalidate_model()
        self.Request._backfill_scheduling_figures()
        self.assertEqual(no_show.sent_at, T0)
        self.assertEqual(no_show.first_chosen_at, at(26))
        self.assertAlmostEqual(no_show.working_hours_to_schedule, 10.0)
        self.assertEqual(no_show.reschedule_count, 1, "one reschedule notification was kept")
        self.assertEqual(no_show.sla_due_at, at(24))
        self.assertEqual(quick.sent_at, T0)
        self.assertFalse(quick.first_chosen_at, "no notification and no interview: unknown")
        self.Request._backfill_scheduling_figures()
        self.assertEqual(no_show.first_chosen_at, at(26), "a second run changes nothing")
