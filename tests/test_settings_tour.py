from odoo.tests import tagged

from .common import CronofyHttpCase


@tagged("post_install", "-at_install")
class TestSettingsTour(CronofyHttpCase):
    def test_admin_fixes_a_wrong_client_secret_with_one_click_per_test(self):
        self.start_tour(
            "/odoo/action-hr_recruitment.action_hr_recruitment_configuration",
            "hr_recruitment_cronofy_settings_tour",
            login="admin",
        )
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "connected")
        self.assertEqual(self.connection.client_secret, self.demo["client_secret"])
        self.assertEqual(
            {line["key"]: line["status"] for line in self.connection.check_results}["client"],
            "ok",
        )
