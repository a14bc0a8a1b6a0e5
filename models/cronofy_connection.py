"""One company's connection to Cronofy: the record, its credentials, tokens and clients.

Exactly one record per company (created on demand by ``_for_company``). Every secret
or token field is readable by system administrators only (``groups``), is never
copied, and is never logged. Everything that talks to Cronofy goes through the
``cronofy_protocol`` package; this model only maps its objects to fields.

This file holds the record: its fields and state, the credentials (storage,
stripping, validation), the embed token and script, the webhook key and URL, the
tokens and the client factory. Its other jobs are AbstractModels it inherits, one
file each, none overriding another's methods:

- ``cronofy.connection.status`` (cronofy_connection_status.py): status and token
  writes committed in a cursor of their own with the row locked;
- ``cronofy.connection.oauth`` (cronofy_connection_oauth.py): the Odoo side of
  Organization Connect (state key, nonce, code exchange, disconnect);
- ``cronofy.connection.checks`` (cronofy_connection_checks.py): Test connection,
  its lines and the setup checklist;
- ``cronofy.connection.push`` (cronofy_connection_push.py): push notification
  health (refusals, silence, the inbox count).

Fields that only one job computes or writes (the checks' lines, the push health)
are declared beside that job; they are columns and fields of this record all the
same.
"""

import contextlib
import hashlib
import secrets
from datetime import UTC, timedelta
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import frozendict, ormcache

from ..cronofy_protocol import (
    DATA_CENTERS,
    DEFAULT_RETRY_POLICY,
    ConfigurationError,
    CronofyError,
    OrganizationConnect,
    SchedulerClient,
    build_embed_token,
    embedded_sign_up_url,
    is_loopback,
    official_data_center_of,
    resolve_endpoints,
)
from .access import SYSTEM, check_groups

DATACENTER_SELECTION = [(code, dc.label) for code, dc in DATA_CENTERS.items()]
REFRESH_MARGIN = timedelta(minutes=5)
WEBHOOK_PATH = "/cronofy/webhook/"
SIMULATOR_SCRIPT_PATH = "/embed/scheduler-embed.js"

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

# The client secrets a Cronofy-HMAC-SHA256 signature may be made with: the current
# one, the one before a rotation, and an internal application's.
WEBHOOK_SIGNING_SECRETS = (
    "client_secret",
    "previous_client_secret",
    "internal_app_client_secret",
)

# What the intake's cached map of webhook keys holds (see _webhook_recipients).
WEBHOOK_RECIPIENT_FIELDS = frozenset({"webhook_key", "company_id", *WEBHOOK_SIGNING_SECRETS})

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


