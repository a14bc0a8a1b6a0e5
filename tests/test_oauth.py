import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.hr_recruitment_cronofy.cronofy_protocol import (
    SchedulerClient,
    UnauthorizedError,
)

from .common import CronofyCase, CronofyHttpCase

CALLBACK = "/cronofy/oauth/callback"


@tagged("post_install", "-at_install")
class TestOAuthCallback(CronofyHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.api_access_mode = "organization_connect"
        cls.admin = new_test_user(
            cls.env,
            login="cronofy_oauth_admin",
            password="cronofy_oauth_admin",
            groups="base.group_user,base.group_system",
        )

    def setUp(self):
        super().setUp()
        self.authenticate("cronofy_oauth_admin", "cronofy_oauth_admin")
        self.sim.clear_calls()

    # -- helpers ------------------------------------------------------------------------

    def _start_authorization(self, user=None):
        settings = self.env["res.config.settings"].with_user(user or self.admin).create({})
        action = settings.action_cronofy_authorize()
        self.assertEqual(action["type"], "ir.actions.act_url")
        query = parse_qs(urlsplit(action["url"]).query)
        self.assertTrue(action["url"].startswith(f"{self.simulator.base_url}/oauth/authorize"))
        self.assertEqual(query["scope"], ["organizational_unit_scheduler"])
        return query["state"][0], query["redirect_uri"][0]

    def _consent(self, state, redirect_uri):
        """The OU admin clicks "Allow" on Cronofy's consent page."""
        grant = self.sim.authorize(
            self.demo["client_id"],
            redirect_uri,
            state=state,
            ou_id=self.demo["organizational_unit_id"],
        )
        return grant["redirect_url"]

    def _callback(self, url):
        parts = urlsplit(url)
        return self.url_open(f"{parts.path}?{parts.query}", allow_redirects=False)

    def _connect(self):
        state, redirect_uri = self._start_authorization()
        url = self._consent(state, redirect_uri)
        response = self._callback(url)
        self.assertEqual(response.status_code, 303, response.text)
        self.connection.invalidate_recordset()
        return url

    def _token_calls(self):
        return len(self.sim.calls(route="oauth.token"))

    # -- tests --------------------------------------------------------------------------

    def test_authorize_stores_tokens_and_status(self):
        state, redirect_uri = self._start_authorization()
        self.assertEqual(redirect_uri, f"{self.base_url()}{CALLBACK}")
        response = self._callback(self._consent(state, redirect_uri))
        self.assertEqual(response.status_code, 303, response.text)
        self.assertIn("action_hr_recruitment_configuration", response.headers["Location"])
        connection = self.connection
        connection.invalidate_recordset()
        self.assertEqual(connection.state, "connected")
        self.assertTrue(connection.access_token)
        self.assertTrue(connection.refresh_token)
        self.assertEqual(connection.organization_sub, self.demo["organizational_unit_id"])
        self.assertEqual(connection.token_scope, "organizational_unit_scheduler")
        self.assertAlmostEqual(
            connection.token_expires_at,
            fields.Datetime.now() + timedelta(hours=1),
            delta=timedelta(minutes=2),
        )
        self.assertFalse(connection.oauth_state_nonce)
        with connection._scheduler_client() as client:
            self.assertEqual(client.query_scheduling_requests(["srq_unknown"]), ())

    def test_replayed_state_is_refused_and_tokens_kept(self):
        url = self._connect()
        access_token = self.connection.access_token
        calls = self._token_calls()
        response = self._callback(url)
        self.assertEqual(response.status_code, 400)
        self.assertIn("already used", response.text)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.access_token, access_token)
        self.assertEqual(self.connection.state, "connected")
        # The code was not sent again (Cronofy would revoke the grant on reuse).
        self.assertEqual(self._token_calls(), calls)
        self.assertIsNone(self.connection._test_connection())

    def test_tampered_state_is_refused(self):
        self._connect()
        access_token = self.connection.access_token
        state, redirect_uri = self._start_authorization()
        body, signature = state.rsplit(".", 1)
        forged_signature = ("0" if signature[0] != "0" else "1") + signature[1:]
        for forged in (f"{body}.{forged_signature}", f"{body[:-2]}AA.{signature}", "garbage", ""):
            with self.subTest(forged=forged):
                response = self._callback(
                    f"{CALLBACK}?{urlencode({'code': 'anything', 'state': forged})}"
                )
                self.assertEqual(response.status_code, 400)
                self.assertIn("altered", response.text)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.access_token, access_token)
        # The genuine state still works afterwards.
        response = self._callback(self._consent(state, redirect_uri))
        self.assertEqual(response.status_code, 303, response.text)

    def test_expired_state_is_refused(self):
        self._start_authorization()
        nonce = self.connection.oauth_state_nonce
        state = self.env["cronofy.connection"]._sign_oauth_state(
            {
                "company_id": self.company.id,
                "user_id": self.admin.id,
                "nonce": nonce,
                "expires": int(time.time()) - 1,
            }
        )
        response = self._callback(f"{CALLBACK}?{urlencode({'code': 'x', 'state': state})}")
        self.assertEqual(response.status_code, 400)
        self.assertIn("expired", response.text)
        self.assertEqual(self._token_calls(), 0)

    def test_state_of_another_admin_is_refused(self):
        other = new_test_user(
            self.env, login="cronofy_other_admin", groups="base.group_user,base.group_system"
        )
        state, redirect_uri = self._start_authorization(user=other)
        response = self._callback(self._consent(state, redirect_uri))
        self.assertEqual(response.status_code, 400)
        self.assertIn("another user", response.text)
        self.assertFalse(self.connection.refresh_token)

    def test_non_admin_cannot_use_the_callback(self):
        state, redirect_uri = self._start_authorization()
        new_test_user(
            self.env,
            login="cronofy_oauth_recruiter",
            password="cronofy_oauth_recruiter",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_user",
        )
        self.authenticate("cronofy_oauth_recruiter", "cronofy_oauth_recruiter")
        response = self._callback(self._consent(state, redirect_uri))
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.connection.refresh_token)

    def test_oauth_error_from_cronofy_keeps_the_working_connection(self):
        self._connect()
        access_token = self.connection.access_token
        state, _redirect_uri = self._start_authorization()
        query = urlencode({"error": "access_denied", "state": state})
        response = self._callback(f"{CALLBACK}?{query}")
        self.assertEqual(response.status_code, 400)
        self.assertIn("access_denied", response.text)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.access_token, access_token)
        self.assertEqual(self.connection.state, "connected")
        self.assertIn("access_denied", self.connection.last_error)

    def test_refused_code_keeps_the_working_connection(self):
        self._connect()
        access_token = self.connection.access_token
        state, _redirect_uri = self._start_authorization()
        response = self._callback(f"{CALLBACK}?{urlencode({'code': 'bogus', 'state': state})}")
        self.assertEqual(response.status_code, 400)
        self.assertIn("refused the authorization", response.text)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.access_token, access_token)
        self.assertEqual(self.connection.state, "connected")
        self.assertIn("refused the authorization", self.connection.last_error)

    def test_first_authorization_failure_shows_error_status(self):
        state, _redirect_uri = self._start_authorization()
        self._callback(f"{CALLBACK}?{urlencode({'code': 'bogus', 'state': state})}")
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "error")

    def test_wrong_client_secret_mentions_the_data_centre(self):
        state, redirect_uri = self._start_authorization()
        url = self._consent(state, redirect_uri)
        self.connection.client_secret = "CRN_wrong_secret"
        response = self._callback(url)
        self.assertEqual(response.status_code, 400)
        self.assertIn("data centre", response.text)
        self.assertNotIn("CRN_wrong_secret", response.text)

    def test_missing_client_credentials_are_named(self):
        self.connection.client_secret = False
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        with self.assertRaises(UserError) as caught:
            settings.action_cronofy_authorize()
        self.assertIn("Client Secret", str(caught.exception))


