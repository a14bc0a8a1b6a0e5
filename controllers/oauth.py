"""The OAuth2 Organization Connect callback: Cronofy sends the admin's browser here.

Order matters: the signed state is checked (signature, expiry, admin, company, then
the single-use nonce) before anything is sent to Cronofy, so a replayed or forged
callback never spends a code; a code Cronofy sees twice revokes what it granted.
"""

import logging

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.http import request

from ..cronofy_protocol import OAuthStateError

_logger = logging.getLogger(__name__)

SETTINGS_URL = "/odoo/action-hr_recruitment.action_hr_recruitment_configuration"


class CronofyOAuthController(http.Controller):
    @http.route("/cronofy/oauth/callback", type="http", auth="user", methods=["GET"])
    def cronofy_oauth_callback(self, code=None, state=None, error=None, **kwargs):
        env = request.env
        if not env.user._is_system():
            _logger.warning("Cronofy OAuth callback refused for non-admin user %s", env.uid)
            raise Forbidden()
        Connection = env["cronofy.connection"]
        try:
            authorization = Connection._verify_oauth_state(state)
        except OAuthStateError as problem:
            _logger.info("Cronofy OAuth callback with an untrusted state: %s", problem)
            return self._result_page(str(problem), success=False)
        if authorization.user_id != env.uid:
            return self._result_page(
                env._(
                    "This authorization was started by another user. Log in as that "
                    "user or start again with 'Authorize API access'."
                ),
                success=False,
            )
        company = env["res.company"].browse(authorization.company_id).exists()
        if not company or company not in env.user.company_ids:
            return self._result_page(
                env._("The company of this authorization is not one of yours."), success=False
            )
        connection_sudo = Connection._for_company(company)
        if not connection_sudo._consume_oauth_nonce(authorization.nonce):
            return self._result_page(
                env._(
                    "This authorization answer was already used, or a newer authorization "
                    "was started since. The current connection is unchanged."
                ),
                success=False,
            )
        if error or not code:
            # The admin denied consent or Cronofy refused the request: keep what works.
            message = env._("Cronofy did not grant access (%s).", (error or "no code"))
            connection_sudo._record_failure(message)
            return self._result_page(message, success=False)
        failure = connection_sudo._complete_oauth(code)
        if failure:
            return self._result_page(failure, success=False)
        return request.redirect(SETTINGS_URL, local=True)

    def _result_page(self, message, *, success):
        return request.render(
            "hr_recruitment_cronofy.oauth_result_page",
            {"message": message, "success": success, "settings_url": SETTINGS_URL},
            status=200 if success else 400,
        )
