"""Token refresh across real, concurrent database transactions.

The other connection tests run inside Odoo's single test transaction, where every
"own cursor" shares one connection and is serialized by Odoo's test lock. Here two
threads use separate PostgreSQL transactions, as two Odoo workers would, so the
row lock in ``_valid_access_token`` is what keeps them from refreshing twice.
The data is committed, so the test removes it again at the end.
"""

import threading
import uuid
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged

from ..cronofy_simulator import SimulatorServer


@tagged("post_install", "-at_install")
class TestConcurrentTokenRefresh(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.simulator = SimulatorServer(port=0)
        cls.simulator.start()
        cls.addClassCleanup(cls.simulator.stop)
        cls.sim = cls.simulator.admin
        cls.demo = cls.sim.seed_demo()

    def _committed_connection(self):
        """A company with an Organization Connect connection whose access token is
        about to expire, committed so that other transactions see it. Each step
        uses a fresh transaction: the OAuth completion commits in a cursor of its
        own, which an older snapshot could not update after."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].create({"name": f"Refresh race {uuid.uuid4().hex[:8]}"})
            connection = env["cronofy.connection"]._for_company(company)
            connection.write(
                {
                    "datacenter": self.demo["data_center"],
                    "client_id": self.demo["client_id"],
                    "client_secret": self.demo["client_secret"],
                    "api_access_mode": "organization_connect",
                    "api_base_url": self.simulator.base_url,
                    "app_base_url": self.simulator.base_url,
                }
            )
            company_id, connection_id = company.id, connection.id
            redirect_uri = connection._oauth_redirect_uri()
        grant = self.sim.authorize(
            self.demo["client_id"],
            redirect_uri,
            state="race",
            ou_id=self.demo["organizational_unit_id"],
        )
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            failure = env["cronofy.connection"].browse(connection_id)._complete_oauth(grant["code"])
            self.assertIsNone(failure)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            connection = env["cronofy.connection"].browse(connection_id)
            connection.token_expires_at = fields.Datetime.now() + timedelta(seconds=30)
            return company_id, connection_id, connection.access_token

    def _remove(self, company_id, connection_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["cronofy.connection"].browse(connection_id).unlink()
            company = env["res.company"].browse(company_id)
            company.partner_id.active = False
            company.active = False

    def test_two_workers_refreshing_at_once_call_cronofy_once(self):
        company_id, connection_id, old_token = self._committed_connection()
        self.addCleanup(self._remove, company_id, connection_id)
        self.sim.clear_calls()
        start = threading.Barrier(2)
        tokens, errors, saw_expiring = [], [], []

        def worker():
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    connection = env["cronofy.connection"].browse(connection_id)
                    # Both transactions see the token expiring before either refreshes.
                    saw_expiring.append(connection._token_expiring())
                    start.wait(timeout=10)
                    tokens.append(connection._valid_access_token())
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(repr(error))

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        self.assertEqual(errors, [])
        self.assertEqual(saw_expiring, [True, True])
        self.assertEqual(len(tokens), 2)
        self.assertEqual(tokens[0], tokens[1], "both workers must end up with the same token")
        self.assertNotEqual(tokens[0], old_token)
        token_calls = self.sim.calls(route="oauth.token")
        self.assertEqual(len(token_calls), 1, token_calls)
