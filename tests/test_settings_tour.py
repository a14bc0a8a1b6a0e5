from odoo.tests import tagged

from .common import CronofyHttpCase


@tagged("post_install", "-at_install")
class TestSettingsTour(CronofyHttpCase):
    def test_admin_sees_and_tests_the_cronofy_section(self):
        self.start_tour(
            "/odoo/action-hr_recruitment.action_hr_recruitment_configuration",
            "hr_recruitment_cronofy_settings_tour",
            login="admin",
        )
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "connected")
