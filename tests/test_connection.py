import logging
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.hr_recruitment_cronofy.cronofy_protocol import decode_embed_token

from .common import CronofyCase


@tagged("post_install", "-at_install")
class TestConnectionRecord(CronofyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Cronofy Company B"})
        cls.connection_b = cls.env["cronofy.connection"]._for_company(cls.company_b)

    def test_one_connection_per_company_created_on_demand(self):
        self.assertEqual(self.env["cronofy.connection"]._for_company(self.company), self.connection)
        self.assertNotEqual(self.connection_b, self.connection)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["cronofy.connection"].create({"company_id": self.company.id})

    def test_recruiter_cannot_read_connections_or_secrets(self):
        recruiter = self._new_recruiter("cronofy_conn_recruiter")
        with self.assertRaises(AccessError):
            self.connection.with_user(recruiter).read(["client_id"])
        with self.assertRaises(AccessError):
            self.connection.with_user(recruiter).read(["client_secret"])
        with self.assertRaises(AccessError):
            self.env["cronofy.connection"].with_user(recruiter).search([])
        # Even a recruitment manager (not a system admin) has no access.
        manager = self._new_recruiter(
            "cronofy_conn_manager",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_manager",
        )
        with self.assertRaises(AccessError):
            self.connection.with_user(manager).read(["embed_secret"])

    def test_secret_fields_are_system_only(self):
        for name in (
            "client_secret",
            "previous_client_secret",
            "embed_secret",
            "internal_app_client_secret",
            "access_token",
            "refresh_token",
            "oauth_state_nonce",
            "webhook_key",
        ):
            field = self.env["cronofy.connection"]._fields[name]
            self.assertEqual(field.groups, "base.group_system", name)
            self.assertFalse(field.copy, name)

    def test_company_b_admin_only_sees_company_b(self):
        admin_b = self._new_admin("cronofy_admin_b", companies=self.company_b)
        Connection = self.env["cronofy.connection"].with_user(admin_b)
        self.assertEqual(Connection.search([]), self.connection_b)
        with self.assertRaises(AccessError):
            self.connection.with_user(admin_b).read(["client_id"])
        # An admin of both companies sees both.
        admin_ab = self._new_admin("cronofy_admin_ab", companies=self.company | self.company_b)
        self.assertEqual(
            self.env["cronofy.connection"].with_user(admin_ab).search([]),
            self.connection | self.connection_b,
        )

    def test_each_company_has_its_own_credentials(self):
        self.connection_b.write({"client_id": "company_b_client", "client_secret": "CRN_b"})
        self.assertEqual(self.connection.client_id, self.demo["client_id"])
        self.assertEqual(self.connection_b._webhook_secrets(), ["CRN_b"])
        self.assertNotEqual(self.connection.webhook_key, self.connection_b.webhook_key)

    def test_pasted_values_are_trimmed(self):
        self.connection.write({"client_id": "  sim_demo_client_id\n"})
        self.assertEqual(self.connection.client_id, "sim_demo_client_id")

    def test_malformed_credentials_are_refused_and_old_values_kept(self):
        cases = [
            ({"embed_public_key": "ESK_oops"}, "EMB_"),
            ({"embed_secret": "EMB_wrong_field"}, "ESK_"),
            ({"client_secret": "CRN_with space"}, "spaces"),
            ({"api_base_url": "https://evil.example.com"}, "Refusing"),
            ({"app_base_url": "ftp://127.0.0.1"}, "Refusing"),
            ({"api_base_url": "https://api-uk.cronofy.com", "datacenter": "us"}, "data centre"),
        ]
        for values, expected in cases:
            with self.subTest(values=values):
                with self.assertRaises(ValidationError) as caught, self.cr.savepoint():
                    self.connection.write(values)
                self.assertIn(expected, str(caught.exception))
                self.connection.invalidate_recordset()
                self.assertEqual(self.connection.embed_public_key, self.demo["embed_key"])
                self.assertEqual(self.connection.client_secret, self.demo["client_secret"])
                self.assertEqual(self.connection.api_base_url, self.simulator.base_url)
        # A secret never appears in the message, even when it is the problem.
        with self.assertRaises(ValidationError) as caught, self.cr.savepoint():
            self.connection.write({"client_secret": "CRN_leak me"})
        self.assertNotIn("leak", str(caught.exception))

    def test_matching_official_host_is_accepted(self):
        self.connection.write({"datacenter": "uk", "api_base_url": "https://api-uk.cronofy.com"})
        self.assertEqual(self.connection._endpoints().api_base_url, "https://api-uk.cronofy.com")

    def test_check_configured_names_what_is_missing(self):
        self.connection_b.write({"client_id": "x"})
        with self.assertRaises(UserError) as caught:
            self.connection_b._check_configured()
        message = str(caught.exception)
        self.assertIn("Cronofy Company B", message)
        for label in ("Embed Public Key", "Embed Secret", "Client Secret"):
            self.assertIn(label, message)
        self.assertNotIn("Client ID,", message)
        self.connection_b.api_access_mode = "internal_application"
        with self.assertRaises(UserError) as caught:
            self.connection_b._check_configured(embed=False)
        self.assertIn("Internal Application Secret", str(caught.exception))
        self.connection._check_configured()  # the demo connection is complete

    def test_webhook_url_and_key_rotation(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        key = self.connection.webhook_key
        self.assertGreaterEqual(len(key), 40)
        self.assertEqual(self.connection.webhook_url, f"{base_url}/cronofy/webhook/{key}")
        Connection = self.env["cronofy.connection"]
        self.assertEqual(Connection._webhook_recipient(key)[0], self.connection.id)
        self.connection.action_rotate_webhook_key()
        self.assertNotEqual(self.connection.webhook_key, key)
        # The intake's cached map follows the rotation at once.
        self.assertIsNone(Connection._webhook_recipient(key))
        self.assertEqual(
            Connection._webhook_recipient(self.connection.webhook_key)[0], self.connection.id
        )
        self.assertIsNone(Connection._webhook_recipient(""))
        self.assertIsNone(Connection._webhook_recipient(None))

    def test_webhook_recipients_follow_every_change(self):
        """The intake reads keys and secrets from a per-process cache: each change
        that matters must show in it, or a rotated secret would still be accepted or
        a new company's notifications refused."""
        Connection = self.env["cronofy.connection"]
        key = self.connection.webhook_key
        Connection._webhook_recipient(key)  # fill the cache
        self.connection.write({"previous_client_secret": "CRN_rotated_out"})
        self.assertIn("CRN_rotated_out", Connection._webhook_recipient(key)[1])
        self.connection.write({"previous_client_secret": False})
        self.assertNotIn("CRN_rotated_out", Connection._webhook_recipient(key)[1])
        company = self.env["res.company"].create({"name": "Recipients Co"})
        new_connection = Connection._for_company(company)
        self.assertEqual(
            Connection._webhook_recipient(new_connection.webhook_key), (new_connection.id, ())
        )
        new_key = new_connection.webhook_key
        new_connection.unlink()
        self.assertIsNone(Connection._webhook_recipient(new_key))

    def test_webhook_secrets_cover_rotation(self):
        self.connection.write(
            {"previous_client_secret": "CRN_old", "internal_app_client_secret": False}
        )
        self.assertEqual(
            self.connection._webhook_secrets(), [self.demo["client_secret"], "CRN_old"]
        )
        self.connection.write({"internal_app_client_secret": "CRN_internal"})
        self.assertIn("CRN_internal", self.connection._webhook_secrets())

    def test_neutralize_forgets_secrets_and_tokens(self):
        self._authorize_organization_connect()
        key = self.connection.webhook_key
        sql = (Path(__file__).parent.parent / "data" / "neutralize.sql").read_text()
        self.env.cr.execute(sql)
        self.connection.invalidate_recordset()
        self.assertFalse(self.connection.client_secret)
        self.assertFalse(self.connection.embed_secret)
        self.assertFalse(self.connection.refresh_token)
        self.assertFalse(self.connection.access_token)
        self.assertNotEqual(self.connection.webhook_key, key)
        self.assertEqual(self.connection.state, "not_connected")


@tagged("post_install", "-at_install")
class TestEmbedSignUp(CronofyCase):
    def test_embed_token_carries_a_stable_tenant(self):
        db_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        token = self.connection._embed_token()
        claims = decode_embed_token(token, self.demo["embed_secret"])
        self.assertEqual(claims["tenant_id"], f"odoo-{db_uuid}-{self.company.id}")
        self.assertEqual(claims["tenant_name"], self.company.name)
        self.assertEqual(claims["iss"], self.demo["embed_key"])
        self.assertEqual(claims["aud"], "scheduler_embed")
        again = decode_embed_token(self.connection._embed_token(), self.demo["embed_secret"])
        self.assertEqual(again["tenant_id"], claims["tenant_id"])
        self.assertNotEqual(again["jti"], claims["jti"])  # freshly signed each time

    def test_connect_button_opens_the_simulator_sign_up_and_links_the_tenant(self):
        settings = self.env["res.config.settings"].create({})
        action = settings.action_cronofy_connect()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["target"], "new")
        url = action["url"]
        self.assertTrue(url.startswith(f"{self.simulator.base_url}/sign_up?style=embedded"))
        token = parse_qs(urlsplit(url).query)["embedded_authtoken"][0]
        tenant_id = decode_embed_token(token, self.demo["embed_secret"])["tenant_id"]
        # The admin signs up on the (simulated) Cronofy page.
        page = requests.get(url, timeout=10)
        self.assertEqual(page.status_code, 200, page.text)
        submitted = requests.post(
            f"{self.simulator.base_url}/sign_up",
            data={
                "embedded_authtoken": token,
                "name": "Odoo Admin",
                "email": "admin@example.com",
                "ou_name": self.company.name,
            },
            timeout=10,
        )
        self.assertEqual(submitted.status_code, 200, submitted.text)
        units = [u for u in self.sim.organizational_units() if tenant_id in u["tenant_ids"]]
        self.assertEqual(len(units), 1)
        # A recruiter opening the embed later carries the same tenant.
        recruiter_token = self.connection._embed_token()
        self.assertEqual(
            decode_embed_token(recruiter_token, self.demo["embed_secret"])["tenant_id"], tenant_id
        )

    def test_connect_without_embed_credentials_says_what_is_missing(self):
        self.connection.write({"embed_secret": False})
        settings = self.env["res.config.settings"].create({})
        with self.assertRaises(UserError) as caught:
            settings.action_cronofy_connect()
        self.assertIn("Embed Secret", str(caught.exception))


@tagged("post_install", "-at_install")
class TestSettingsBlock(CronofyCase):
    def test_settings_write_to_the_current_company_connection(self):
        company_b = self.env["res.company"].create({"name": "Cronofy Settings B"})
        connection_b = self.env["cronofy.connection"]._for_company(company_b)
        settings = self.env["res.config.settings"].create(
            {"cronofy_client_id": "new_client_id", "cronofy_embed_secret": "ESK_replaced"}
        )
        settings.execute()
        self.assertEqual(self.connection.client_id, "new_client_id")
        self.assertEqual(self.connection.embed_secret, "ESK_replaced")
        self.assertFalse(connection_b.client_id)
        # In company B's context, the same settings edit company B.
        settings_b = (
            self.env["res.config.settings"]
            .with_company(company_b)
            .create({"cronofy_client_id": "b_client"})
        )
        self.assertEqual(settings_b.cronofy_connection_id, connection_b)
        self.assertEqual(connection_b.client_id, "b_client")
        self.assertEqual(self.connection.client_id, "new_client_id")

    def test_secrets_are_never_read_back(self):
        settings = self.env["res.config.settings"].create({})
        values = settings.read(
            [
                "cronofy_client_secret",
                "cronofy_embed_secret",
                "cronofy_internal_app_client_secret",
                "cronofy_has_client_secret",
            ]
        )[0]
        self.assertFalse(values["cronofy_client_secret"])
        self.assertFalse(values["cronofy_embed_secret"])
        self.assertFalse(values["cronofy_internal_app_client_secret"])
        self.assertTrue(values["cronofy_has_client_secret"])
        # What the web client gets when it opens Settings holds no secret at all.
        specification = {name: {} for name in settings._fields if name.startswith("cronofy_")}
        specification["cronofy_connection_id"] = {"fields": {"display_name": {}}}
        opened = self.env["res.config.settings"].onchange({}, [], specification)
        dumped = repr(opened)
        for secret in (self.demo["client_secret"], self.demo["embed_secret"]):
            self.assertNotIn(secret, dumped)

    def test_saving_without_typing_a_secret_keeps_it(self):
        self.env["res.config.settings"].create({"cronofy_client_id": "other"}).execute()
        self.assertEqual(self.connection.client_secret, self.demo["client_secret"])
        self.assertEqual(self.connection.embed_secret, self.demo["embed_secret"])

    def test_settings_fields_are_system_only(self):
        for name, field in self.env["res.config.settings"]._fields.items():
            if name.startswith("cronofy_"):
                self.assertEqual(field.groups, "base.group_system", name)

    def test_settings_view_shows_the_cronofy_block(self):
        arch = self.env["res.config.settings"].get_view(
            self.env.ref("base.res_config_settings_view_form").id
        )["arch"]
        for marker in (
            "cronofy_settings_block",
            "action_cronofy_connect",
            "action_cronofy_authorize",
            "action_cronofy_disconnect",
            "action_cronofy_test_connection",
            "action_cronofy_rotate_webhook_key",
            "CopyClipboardChar",
        ):
            self.assertIn(marker, arch)

    def test_connections_menu_lists_every_company_of_the_admin(self):
        company_c = self.env["res.company"].create({"name": "Cronofy Menu C"})
        admin = self._new_admin("cronofy_menu_admin", companies=self.company | company_c)
        action = self.env["cronofy.connection"].with_user(admin)._action_open_connections()
        self.assertEqual(action["res_model"], "cronofy.connection")
        companies = self.env["cronofy.connection"].with_user(admin).search([]).company_id
        self.assertEqual(companies, self.company | company_c)


@tagged("post_install", "-at_install")
class TestTestConnection(CronofyCase):
    def test_internal_application_connection_works(self):
        self.sim.clear_calls()
        self.assertIsNone(self.connection._test_connection())
        self.assertEqual(self.connection.state, "connected")
        self.assertFalse(self.connection.last_error)
        self.assertTrue(self.connection.last_checked)
        calls = self.sim.calls(route="scheduling_requests.query")
        self.assertEqual([c["status"] for c in calls], [200])

    def test_settings_button_reports_success(self):
        settings = self.env["res.config.settings"].create({})
        action = settings.action_cronofy_test_connection()
        self.assertEqual(action["params"]["type"], "success")

    def test_wrong_secret_gives_a_clear_error(self):
        self.connection.internal_app_client_secret = "CRN_not_the_right_one"
        with self.assertLogs("odoo.addons.hr_recruitment_cronofy", level=logging.DEBUG) as logs:
            message = self.connection._test_connection()
        self.assertIn("401", message)
        self.assertEqual(self.connection.state, "error")
        self.assertIn("1 of 6 checks failed", self.connection.last_error)
        self.assertIn("Internal Application secret", self.connection.last_error)
        # Secrets are kept out of the logs.
        self.assertNotIn("CRN_not_the_right_one", "\n".join(logs.output))

    def test_failure_keeps_a_working_connection_connected(self):
        self.assertIsNone(self.connection._test_connection())
        self.sim.add_fault("scheduling_requests.query", "status", count=10, status=503)
        message = self.connection._test_connection()
        self.assertIn("503", message)
        # "Connected" only when every line passes; nothing configured is thrown away.
        self.assertEqual(self.connection.state, "error")
        self.assertIn("Scheduler API access", self.connection.last_error)
        self.assertEqual(self.connection.internal_app_client_secret, self.demo["client_secret"])
        self.sim.clear_faults()
        self.assertIsNone(self.connection._test_connection())
        self.assertFalse(self.connection.last_error)

    def test_missing_settings_are_named(self):
        self.connection.write({"internal_app_client_secret": False})
        message = self.connection._test_connection()
        self.assertIn("Internal Application Secret", message)
        # Only missing settings: not connected yet, rather than an error.
        self.assertEqual(self.connection.state, "not_connected")

    def test_data_centre_changed_after_authorizing(self):
        self._authorize_organization_connect()
        # Another API host than the one that issued the tokens (same simulator).
        self.connection.api_base_url = self.simulator.base_url.replace("127.0.0.1", "localhost")
        message = self.connection._test_connection()
        self.assertIn("were issued by", message)
        self.assertTrue(self.connection.refresh_token)  # nothing was thrown away
        self.connection.api_base_url = self.simulator.base_url
        self.assertIsNone(self.connection._test_connection())

    def test_token_expiry_is_known(self):
        self._authorize_organization_connect()
        expected = fields.Datetime.now() + timedelta(seconds=3600)
        self.assertAlmostEqual(
            self.connection.token_expires_at, expected, delta=timedelta(seconds=60)
        )
