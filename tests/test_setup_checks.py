"""Test connection, line by line, and the setup checklist (issue 16).

Every line is checked against the simulator over loopback; the lines about
Cronofy's own hosts (which tests cannot reach) are checked one by one without
HTTP.
"""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CronofyCase
from .webhook_common import CronofyWebhookCase


def statuses(connection):
    return {line["key"]: line["status"] for line in connection.check_results}


def line_of(connection, key):
    return next(line for line in connection.check_results if line["key"] == key)


def link_tenant(case):
    """What 'Connect to Cronofy' does on Cronofy's sign-up page (scripts/run does it
    the same way): the company's tenant joins the demo Organizational Unit."""
    case.sim.link_tenant(case.demo["organizational_unit_id"], case.connection.tenant_id)


@tagged("post_install", "-at_install")
class TestSetupCheckLines(CronofyCase):
    def test_the_demo_connection_passes_every_checkable_line(self):
        link_tenant(self)
        self.assertIsNone(self.connection._test_connection())
        self.assertEqual(
            statuses(self.connection),
            {
                "client": "ok",
                "api": "ok",
                "embed": "ok",
                "script": "ok",
                "base_url": "ok",
                "push": "unverifiable",
            },
        )
        self.assertEqual(self.connection.state, "connected")
        self.assertFalse(self.connection.last_error)
        # One line each, in a fixed order, shown as a list.
        html = str(self.connection.check_results_html)
        for key in ("client", "api", "embed", "script", "base_url", "push"):
            self.assertIn(f"o_cronofy_check_{key}", html)
        self.assertIn("Demo Recruiting", line_of(self.connection, "embed")["detail"])

    def test_client_credentials_are_probed_with_an_invalid_code(self):
        self.sim.clear_calls()
        self.connection._test_connection()
        calls = self.sim.calls(route="oauth.token")
        self.assertEqual([call["status"] for call in calls], [400])
        self.assertIn("invalid_grant", line_of(self.connection, "client")["detail"])

    def test_wrong_client_secret_fails_its_line_with_the_fix(self):
        # Internal Application mode: the API line passes with its own secret, so
        # before issue 16 this looked "connected".
        self.connection.client_secret = "CRN_not_the_client_secret_000000000000"
        message = self.connection._test_connection()
        client = line_of(self.connection, "client")
        self.assertEqual(client["status"], "failed")
        self.assertIn("does not recognise", client["detail"])
        self.assertIn("Developer Dashboard", client["fix"])
        self.assertEqual(statuses(self.connection)["api"], "ok")
        self.assertEqual(self.connection.state, "error")
        self.assertIn("Client ID and client secret", message)
        self.assertNotIn("CRN_not_the_client_secret", message)
        self.assertNotIn("CRN_not_the_client_secret", str(self.connection.check_results))

    def test_wrong_client_id_fails_the_same_line(self):
        self.connection.client_id = "not_a_known_client_id"
        self.connection._test_connection()
        self.assertEqual(line_of(self.connection, "client")["status"], "failed")

    def test_wrong_internal_secret_fails_the_api_line(self):
        self.connection.internal_app_client_secret = "CRN_not_the_internal_secret_0000000000"
        self.connection._test_connection()
        api = line_of(self.connection, "api")
        self.assertEqual(api["status"], "failed")
        self.assertIn("401", api["detail"])
        self.assertIn("Internal Application", api["fix"])
        self.assertEqual(statuses(self.connection)["client"], "ok")
        self.assertEqual(self.connection.state, "error")

    def test_wrong_embed_secret_fails_the_embed_line(self):
        self.connection.embed_secret = "ESK_not_the_embed_secret_000000000000000"
        self.connection._test_connection()
        embed = line_of(self.connection, "embed")
        self.assertEqual(embed["status"], "failed")
        self.assertIn("bad_signature", embed["detail"])
        self.assertIn("does not match the embed public key", embed["fix"])
        self.assertEqual(self.connection.state, "error")

    def test_unknown_embed_key_says_so(self):
        self.connection.embed_public_key = "EMB_not_a_known_key"
        self.connection._test_connection()
        embed = line_of(self.connection, "embed")
        self.assertEqual(embed["status"], "failed")
        self.assertIn("does not know this embed public key", embed["fix"])

    def test_unreachable_script_url_fails_the_script_line(self):
        self.connection.embed_script_url = "http://127.0.0.1:9/cronofy-scheduler-embed.js"
        self.connection._test_connection()
        script = line_of(self.connection, "script")
        self.assertEqual(script["status"], "failed")
        self.assertIn("could not be reached", script["detail"])
        self.assertEqual(self.connection.state, "error")

    def test_no_notification_yet_is_not_a_failure(self):
        self.assertIsNone(self.connection._test_connection())
        push = line_of(self.connection, "push")
        self.assertEqual(push["status"], "unverifiable")
        self.assertIn("None yet", push["detail"])
        self.assertIn("Embed webhook callback URL", push["detail"])

    def test_missing_credentials_are_not_connected_yet(self):
        self.connection.write({"client_secret": False, "embed_secret": False})
        message = self.connection._test_connection()
        self.assertEqual(self.connection.state, "not_connected")
        self.assertIn("Not set: Client Secret", message)
        self.assertTrue(line_of(self.connection, "client")["missing"])


