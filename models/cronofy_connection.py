"""One company's connection to Cronofy: credentials, OAuth tokens, status, webhook key.

Exactly one record per company (created on demand by ``_for_company``). Every secret
or token field is readable by system administrators only (``groups``), is never
copied, and is never logged. Everything that talks to Cronofy goes through the
``cronofy_protocol`` package; this model only maps its objects to fields.

Token and status writes that follow an HTTP exchange are committed in a cursor of
their own, with the connection row locked (``_write_in_own_cursor``): the refresh is
then race-free across workers, a failure's message survives the caller's rollback,
and the caller's transaction never writes a row another worker may just have
updated (Odoo runs REPEATABLE READ, where that write would fail).
"""

import base64
import contextlib
import json
import logging
import secrets
import time
from datetime import UTC, timedelta
from urllib.parse import urlsplit

import psycopg2.errors

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tools import consteq

from ..cronofy_protocol import (
    DATA_CENTERS,
    DEFAULT_RETRY_POLICY,
    BadRequestError,
    ConfigurationError,
    CronofyApiError,
    CronofyError,
    OrganizationConnect,
    SchedulerClient,
    UnauthorizedError,
    build_embed_token,
    embedded_sign_up_url,
    resolve_endpoints,
)
from ..cronofy_protocol.datacenters import OFFICIAL_HOSTS
from .access import SYSTEM, check_groups

_logger = logging.getLogger(__name__)

DATACENTER_SELECTION = [(code, dc.label) for code, dc in DATA_CENTERS.items()]
REFRESH_MARGIN = timedelta(minutes=5)
OAUTH_STATE_SCOPE = "hr_recruitment_cronofy.oauth_state"
OAUTH_STATE_LIFETIME = timedelta(minutes=10)
OAUTH_CALLBACK_PATH = "/cronofy/oauth/callback"
WEBHOOK_PATH = "/cronofy/webhook/"
# How long a worker waits for another one holding the connection row (refresh,
# status write) before giving up with a readable message instead of hanging.
ROW_LOCK_TIMEOUT_SQL = "SET LOCAL lock_timeout = '15s'"
# [U] Cronofy has no documented "ping" endpoint: "Test connection" queries a
# scheduling request id that cannot exist. The simulator answers 200 with an empty
# list (its guess 12); a 404/422 from Cronofy would equally prove the credentials
# were accepted, whereas 401/403 prove they were not.
CONNECTION_TEST_REQUEST_ID = "srq_odoo_connection_test"

SECRET_FIELDS = (
    "client_secret",
    "previous_client_secret",
    "embed_secret",
    "internal_app_client_secret",
    "access_token",
    "refresh_token",
    "oauth_state_nonce",
)
CREDENTIAL_FIELDS = (
    "client_id",
    "client_secret",
    "previous_client_secret",
    "embed_public_key",
    "embed_secret",
    "internal_app_client_secret",
    "api_base_url",
    "app_base_url",
)

# Documented prefixes (contract "Id prefixes seen"): a value of another shape was
# pasted into the wrong field.
CREDENTIAL_PREFIXES = {
    "client_secret": "CRN_",
    "previous_client_secret": "CRN_",
    "internal_app_client_secret": "CRN_",
    "embed_public_key": "EMB_",
    "embed_secret": "ESK_",
}


def _new_webhook_key():
    return secrets.token_urlsafe(32)


class OAuthStateError(Exception):
    """The ``state`` of an OAuth callback cannot be trusted; ``str()`` is for the admin."""


