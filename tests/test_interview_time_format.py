"""Interview times in one format: the user's language's date and time formats without
seconds, in a named zone, with the candidate's own zone beside it where it differs;
the same in the chatter and on the applicant form."""

from datetime import datetime

from odoo.tests import TransactionCase, new_test_user, tagged

from ..models.interview_time_format import format_interview_time

NINE_UTC = datetime(2026, 12, 3, 9, 0)


@tagged("post_install", "-at_install")
class TestInterviewTimeFormat(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recruiter = new_test_user(
            cls.env,
            login="hrc_time_recruiter",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
            tz="Europe/Brussels",
        )
        cls.job = cls.env["hr.job"].create({"name": "Time Test Job"})
        candidate = cls.env["hr.candidate"].create(
            {"partner_name": "Grace Hopper", "email_from": "grace@example.com"}
        )
        cls.applicant = cls.env["hr.applicant"].create(
            {"candidate_id": candidate.id, "job_id": cls.job.id, "user_id": cls.recruiter.id}
        )
        cls.request = (
            cls.env["cronofy.scheduling.request"]
            .sudo()
            .create({"applicant_id": cls.applicant.id, "cronofy_id": "srq_time"})
        )

    def _book(self, tzid):
        self.request._set_state(
            "time_chosen",
            {"interview_start": NINE_UTC, "interview_stop": NINE_UTC, "interview_tzid": tzid},
        )
        return self.applicant.message_ids[0].body

    def test_the_languages_format_without_seconds_in_a_named_zone(self):
        env = self.env(context={"lang": "en_US"})
        self.assertEqual(
            format_interview_time(env, NINE_UTC, "Europe/Brussels"),
            "12/03/2026 10:00 (Europe/Brussels)",
        )
        self.env["res.lang"]._activate_lang("fr_FR")
        self.assertEqual(
            format_interview_time(env, NINE_UTC, "America/New_York", lang_code="fr_FR"),
            "03/12/2026 04:00 (America/New_York)",
        )
        self.assertEqual(
            format_interview_time(env, NINE_UTC, "Mars/Olympus_Mons"), "12/03/2026 09:00 (UTC)"
        )

    def test_chatter_note_in_the_recruiters_zone_with_the_candidates_beside_it(self):
        body = self._book("America/New_York")
        self.assertIn("Grace Hopper chose a time: 12/03/2026 10:00 (Europe/Brussels).", body)
        self.assertIn("Candidate's time: 12/03/2026 04:00 (America/New_York).", body)
        self.assertNotIn(":00:00", body)

    def test_chatter_note_names_one_zone_when_the_candidate_shares_it(self):
        body = self._book("Europe/Brussels")
        self.assertIn("chose a time: 12/03/2026 10:00 (Europe/Brussels).", body)
        self.assertNotIn("Candidate's time", body)

    def test_form_shows_the_candidates_time_only_where_its_zone_differs(self):
        self._book("America/New_York")
        applicant = self.applicant.with_user(self.recruiter).with_context(tz="Europe/Brussels")
        self.assertEqual(
            applicant.cronofy_interview_candidate_time, "12/03/2026 04:00 (America/New_York)"
        )
        same_zone = applicant.with_context(tz="America/New_York")
        self.assertFalse(same_zone.cronofy_interview_candidate_time)