@tagged("post_install", "-at_install")
class TestChecksAgainstCronofysHosts(CronofyCase):
    """Lines that depend on the connection talking to Cronofy itself (not loopback).
    Only the lines that make no HTTP call are run: tests cannot reach Cronofy."""

    def setUp(self):
        super().setUp()
        self.connection.write({"api_base_url": False, "app_base_url": False})
        self.params = self.env["ir.config_parameter"].sudo()

    def test_loopback_base_url_with_real_hosts_fails(self):
        for base_url in ("http://localhost:8069", "http://127.0.0.1:8069", "http://10.0.0.5"):
            with self.subTest(base_url=base_url):
                self.params.set_param("web.base.url", base_url)
                line = self.connection._check_public_address()
                self.assertEqual(line["status"], "failed")
                self.assertIn("push notification", line["detail"])
                self.assertIn("web.base.url", line["fix"])

    def test_public_base_url_is_not_verifiable_from_here(self):
        self.params.set_param("web.base.url", "https://odoo.example.com")
        line = self.connection._check_public_address()
        self.assertEqual(line["status"], "unverifiable")
        self.assertIn("cannot reach itself", line["detail"])

    def test_loopback_base_url_is_fine_with_the_simulator(self):
        self.connection.write(self._demo_connection_values())
        self.params.set_param("web.base.url", "http://localhost:8069")
        self.assertEqual(self.connection._check_public_address()["status"], "ok")

    def test_embed_credentials_cannot_be_verified_with_real_cronofy(self):
        line = self.connection._check_embed_credentials()
        self.assertEqual(line["status"], "unverifiable")
        self.assertIn("Not verifiable from here", line["detail"])

    def test_summary_ignores_what_cannot_be_verified(self):
        lines = [
            {"key": "a", "label": "A", "status": "ok", "detail": "", "fix": False},
            {"key": "b", "label": "B", "status": "unverifiable", "detail": "", "fix": False},
        ]
        self.assertEqual(self.connection._summarize_checks(lines), ("connected", False, None))
        lines.append({"key": "c", "label": "C", "status": "failed", "detail": "x", "fix": "y"})
        state, summary, message = self.connection._summarize_checks(lines)
        self.assertEqual(state, "error")
        self.assertIn("1 of 3 checks failed (C)", summary)
        self.assertEqual(message, "C: x y")


@tagged("post_install", "-at_install")
class TestCredentialShapes(CronofyCase):
    def test_each_credential_refuses_the_wrong_prefix_naming_field_and_prefix(self):
        cases = {
            "client_secret": ("Client Secret", "CRN_"),
            "previous_client_secret": ("Previous Client Secret", "CRN_"),
            "internal_app_client_secret": ("Internal Application Secret", "CRN_"),
            "embed_public_key": ("Embed Public Key", "EMB_"),
            "embed_secret": ("Embed Secret", "ESK_"),
        }
        for name, (label, prefix) in cases.items():
            with self.subTest(field=name):
                with self.assertRaises(ValidationError) as caught, self.cr.savepoint():
                    self.connection.write({name: "wrong_shape_value", "client_id": "kept?"})
                message = str(caught.exception)
                self.assertIn(label, message)
                self.assertIn(prefix, message)
                self.assertNotIn("wrong_shape_value", message)
                self.connection.invalidate_recordset()
                self.assertEqual(self.connection.client_id, self.demo["client_id"])
                self.assertEqual(self.connection[name] or False, self.demo_value(name))

    def demo_value(self, name):
        values = self._demo_connection_values()
        return values.get(name, False)

    def test_a_secret_in_the_client_id_field_is_refused(self):
        with self.assertRaises(ValidationError) as caught, self.cr.savepoint():
            self.connection.write({"client_id": "CRN_pasted_in_the_wrong_field"})
        self.assertIn("Client ID", str(caught.exception))

    def test_settings_refuse_a_wrong_shape_and_keep_the_rest(self):
        with self.assertRaises(ValidationError) as caught, self.cr.savepoint():
            self.env["res.config.settings"].create(
                {"cronofy_client_id": "changed", "cronofy_embed_secret": "EMB_swapped"}
            )
        self.assertIn("Embed Secret must start with ESK_", str(caught.exception))
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.client_id, self.demo["client_id"])
        self.assertEqual(self.connection.embed_secret, self.demo["embed_secret"])