class CronofyConnection(models.Model):
    _name = "cronofy.connection"
    _inherit = [
        "cronofy.connection.status",
        "cronofy.connection.oauth",
        "cronofy.connection.checks",
        "cronofy.connection.push",
    ]
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
    # -- Embedded Scheduler ------------------------------------------------------------
    # Cronofy documents the element (``<cronofy-scheduler-button>``) but no stable CDN
    # URL for its script (contract 1.2 [U]), so for real Cronofy the administrator
    # pastes the URL their Cronofy onboarding gave them. When the app base URL is
    # overridden (the local simulator) the simulator serves the element itself.
    embed_script_url = fields.Char(
        string="Embedded Scheduler Script URL",
        copy=False,
        help="The ES module defining <cronofy-scheduler-button>, loaded by the recruiter's "
        "browser. Cronofy ships it as the npm package cronofy-scheduler-embed and publishes "
        "no hosted URL: serve the package's built module from your own web server or a CDN "
        "that serves npm packages, over https, and paste its URL here. Test connection "
        "fetches it and checks that it serves JavaScript defining the element. Leave empty "
        "with a local simulator (App Base URL set): its own script is used.",
    )
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
        for connection in self:
            key = connection.sudo().webhook_key
            # get_base_url: the public address Cronofy posts notifications to.
            base_url = (connection.get_base_url() or "").rstrip("/")
            connection.webhook_url = f"{base_url}{WEBHOOK_PATH}{key}" if key else False

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
            official_dc = official_data_center_of(url)
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

    @api.constrains("embed_script_url")
    def _check_embed_script_url(self):
        for connection in self:
            problem = connection._embed_script_url_problem()
            if problem:
                raise ValidationError(problem)

    def _embed_script_url_problem(self):
        """A sentence when the configured URL cannot be loaded safely, else None. The
        script runs inside the recruiter's Odoo session: https only, except loopback."""
        url = (self.embed_script_url or "").strip()
        if not url:
            return None
        try:
            parts = urlsplit(url)
            hostname = (parts.hostname or "").lower()
        except ValueError:
            hostname = ""
        if not hostname or parts.username or parts.password:
            return self.env._("The Embedded Scheduler script URL is not a valid web address.")
        if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(hostname)):
            return None
        return self.env._(
            "The Embedded Scheduler script URL must use https (plain http is accepted for "
            "a local simulator only)."
        )

    # ---------------------------------------------------------------------------------
    # CRUD
    # ---------------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        connections = super().create([self._stripped(vals) for vals in vals_list])
        self.env.registry.clear_cache()  # _webhook_recipients
        return connections

    def write(self, vals):
        result = super().write(self._stripped(vals))
        if WEBHOOK_RECIPIENT_FIELDS.intersection(vals):
            self.env.registry.clear_cache()  # _webhook_recipients
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()  # _webhook_recipients
        return result

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
    def _webhook_recipient(self, key):
        """``(connection id, its signing secrets)`` for a webhook key, or None.
        Callers must answer an unknown key exactly as any other refusal."""
        if not key or not isinstance(key, str):
            return None
        return self._webhook_recipients().get(key)

    @api.model
    @ormcache()
    def _webhook_recipients(self):
        """Every connection's key, id and signing secrets, cached per process: the
        intake refuses an unknown key and checks a signature with no query. Any
        change to a key, a secret or the set of connections clears Odoo's registry
        cache, which every worker and server sees at its next request; the insert
        re-checks the connection and key in the database (``cronofy.notification
        ._store``) for what the cache cannot see, a company deleted with its
        connection by the database's cascade."""
        connections = (
            self.sudo()
            .with_context(active_test=False)
            .search_fetch([("webhook_key", "!=", False)], ["webhook_key", *WEBHOOK_SIGNING_SECRETS])
        )
        return frozendict(
            {
                connection.webhook_key: (connection.id, tuple(connection._webhook_secrets()))
                for connection in connections
            }
        )

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
    # embed token, embedded sign-up and the Scheduler's script
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

    def _embed_script_url(self):
        """The URL to load, or None when the administrator still has to configure it."""
        self.ensure_one()
        if self.embed_script_url:
            return self.embed_script_url.strip()
        if self.app_base_url:
            return self._endpoints().app_base_url + SIMULATOR_SCRIPT_PATH
        return None

    # ---------------------------------------------------------------------------------
    # webhook key and buttons
    # ---------------------------------------------------------------------------------

    def _webhook_secrets(self):
        """Client secrets a ``Cronofy-HMAC-SHA256`` signature may be made with."""
        self.ensure_one()
        connection_sudo = self.sudo()
        candidates = (connection_sudo[name] for name in WEBHOOK_SIGNING_SECRETS)
        return [secret for secret in candidates if secret]

    def action_rotate_webhook_key(self):
        """A new key invalidates the old URL at once: paste the new one into Cronofy."""
        check_groups(self, SYSTEM, self.env._("Rotating the Cronofy webhook key"))
        self.check_access("write")
        for connection in self:
            connection.sudo().webhook_key = _new_webhook_key()
        return True

    def action_open_notifications(self):
        check_groups(self, SYSTEM, self.env._("Opening the Cronofy notification inbox"))
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "hr_recruitment_cronofy.cronofy_notification_action"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    def action_test_connection(self):
        """Form button: test and report in a notification (the form then reloads)."""
        check_groups(self, SYSTEM, self.env._("Testing the Cronofy connection"))
        self.ensure_one()
        self.check_access("write")
        return self._test_connection_notification(self._test_connection())

    # ---------------------------------------------------------------------------------
    # rate limiting
    # ---------------------------------------------------------------------------------

    def _rate_limit_key(self):
        """Cronofy limits calls per application. In Organization Connect mode the
        application is the client id; an Internal Application is its own application,
        known here only by its secret (hashed: the key is not a secret store)."""
        self.ensure_one()
        connection_sudo = self.sudo()
        api_url = self._endpoints().api_base_url
        if connection_sudo.api_access_mode == "internal_application":
            secret = connection_sudo.internal_app_client_secret or ""
            digest = hashlib.sha256(secret.encode()).hexdigest()[:24]
            return f"{api_url}|internal:{digest}"
        return f"{api_url}|client:{connection_sudo.client_id}"

    # ---------------------------------------------------------------------------------
    # clients and tokens
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
