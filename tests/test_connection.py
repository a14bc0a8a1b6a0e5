from odoo.tests import tagged

from .common import CronofyCase


@tagged("post_install", "-at_install")
class TestConnectionSmoke(CronofyCase):
    def test_for_company_is_unique(self):
        again = self.env["cronofy.connection"]._for_company(self.company)
        self.assertEqual(again, self.connection)
