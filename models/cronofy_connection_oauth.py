"""The Odoo side of Organization Connect for ``cronofy.connection``.

``cronofy_protocol`` builds the authorize URL, signs and verifies the ``state``,
exchanges codes and revokes tokens; this AbstractModel holds what needs the
database: the signing key (an HMAC on ``database.secret``), the single-use nonce,
the admin's messages and storing or forgetting the tokens. Refreshing a token is
the record's (``_valid_access_token``): every API call needs it, not only OAuth.
"""

import contextlib
import logging

from odoo import api, fields, models, tools
from odoo.exceptions import UserError

from ..cronofy_protocol import (
    STATE_LIFETIME,
    CronofyError,
    OAuthStateError,
    StateProblem,
    issue_oauth_state,
    new_state_nonce,
    sign_oauth_state,
    verify_oauth_state,
)

_logger = logging.getLogger(__name__)

OAUTH_STATE_SCOPE = "hr_recruitment_cronofy.oauth_state"
OAUTH_CALLBACK_PATH = "/cronofy/oauth/callback"


class CronofyConnectionOAuth(models.AbstractModel):
    _name = "cronofy.connection.oauth"
    _description = "Cronofy Connection: Organization Connect authorization"

    def _oauth_redirect_uri(self):
        # get_base_url: the public address Cronofy sends the admin's browser back to.
        return (self.get_base_url() or "").rstrip("/") + OAUTH_CALLBACK_PATH

    def _oauth_authorization_url(self):
        """Start Organization Connect: a new single-use nonce, a signed state bound to
        this company and the current admin, and Cronofy's consent URL."""
        self.ensure_one()
        if not self.env.user._is_system():
            raise UserError(self.env._("Only administrators can authorize Cronofy API access."))
        connection_sudo = self.sudo()
        connection_sudo._check_configured(embed=False, api=False, oauth=True)
        nonce = new_state_nonce()
        state = issue_oauth_state(
            connection_sudo.company_id.id, self.env.uid, nonce, self._oauth_state_signature
        )
        url = connection_sudo._oauth_client().authorization_url(state, self._oauth_redirect_uri())
        # Only the latest authorization attempt can complete.
        connection_sudo.oauth_state_nonce = nonce
        return url

    @api.model
    def _oauth_state_signature(self, body):
        return tools.misc.hmac(self.env(su=True), OAUTH_STATE_SCOPE, body)

    @api.model
    def _sign_oauth_state(self, payload):
        return sign_oauth_state(payload, self._oauth_state_signature)

    @api.model
    def _verify_oauth_state(self, state):
        """The ``AuthorizationState`` of a state this database signed, unexpired; else
        OAuthStateError saying why to the admin. Does not check the nonce
        (``_consume_oauth_nonce`` does)."""
        try:
            return verify_oauth_state(state, self._oauth_state_signature)
        except OAuthStateError as error:
            raise OAuthStateError(error.problem, self._oauth_state_problem(error.problem)) from None

    @api.model
    def _oauth_state_problem(self, problem):
        if problem is StateProblem.MALFORMED:
            return self.env._("The authorization answer is malformed.")
        if problem is StateProblem.EXPIRED:
            return self.env._(
                "The authorization took longer than %(minutes)s minutes and expired. "
                "Start again with 'Authorize API access'.",
                **{"minutes": int(STATE_LIFETIME.total_seconds() // 60)},
            )
        return self.env._(
            "The authorization answer was not issued by this database or was "
            "altered. Start again with 'Authorize API access'."
        )

    def _consume_oauth_nonce(self, nonce):
        """Atomically use up the single-use nonce; False when it was already used or
        superseded by a newer attempt. Committed at once in its own cursor so a
        concurrent replay of the same callback waits, then finds it gone."""
        self.ensure_one()
        with self.env.registry.cursor() as cr:
            cr.execute(
                "UPDATE cronofy_connection SET oauth_state_nonce = NULL "
                "WHERE id = %s AND oauth_state_nonce = %s RETURNING id",
                [self.id, nonce],
            )
            consumed = bool(cr.fetchone())
        self.invalidate_recordset(["oauth_state_nonce"])
        return consumed

    def _complete_oauth(self, code):
        """Exchange the callback's code and store the tokens. On failure the previous
        tokens stay as they were and the reason is recorded; returns the error
        message, or None on success."""
        self.ensure_one()
        connection_sudo = self.sudo()
        try:
            oauth = connection_sudo._oauth_client()
            api_url = oauth.endpoints.api_base_url
            with contextlib.closing(oauth):
                token = oauth.exchange_code(code, self._oauth_redirect_uri())
        except (CronofyError, UserError) as error:
            message = self._describe_error(error, action=self.env._("Authorizing API access"))
            self._record_failure(message)
            return message
        values = self._token_values(token)
        values.update(
            token_api_url=api_url,
            state="connected",
            last_error=False,
            last_checked=fields.Datetime.now(),
        )
        self._write_in_own_cursor(values)
        _logger.info(
            "Cronofy: company %s authorized API access (scope %s)",
            connection_sudo.company_id.id,
            token.scope,
        )
        return None

    def _disconnect(self):
        """Revoke the grant at Cronofy and forget the tokens. Returns a warning when
        the revocation failed (the tokens are forgotten anyway)."""
        self.ensure_one()
        connection_sudo = self.sudo()
        token = connection_sudo.refresh_token or connection_sudo.access_token
        warning = None
        if token:
            try:
                oauth = connection_sudo._oauth_client()
                with contextlib.closing(oauth):
                    oauth.revoke(token)
            except (CronofyError, UserError) as error:
                warning = self._describe_error(error, action=self.env._("Revoking the tokens"))
        self._write_in_own_cursor(
            {
                "access_token": False,
                "refresh_token": False,
                "token_expires_at": False,
                "token_scope": False,
                "organization_sub": False,
                "token_api_url": False,
                "oauth_state_nonce": False,
                "state": "not_connected",
                "last_error": warning or False,
                "last_checked": fields.Datetime.now(),
            }
        )
        _logger.info("Cronofy: company %s disconnected", connection_sudo.company_id.id)
        return warning