@tagged("post_install", "-at_install")
class TestTokenLifecycle(CronofyCase):
    def setUp(self):
        super().setUp()
        self._authorize_organization_connect()
        self.sim.clear_calls()

    def _token_calls(self):
        return len(self.sim.calls(route="oauth.token"))

    def _make_expiring(self):
        self.connection.token_expires_at = fields.Datetime.now() + timedelta(minutes=2)
        self.env.flush_all()

    def test_valid_token_is_used_without_refresh(self):
        access_token = self.connection.access_token
        client = self.connection._scheduler_client()
        client.close()
        self.assertEqual(self._token_calls(), 0)
        self.assertEqual(self.connection.access_token, access_token)

    def test_token_expiring_within_five_minutes_is_refreshed_first(self):
        old_token = self.connection.access_token
        self._make_expiring()
        with self.connection._scheduler_client() as client:
            client.query_scheduling_requests(["srq_unknown"])
        self.assertEqual(self._token_calls(), 1)
        self.assertNotEqual(self.connection.access_token, old_token)
        self.assertGreater(
            self.connection.token_expires_at, fields.Datetime.now() + timedelta(minutes=50)
        )
        # A second client reuses the fresh token.
        self.connection._scheduler_client().close()
        self.assertEqual(self._token_calls(), 1)

    def test_concurrent_refreshes_refresh_once(self):
        self._make_expiring()
        connection_id = self.connection.id
        barrier = threading.Barrier(2)
        tokens, errors = [], []

        def worker():
            barrier.wait()
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    connection = env["cronofy.connection"].browse(connection_id)
                    tokens.append(connection._valid_access_token())
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertFalse(errors)
        self.assertEqual(self._token_calls(), 1)
        self.assertEqual(len(set(tokens)), 1)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.access_token, tokens[0])

    def test_revoked_grant_gives_a_clear_error(self):
        tokens = {
            "access_token": self.connection.access_token,
            "refresh_token": self.connection.refresh_token,
        }
        self.connection._disconnect()
        self.connection.write(tokens)
        self._make_expiring()
        # Not assertRaises: Odoo's rolls back to a savepoint, which would also undo
        # the status the refresh committed in its own cursor (shared in test mode).
        try:
            self.connection._scheduler_client()
        except UserError as error:
            message = str(error)
        else:
            self.fail("a revoked grant must not give a client")
        self.assertIn("Authorize API access again", message)
        self.assertEqual(self.connection.state, "error")
        self.assertIn("Authorize API access again", self.connection.last_error)

    def test_access_token_refused_early_is_refreshed_once(self):
        self.sim.expire_tokens(self.connection.access_token)
        self.assertIsNone(self.connection._test_connection())
        # Test connection's first line probes the client credentials at the token
        # endpoint (a made-up code, refused); the second call is the one refresh.
        self.assertEqual(self._token_calls(), 2)
        self.assertEqual(self.connection.state, "connected")

    def test_disconnect_revokes_and_forgets(self):
        access_token = self.connection.access_token
        self.assertIsNone(self.connection._disconnect())
        self.assertEqual(len(self.sim.calls(route="oauth.revoke")), 1)
        self.assertFalse(self.connection.access_token)
        self.assertFalse(self.connection.refresh_token)
        self.assertFalse(self.connection.token_expires_at)
        self.assertEqual(self.connection.state, "not_connected")
        with (
            self.assertRaises(UnauthorizedError),
            SchedulerClient(access_token, base_url=self.simulator.base_url) as client,
        ):
            client.query_scheduling_requests(["srq_unknown"])
        with self.assertRaises(UserError):
            self.connection._scheduler_client()

    def test_settings_disconnect_button(self):
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.cronofy_has_tokens)
        action = settings.action_cronofy_disconnect()
        self.assertEqual(action["params"]["type"], "success")
        self.assertFalse(self.connection.refresh_token)

    def test_disconnect_when_cronofy_is_down_still_forgets(self):
        self.sim.add_fault("oauth.revoke", "status", count=10, status=500)
        warning = self.connection._disconnect()
        self.assertIn("500", warning)
        self.assertFalse(self.connection.refresh_token)
        self.assertEqual(self.connection.last_error, warning)