@tagged("post_install", "-at_install")
class TestTestButtons(CronofyCase):
    def test_settings_button_applies_every_setting_then_tests(self):
        params = self.env["ir.config_parameter"].sudo()
        before = bool(params.get_param("base_setup.show_effect"))
        # What the web client does with noSaveDialog: save (create), then call.
        settings = self.env["res.config.settings"].create(
            {"show_effect": not before, "cronofy_client_id": "not_a_known_client_id"}
        )
        action = settings.action_cronofy_test_connection()
        self.assertEqual(bool(params.get_param("base_setup.show_effect")), not before)
        self.assertEqual(self.connection.client_id, "not_a_known_client_id")
        self.assertEqual(line_of(self.connection, "client")["status"], "failed")
        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(action["params"]["next"]["tag"], "soft_reload")

    def test_settings_button_with_pending_module_changes_asks_to_save_first(self):
        module = self.env["ir.module.module"].search(
            [("name", "=", "website_hr_recruitment"), ("state", "!=", "installed")], limit=1
        )
        if not module:
            self.skipTest("website_hr_recruitment is installed or absent")
        settings = self.env["res.config.settings"].create({"module_website_hr_recruitment": True})
        with self.assertRaises(UserError) as caught:
            settings.action_cronofy_test_connection()
        self.assertIn("click Save first", str(caught.exception))

    def test_form_button_reports_every_check_passed(self):
        action = self.connection.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Every check passed", action["params"]["message"])


@tagged("post_install", "-at_install")
class TestSetupChecklist(CronofyWebhookCase):
    def _steps(self):
        self.connection.invalidate_recordset()
        return {key: done for key, _title, done, _text in self.connection._setup_steps()}

    def test_checklist_follows_the_setup_and_highlights_the_next_step(self):
        link_tenant(self)
        self.connection._test_connection()
        self.assertEqual(
            self._steps(),
            {
                "credentials": True,
                "organizational_unit": True,
                "api_access": True,
                "webhook": False,
            },
        )
        html = str(self.connection.setup_checklist_html)
        self.assertIn("o_cronofy_step_webhook o_cronofy_step_next", html)
        self.assertIn("docs.cronofy.com/developers/api/organization-connect", html)
        self.assertIn(
            "docs.cronofy.com/developers/application-management/internal-applications", html
        )
        # The first signed notification completes the last step.
        payload = self._payload(
            "srq_checklist_1", "scheduling_request_time_chosen", "2026-01-19T16:14:11Z"
        )
        self.assertEqual(self._post(payload).status_code, 200)
        self.assertTrue(all(self._steps().values()))
        self.connection._test_connection()
        self.assertEqual(line_of(self.connection, "push")["status"], "ok")
        self.assertNotIn("o_cronofy_step_next", str(self.connection.setup_checklist_html))

    def test_an_unlinked_tenant_makes_the_organizational_unit_the_next_step(self):
        company = self.env["res.company"].create({"name": "Checklist Company"})
        connection = self.env["cronofy.connection"]._for_company(company)
        connection.write(self._demo_connection_values())
        connection._test_connection()
        self.assertIn("not linked", line_of(connection, "embed")["detail"])
        steps = {key: done for key, _t, done, _x in connection._setup_steps()}
        self.assertFalse(steps["organizational_unit"])
        self.assertIn(
            "o_cronofy_step_organizational_unit o_cronofy_step_next",
            str(connection.setup_checklist_html),
        )
        # Opening the sign-up is remembered (real Cronofy never reports the result).
        settings = self.env["res.config.settings"].with_company(company).create({})
        settings.action_cronofy_connect()
        self.assertTrue(connection.signup_opened_at)
