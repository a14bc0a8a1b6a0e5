"""Reusable bases for Odoo tests that talk to "Cronofy": the simulator over loopback.

Each test class starts its own simulator on a free port, seeds the ``demo`` world and
points the main company's ``cronofy.connection`` at it with the demo credentials::

    class TestSomething(CronofyCase):          # or CronofyHttpCase for url_open/tours
        def test_x(self):
            client = self.connection._scheduler_client()  # internal-application mode
            self.sim.calls(route="scheduling_requests.create")

Nothing of ours is mocked: HTTP goes to the simulator, whose admin API (``self.sim``)
drives OAuth consent, the candidate's choices, faults and token expiry.
"""

from odoo.tests import HttpCase, TransactionCase, new_test_user

from odoo.addons.hr_recruitment_cronofy.cronofy_simulator import SimulatorServer


class CronofySimulatorMixin:
    """Class-level simulator + the main company's connection configured for it.

    ``connection`` starts in Internal Application mode (the demo client secret as
    bearer), so ``_scheduler_client()`` works with no OAuth; call
    ``_authorize_organization_connect()`` for Organization Connect tokens.
    """

    #: extra ``SimulatorConfig`` fields for this class's simulator
    simulator_settings = {"webhook_backoff_base": 0.05}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Token refreshes and status writes use a cursor of their own; in test mode
        # that cursor shares the test transaction (HttpCase enters it already).
        if not cls.registry.in_test_mode():
            cls.registry.enter_test_mode(cls.cr)
            cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.simulator = SimulatorServer(port=0, **cls.simulator_settings)
        cls.simulator.start()
        cls.addClassCleanup(cls.simulator.stop)
        cls.sim = cls.simulator.admin
        cls.demo = cls.sim.seed_demo()
        cls.company = cls.env.company
        cls.connection = cls.env["cronofy.connection"]._for_company(cls.company)
        cls.connection.write(cls._demo_connection_values())

    def setUp(self):
        super().setUp()
        # Faults outlive a test in the class-level simulator unless used up.
        self.sim.clear_faults()

    @classmethod
    def _demo_connection_values(cls, **overrides):
        demo = cls.demo
        values = {
            "datacenter": demo["data_center"],
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "embed_public_key": demo["embed_key"],
            "embed_secret": demo["embed_secret"],
            "api_access_mode": "internal_application",
            "internal_app_client_secret": demo["client_secret"],
            "api_base_url": cls.simulator.base_url,
            "app_base_url": cls.simulator.base_url,
        }
        values.update(overrides)
        return values

    @classmethod
    def _authorize_organization_connect(cls, connection=None, ou_id=None):
        """Drive OAuth consent through the simulator's admin API (no browser) and
        store the tokens, as the callback does. Returns the connection."""
        connection = (connection or cls.connection).sudo()
        connection.api_access_mode = "organization_connect"
        grant = cls.sim.authorize(
            connection.client_id,
            connection._oauth_redirect_uri(),
            state="test",
            ou_id=ou_id or cls.demo["organizational_unit_id"],
        )
        failure = connection._complete_oauth(grant["code"])
        assert failure is None, failure
        return connection

    @classmethod
    def _point_simulator_webhooks_at(cls, *urls):
        """Make the demo application deliver its webhooks to ``urls``."""
        cls.sim.set_webhook_urls(cls.demo["application_id"], urls)

    def _new_admin(self, login, companies=None, **kwargs):
        companies = companies or self.company
        return new_test_user(
            self.env,
            login=login,
            groups="base.group_user,base.group_system,hr_recruitment.group_hr_recruitment_manager",
            company_id=companies[0].id,
            company_ids=[(6, 0, companies.ids)],
            **kwargs,
        )

    def _new_recruiter(self, login, **kwargs):
        kwargs.setdefault("groups", "base.group_user,hr_recruitment.group_hr_recruitment_user")
        return new_test_user(self.env, login=login, **kwargs)


class CronofyCase(CronofySimulatorMixin, TransactionCase):
    """TransactionCase with the simulator and the main company's connection."""


class CronofyHttpCase(CronofySimulatorMixin, HttpCase):
    """HttpCase (url_open, tours) with the simulator and the main company's connection."""