class CronofyConnection(models.Model):
    _name = "cronofy.connection"
    _description = "Cronofy Connection"
    _rec_name = "company_id"
    _order = "company_id"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    # -- credentials ---------------------------------------------------------------
    datacenter = fields.Selection(
        DATACENTER_SELECTION,
        string="Data Centre",
        required=True,
        default="us",
        help="The Cronofy data centre your application was created in.",
    )
    client_id = fields.Char(string="Client ID", copy=False)
    client_secret = fields.Char(groups="base.group_system", copy=False)
    previous_client_secret = fields.Char(
        groups="base.group_system",
        copy=False,
        help="While rotating the client secret in Cronofy, webhooks signed with the "
        "previous secret are still accepted.",
    )
    embed_public_key = fields.Char(string="Embed Public Key", copy=False, help="EMB_...")
    embed_secret = fields.Char(groups="base.group_system", copy=False, help="ESK_...")
    api_access_mode = fields.Selection(
        [
            ("organization_connect", "Organization Connect (OAuth)"),
            ("internal_application", "Internal Application (client secret)"),
        ],
        string="API Access",
        required=True,
        default="organization_connect",
    )
    internal_app_client_secret = fields.Char(
        string="Internal Application Secret", groups="base.group_system", copy=False
    )
    api_base_url = fields.Char(
        string="API Base URL",
        copy=False,
        help="Leave empty for the data centre's API host. Only Cronofy's hosts and "
        "loopback addresses (the local simulator) are accepted.",
    )
    app_base_url = fields.Char(
        string="App Base URL",
        copy=False,
        help="Leave empty for the data centre's app host (sign-up, OAuth consent).",
    )
    # -- Organization Connect tokens -------------------------------------------------
    access_token = fields.Char(groups="base.group_system", copy=False)
    refresh_token = fields.Char(groups="base.group_system", copy=False)
    token_expires_at = fields.Datetime(string="Token Expiry", copy=False, readonly=True)
    token_scope = fields.Char(string="Granted Scopes", copy=False, readonly=True)
    organization_sub = fields.Char(
        string="Organizational Unit",
        copy=False,
        readonly=True,
        help="The Organizational Unit Cronofy identified in the token response.",
    )
    token_api_url = fields.Char(
        copy=False,
        readonly=True,
        help="The API host that issued the tokens, to detect a changed data centre.",
    )
    oauth_state_nonce = fields.Char(groups="base.group_system", copy=False)
    # -- status ------------------------------------------------------------------------
    state = fields.Selection(
        [("not_connected", "Not Connected"), ("connected", "Connected"), ("error", "Error")],
        required=True,
        default="not_connected",
        copy=False,
        readonly=True,
    )
    last_error = fields.Text(copy=False, readonly=True)
    last_checked = fields.Datetime(copy=False, readonly=True)
    # -- webhook and tenant ------------------------------------------------------------
    webhook_key = fields.Char(
        groups="base.group_system",
        required=True,
        copy=False,
        index=True,
        readonly=True,
        default=lambda self: _new_webhook_key(),
    )
    webhook_url = fields.Char(
        string="Webhook URL", compute="_compute_webhook_url", groups="base.group_system"
    )
    tenant_id = fields.Char(
        string="Tenant ID",
        compute="_compute_tenant_id",
        help="Sent in every embed token: it ties this company to one Cronofy "
        "Organizational Unit, so it must never change.",
    )
    has_client_secret = fields.Boolean(compute="_compute_has_secrets")
    has_embed_secret = fields.Boolean(compute="_compute_has_secrets")
    has_internal_app_client_secret = fields.Boolean(compute="_compute_has_secrets")
    has_tokens = fields.Boolean(compute="_compute_has_secrets")

    _sql_constraints = [
        ("company_unique", "unique(company_id)", "A company has one Cronofy connection."),
        ("webhook_key_unique", "unique(webhook_key)", "Webhook keys must be unique."),
    ]

    # ---------------------------------------------------------------------------------
    # computes and constraints
    # ---------------------------------------------------------------------------------

    @api.depends("webhook_key")
    def _compute_webhook_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for connection in self:
            key = connection.sudo().webhook_key
            connection.webhook_url = f"{base_url.rstrip('/')}{WEBHOOK_PATH}{key}" if key else False

    @api.depends("company_id")
    def _compute_tenant_id(self):
        # database.uuid changes only when a database is duplicated as a copy, which is
        # exactly when the copy must not act as the original tenant.
        db_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        for connection in self:
            company = connection.company_id
            connection.tenant_id = f"odoo-{db_uuid}-{company.id}" if company else False

    @api.depends("client_secret", "embed_secret", "internal_app_client_secret", "refresh_token")
    def _compute_has_secrets(self):
        for connection in self:
            connection_sudo = connection.sudo()
            connection.has_client_secret = bool(connection_sudo.client_secret)
            connection.has_embed_secret = bool(connection_sudo.embed_secret)
            connection.has_internal_app_client_secret = bool(
                connection_sudo.internal_app_client_secret
            )
            connection.has_tokens = bool(connection_sudo.refresh_token)

    @api.constrains(*CREDENTIAL_FIELDS, "datacenter")
    def _check_credentials_shape(self):
        for connection in self.sudo():
            problems = connection._credential_problems()
            if problems:
                raise ValidationError(
                    self.env._(
                        "Cronofy settings of %(company)s: %(problems)s",
                        **{"company": connection.company_id.name, "problems": " ".join(problems)},
                    )
                )

    def _credential_problems(self):
        """Readable sentences for malformed values (never echoing a secret)."""
        self.ensure_one()
        problems = []
        labels = {
            name: self._fields[name]._description_string(self.env) for name in CREDENTIAL_FIELDS
        }
        for name in CREDENTIAL_FIELDS:
            value = self[name]
            if value and any(c.isspace() for c in value):
                problems.append(
                    self.env._("%s must not contain spaces or line breaks.", labels[name])
                )
        for name, prefix in CREDENTIAL_PREFIXES.items():
            value = self[name]
            if value and not value.startswith(prefix):
                problems.append(
                    self.env._(
                        "%(field)s must start with %(prefix)s (Cronofy's %(prefix)s... "
                        "value from the Developer Dashboard).",
                        **{"field": labels[name], "prefix": prefix},
                    )
                )
        if self.embed_public_key and self.embed_public_key.startswith("ESK_"):
            problems.append(self.env._("The embed public key field holds an embed secret."))
        if self.client_id and self.client_id.startswith(tuple(CREDENTIAL_PREFIXES.values())):
            problems.append(
                self.env._(
                    "%(field)s holds a secret or key (it starts with %(prefix)s): paste the "
                    "client ID there.",
                    field=labels["client_id"],
                    prefix=self.client_id[:4],
                )
            )
        for name in ("api_base_url", "app_base_url"):
            url = self[name]
            if not url:
                continue
            try:
                resolve_endpoints(self.datacenter, **{name: url})
            except ConfigurationError as error:
                problems.append(f"{labels[name]}: {error}")
                continue
            official_dc = self._official_datacenter_of(url)
            if official_dc and official_dc != self.datacenter:
                problems.append(
                    self.env._(
                        "%(field)s points at the %(other)s data centre, but the data centre "
                        "is %(dc)s.",
                        **{
                            "field": labels[name],
                            "other": DATA_CENTERS[official_dc].label,
                            "dc": DATA_CENTERS[self.datacenter].label,
                        },
                    )
                )
        return problems

    @staticmethod
    def _official_datacenter_of(url):
        host = (urlsplit(url).hostname or "").lower()
        if host not in OFFICIAL_HOSTS:
            return None
        return next(code for code, dc in DATA_CENTERS.items() if host in (dc.api_host, dc.app_host))

    # ---------------------------------------------------------------------------------
    # CRUD
    # ---------------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._stripped(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._stripped(vals))

    @api.model
    def _stripped(self, vals):
        """Pasted credentials often carry a trailing space or newline; an empty value
        means "not set"."""
        cleaned = dict(vals)
        for name in CREDENTIAL_FIELDS:
            if isinstance(cleaned.get(name), str):
                cleaned[name] = cleaned[name].strip() or False
        return cleaned

    # ---------------------------------------------------------------------------------
    # lookups used by controllers and crons (always sudo)
    # ---------------------------------------------------------------------------------

    @api.model
    def _for_company(self, company):
        """The company's connection (sudo), created when it does not exist yet."""
        company.ensure_one()
        connection_sudo = self.sudo().search([("company_id", "=", company.id)], limit=1)
        if not connection_sudo:
            connection_sudo = self.sudo().create({"company_id": company.id})
        return connection_sudo

    @api.model
    def _by_webhook_key(self, key):
        """The connection owning ``key`` (sudo), or an empty recordset. Callers must
        answer an unknown key exactly as any other refusal."""
        if not key or not isinstance(key, str):
            return self.sudo().browse()
        return self.sudo().search([("webhook_key", "=", key)], limit=1)

    @api.model
    def _action_open_connections(self):
        """Menu entry: make sure every company the admin works with has a record, so
        the list shows all of them, then open it."""
        for company in self.env.user.company_ids:
            self._for_company(company)
        return self.env["ir.actions.act_window"]._for_xml_id(
            "hr_recruitment_cronofy.cronofy_connection_action"
        )

    # ---------------------------------------------------------------------------------
    # configuration checks
    # ---------------------------------------------------------------------------------

    def _missing_settings(self, *, embed=True, api=True, oauth=False):
        self.ensure_one()
        connection_sudo = self.sudo()
        wanted = []
        if embed:
            wanted += ["embed_public_key", "embed_secret"]
        if oauth or (api and connection_sudo.api_access_mode == "organization_connect"):
            wanted += ["client_id", "client_secret"]
        if api and connection_sudo.api_access_mode == "internal_application":
            wanted += ["internal_app_client_secret"]
        return [
            self._fields[name]._description_string(self.env)
            for name in wanted
            if not connection_sudo[name]
        ]

    def _check_configured(self, *, embed=True, api=True, oauth=False):
        """Raise a UserError naming every missing setting for what the caller needs:
        ``embed`` (embed token), ``api`` (Scheduler API in the chosen access mode),
        ``oauth`` (the Organization Connect flow)."""
        self.ensure_one()
        missing = self._missing_settings(embed=embed, api=api, oauth=oauth)
        if missing:
            raise UserError(
                self.env._(
                    "Cronofy is not configured for %(company)s: %(missing)s missing. "
                    "Fill them in under Settings > Recruitment > Cronofy.",
                    **{"company": self.company_id.name, "missing": ", ".join(missing)},
                )
            )

    def _endpoints(self):
        self.ensure_one()
        try:
            return resolve_endpoints(
                self.datacenter,
                api_base_url=self.api_base_url or None,
                app_base_url=self.app_base_url or None,
            )
        except ConfigurationError as error:
            raise UserError(str(error)) from None

    # ---------------------------------------------------------------------------------
    # embed token and embedded sign-up
    # ---------------------------------------------------------------------------------

    def _embed_token(self, audience="scheduler_embed"):
        """A freshly signed Embed Token carrying this company's tenant."""
        self.ensure_one()
        connection_sudo = self.sudo()
        connection_sudo._check_configured(embed=True, api=False)
        try:
            return build_embed_token(
                connection_sudo.embed_public_key,
                connection_sudo.embed_secret,
                audience=audience,
                tenant_id=connection_sudo.tenant_id,
                tenant_name=connection_sudo.company_id.name,
            )
        except ConfigurationError as error:
            raise UserError(str(error)) from None

    def _embedded_sign_up_url(self):
        self.ensure_one()
        token = self._embed_token()
        try:
            return embedded_sign_up_url(token, app_base_url=self._endpoints().app_base_url)
        except ConfigurationError as error:
            raise UserError(str(error)) from None

    # ---------------------------------------------------------------------------------
    # webhook
    # ---------------------------------------------------------------------------------

    def _webhook_secrets(self):
        """Client secrets a ``Cronofy-HMAC-SHA256`` signature may be made with."""
        self.ensure_one()
        connection_sudo = self.sudo()
        candidates = (
            connection_sudo.client_secret,
            connection_sudo.previous_client_secret,
            connection_sudo.internal_app_client_secret,
        )
        return [secret for secret in candidates if secret]

    def action_rotate_webhook_key(self):
        """A new key invalidates the old URL at once: paste the new one into Cronofy."""
        check_groups(self, SYSTEM, self.env._("Rotating the Cronofy webhook key"))
        self.check_access("write")
        for connection in self:
            connection.sudo().webhook_key = _new_webhook_key()
        return True

    def action_test_connection(self):
        """Form button: test and report in a notification (the form then reloads)."""
        check_groups(self, SYSTEM, self.env._("Testing the Cronofy connection"))
        self.ensure_one()
        self.check_access("write")
        return self._test_connection_notification(self._test_connection())

    # ---------------------------------------------------------------------------------
    # OAuth2 Organization Connect
    # ---------------------------------------------------------------------------------

    def _oauth_client(self):
        self.ensure_one()
        connection_sudo = self.sudo()
        endpoints = self._endpoints()
        try:
            return OrganizationConnect(
                connection_sudo.client_id,
                connection_sudo.client_secret,
                api_base_url=endpoints.api_base_url,
                app_base_url=endpoints.app_base_url,
            )
        except ConfigurationError as error:
            raise UserError(str(error)) from None

    def _oauth_redirect_uri(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        return base_url.rstrip("/") + OAUTH_CALLBACK_PATH

    def _oauth_authorization_url(self):
        """Start Organization Connect: a new single-use nonce, a signed state bound to
        this company and the current admin, and Cronofy's consent URL."""
        self.ensure_one()
        if not self.env.user._is_system():
            raise UserError(self.env._("Only administrators can authorize Cronofy API access."))
        connection_sudo = self.sudo()
        connection_sudo._check_configured(embed=False, api=False, oauth=True)
        nonce = secrets.token_urlsafe(24)
        state = self._sign_oauth_state(
            {
                "company_id": connection_sudo.company_id.id,
                "user_id": self.env.uid,
                "nonce": nonce,
                "expires": int(time.time() + OAUTH_STATE_LIFETIME.total_seconds()),
            }
        )
        url = connection_sudo._oauth_client().authorization_url(state, self._oauth_redirect_uri())
        # Only the latest authorization attempt can complete.
        connection_sudo.oauth_state_nonce = nonce
        return url

    @api.model
    def _sign_oauth_state(self, payload):
        body = base64.urlsafe_b64encode(json.dumps(payload, sort_keys=True).encode()).decode()
        signature = tools.misc.hmac(self.env(su=True), OAUTH_STATE_SCOPE, body)
        return f"{body}.{signature}"

    @api.model
    def _verify_oauth_state(self, state):
        """The payload of a state this database signed, unexpired; else OAuthStateError
        saying why. Does not check the nonce (``_consume_oauth_nonce`` does)."""
        body, _sep, signature = (state or "").rpartition(".")
        expected = tools.misc.hmac(self.env(su=True), OAUTH_STATE_SCOPE, body) if body else ""
        if not body or not signature or not consteq(signature, expected):
            raise OAuthStateError(
                self.env._(
                    "The authorization answer was not issued by this database or was "
                    "altered. Start again with 'Authorize API access'."
                )
            )
        try:
            payload = json.loads(base64.urlsafe_b64decode(body.encode()))
            company_id = int(payload["company_id"])
            user_id = int(payload["user_id"])
            expires = int(payload["expires"])
            nonce = str(payload["nonce"])
        except (ValueError, TypeError, KeyError):
            raise OAuthStateError(self.env._("The authorization answer is malformed.")) from None
        if time.time() > expires:
            raise OAuthStateError(
                self.env._(
                    "The authorization took longer than %(minutes)s minutes and expired. "
                    "Start again with 'Authorize API access'.",
                    **{"minutes": int(OAUTH_STATE_LIFETIME.total_seconds() // 60)},
                )
            )
        return {"company_id": company_id, "user_id": user_id, "nonce": nonce}

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

    @staticmethod
    def _token_values(token):
        expires_at = token.expires_at
        if expires_at is not None:
            expires_at = expires_at.astimezone(UTC).replace(tzinfo=None)
        return {
            "access_token": token.access_token,
            "refresh_token": token.refresh_token,
            "token_expires_at": expires_at or False,
            "token_scope": token.scope or False,
            "organization_sub": token.sub or token.account_id or False,
        }

    def _token_expiring(self):
        self.ensure_one()
        expires_at = self.sudo().token_expires_at
        return bool(expires_at) and fields.Datetime.now() + REFRESH_MARGIN >= expires_at

    def _valid_access_token(self, *, force_refresh=False):
        """The Organization Connect access token, refreshed first when it expires
        within 5 minutes (or when ``force_refresh``, after a 401). Race-free: the
        refresh happens with the row locked in a cursor of its own, and a worker
        that waited for the lock re-reads and uses the token the other one got."""
        self.ensure_one()
        connection_sudo = self.sudo()
        if not connection_sudo.refresh_token:
            raise UserError(
                self.env._(
                    "Cronofy API access is not authorized for %s. Use 'Authorize API "
                    "access' in Settings > Recruitment > Cronofy.",
                    connection_sudo.company_id.name,
                )
            )
        if not force_refresh and not connection_sudo._token_expiring():
            return connection_sudo.access_token
        stale_token = connection_sudo.access_token
        failure = None
        with self._locked_own_cursor() as locked:
            still_stale = locked._token_expiring() or (
                force_refresh and locked.access_token == stale_token
            )
            if still_stale:
                try:
                    oauth = locked._oauth_client()
                    with contextlib.closing(oauth):
                        token = oauth.refresh(locked.refresh_token)
                except (CronofyError, UserError) as error:
                    failure = self._describe_error(
                        error, action=self.env._("Refreshing the access token")
                    )
                    locked.write(locked._failure_values(failure))
                else:
                    locked.write(
                        dict(
                            self._token_values(token),
                            state="connected",
                            last_error=False,
                        )
                    )
            access_token = locked.access_token
        self.invalidate_recordset()
        if failure:
            raise UserError(failure)
        return access_token

    def _scheduler_client(self, retry_policy=DEFAULT_RETRY_POLICY):
        """A SchedulerClient authenticated for this company. In Organization Connect
        mode the token may be refreshed first (HTTP + commit in its own cursor): call
        this from crons, queued jobs and controllers, not inside a recruiter's
        transaction."""
        self.ensure_one()
        connection_sudo = self.sudo()
        connection_sudo._check_configured(embed=False, api=True)
        endpoints = self._endpoints()
        if connection_sudo.api_access_mode == "internal_application":
            bearer = connection_sudo.internal_app_client_secret
        else:
            if connection_sudo.token_api_url and connection_sudo.token_api_url != (
                endpoints.api_base_url
            ):
                raise UserError(
                    self.env._(
                        "The Cronofy tokens of %(company)s were issued by %(issuer)s, but "
                        "the data centre settings now point at %(current)s. Restore the "
                        "previous data centre or authorize API access again.",
                        **{
                            "company": connection_sudo.company_id.name,
                            "issuer": connection_sudo.token_api_url,
                            "current": endpoints.api_base_url,
                        },
                    )
                )
            bearer = self._valid_access_token()
        try:
            return SchedulerClient(
                bearer, base_url=endpoints.api_base_url, retry_policy=retry_policy
            )
        except ConfigurationError as error:
            raise UserError(str(error)) from None

    def _test_connection(self):
        """Run every setup check (HTTP to Cronofy) and record the lines and the
        summary in a cursor of their own. Returns None when no line failed, else
        the failed lines with their fixes."""
        self.ensure_one()
        lines = self._setup_check_lines()
        state, summary, message = self._summarize_checks(lines)
        self._write_in_own_cursor(
            {
                "check_results": lines,
                "state": state,
                "last_error": summary,
                "last_checked": fields.Datetime.now(),
            }
        )
        _logger.info(
            "Cronofy: company %s tested: %s",
            self.company_id.id,
            ", ".join(f"{line['key']} {line['status']}" for line in lines),
        )
        return message

    def _query_scheduler_once(self):
        """One Scheduler API query for a request that cannot exist (raises on failure).
        With Organization Connect, a refused access token is refreshed once."""
        self.ensure_one()
        try:
            with self._scheduler_client() as client:
                client.query_scheduling_requests([CONNECTION_TEST_REQUEST_ID])
        except UnauthorizedError:
            if self.sudo().api_access_mode != "organization_connect":
                raise
            # The access token may have been revoked or expired early: one refresh.
            self._valid_access_token(force_refresh=True)
            with self._scheduler_client() as client:
                client.query_scheduling_requests([CONNECTION_TEST_REQUEST_ID])

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

    # ---------------------------------------------------------------------------------
    # status bookkeeping
    # ---------------------------------------------------------------------------------

    def _failure_values(self, message):
        """A failure never destroys a working connection: with tokens (or a usable
        internal secret) the state stays as it was and only the message is kept."""
        self.ensure_one()
        values = {"last_error": message, "last_checked": fields.Datetime.now()}
        connection_sudo = self.sudo()
        usable = connection_sudo.refresh_token or (
            connection_sudo.api_access_mode == "internal_application"
        )
        if not usable or connection_sudo.state != "connected":
            values["state"] = "error"
        return values

    def _record_failure(self, message):
        self.ensure_one()
        _logger.info("Cronofy: company %s: %s", self.company_id.id, message)
        self._write_in_own_cursor(self._failure_values(message))

    def _describe_error(self, error, *, action):
        """One sentence for the admin. Protocol errors carry no secrets by design."""
        if isinstance(error, UserError):
            detail = error.args[0]
        elif isinstance(error, BadRequestError) and error.error == "invalid_client":
            detail = self.env._(
                "Cronofy did not recognise the client id and secret. Check them and that "
                "the data centre is the one your Cronofy application was created in."
            )
        elif isinstance(error, BadRequestError) and error.error == "invalid_grant":
            detail = self.env._(
                "Cronofy refused the authorization (expired, already used or revoked). "
                "Authorize API access again."
            )
        elif isinstance(error, UnauthorizedError):
            detail = self.env._(
                "Cronofy refused the credentials (401). Check the secret, the data "
                "centre, or authorize API access again."
            )
        elif isinstance(error, CronofyApiError):
            detail = self.env._("Cronofy could not be reached or failed: %s", error)
        else:
            detail = str(error)
        return self.env._("%(action)s failed: %(detail)s", **{"action": action, "detail": detail})

    @contextlib.contextmanager
    def _locked_own_cursor(self):
        """Yield this connection (sudo) in a new cursor holding its row lock; commit on
        exit. A serialization failure means another worker updated the row while we
        waited for the lock: start over with a fresh snapshot."""
        for attempt in range(3):
            with self.env.registry.cursor() as cr:
                try:
                    cr.execute(ROW_LOCK_TIMEOUT_SQL)
                    cr.execute(
                        "SELECT id FROM cronofy_connection WHERE id = %s FOR UPDATE",
                        [self.id],
                    )
                except psycopg2.errors.SerializationFailure:
                    cr.rollback()
                    if attempt == 2:
                        raise
                    continue
                except psycopg2.errors.LockNotAvailable:
                    cr.rollback()
                    raise UserError(
                        self.env._(
                            "The Cronofy connection of %s is busy (another worker holds "
                            "it). Try again in a moment.",
                            self.company_id.name,
                        )
                    ) from None
                yield self.with_env(self.env(cr=cr)).sudo()
                return

    def _write_in_own_cursor(self, values):
        self.ensure_one()
        with self._locked_own_cursor() as locked:
            locked.write(values)
        self.invalidate_recordset()
