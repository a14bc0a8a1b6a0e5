from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInstallation(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recruiter = new_test_user(
            cls.env,
            login="hrc_recruiter",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
        )

    def test_module_installed_with_its_dependencies(self):
        module = self.env["ir.module.module"].search([("name", "=", "hr_recruitment_cronofy")])
        self.assertEqual(module.state, "installed")
        dependencies = set(module.dependencies_id.mapped("name"))
        self.assertTrue({"hr_recruitment", "calendar", "mail"} <= dependencies)

    def test_recruiter_can_open_applicant_views(self):
        applicants = self.env["hr.applicant"].with_user(self.recruiter)
        views = applicants.get_views([(False, "kanban"), (False, "list"), (False, "form")])
        self.assertEqual(set(views["views"]), {"kanban", "list", "form"})
        # Reading what the kanban shows must work for a recruiter too.
        applicants.search_read([], ["partner_name", "stage_id", "job_id"], limit=20)

    def test_demo_pipeline_spreads_over_stages(self):
        demo_applicants = self.env["hr.applicant"].search(
            [("job_id", "=", self.env.ref("hr_recruitment_cronofy.job_backend_engineer").id)]
        )
        self.assertGreaterEqual(len(demo_applicants), 3)
        self.assertGreaterEqual(len(demo_applicants.stage_id), 3)
        recruiter = self.env.ref("hr_recruitment_cronofy.user_recruiter")
        self.assertTrue(recruiter.has_group("hr_recruitment.group_hr_recruitment_user"))


@tagged("post_install", "-at_install")
class TestRecruiterLogin(HttpCase):
    def test_recruiter_logs_in_and_loads_recruitment(self):
        new_test_user(
            self.env,
            login="hrc_web_recruiter",
            password="hrc_web_recruiter",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
        )
        self.authenticate("hrc_web_recruiter", "hrc_web_recruiter")
        response = self.url_open("/odoo/recruitment")
        self.assertEqual(response.status_code, 200)
        self.assertIn("odoo.__session_info__", response.text)
