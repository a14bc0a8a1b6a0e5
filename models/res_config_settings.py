"""Settings > Recruitment > Cronofy: the current company's ``cronofy.connection``.

Plain settings are related fields written through to the connection. Secrets are
write-only here: the form always reads them as empty (so they never reach a
browser), shows whether one is set, and a typed value replaces the stored one.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import config

from .access import SYSTEM, check_groups
from .cronofy_scheduling_queue import MAX_SENDING_LANES, SENDING_LANES_PARAM

SECRET_SETTINGS = {
    "cronofy_client_secret": "client_secret",
    "cronofy_previous_client_secret": "previous_client_secret",
    "cronofy_embed_secret": "embed_secret",
    "cronofy_internal_app_client_secret": "internal_app_client_secret",
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    cronofy_connection_id = fields.Many2one(
        "cronofy.connection", compute="_compute_cronofy_connection_id", groups="base.group_system"
    )
    cronofy_datacenter = fields.Selection(
        related="cronofy_connection_id.datacenter", readonly=False, groups="base.group_system"
    )
    cronofy_client_id = fields.Char(
        related="cronofy_connection_id.client_id", readonly=False, groups="base.group_system"
    )
    cronofy_embed_public_key = fields.Char(
        related="cronofy_connection_id.embed_public_key",
        readonly=False,
        groups="base.group_system",
    )
    cronofy_api_access_mode = fields.Selection(
        related="cronofy_connection_id.api_access_mode",
        readonly=False,
        groups="base.group_system",
    )
    cronofy_api_base_url = fields.Char(
        related="cronofy_connection_id.api_base_url", readonly=False, groups="base.group_system"
    )
    cronofy_app_base_url = fields.Char(
        related="cronofy_connection_id.app_base_url", readonly=False, groups="base.group_system"
    )
    # Write-only secrets (see the module docstring).
    cronofy_client_secret = fields.Char(
        string="Client Secret",
        compute="_compute_cronofy_secrets",
        inverse="_inverse_cronofy_secrets",
        groups="base.group_system",
    )
    cronofy_previous_client_secret = fields.Char(
        string="Previous Client Secret",
        compute="_compute_cronofy_secrets",
        inverse="_inverse_cronofy_secrets",
        groups="base.group_system",
    )
    cronofy_embed_secret = fields.Char(
        string="Embed Secret",
        compute="_compute_cronofy_secrets",
        inverse="_inverse_cronofy_secrets",
        groups="base.group_system",
    )
    cronofy_internal_app_client_secret = fields.Char(
        string="Internal Application Secret",
        compute="_compute_cronofy_secrets",
        inverse="_inverse_cronofy_secrets",
        groups="base.group_system",
    )
    cronofy_has_client_secret = fields.Boolean(
        related="cronofy_connection_id.has_client_secret", groups="base.group_system"
    )
    cronofy_has_embed_secret = fields.Boolean(
        related="cronofy_connection_id.has_embed_secret", groups="base.group_system"
    )
    cronofy_has_internal_app_client_secret = fields.Boolean(
        related="cronofy_connection_id.has_internal_app_client_secret",
        groups="base.group_system",
    )
    cronofy_has_tokens = fields.Boolean(
        related="cronofy_connection_id.has_tokens", groups="base.group_system"
    )
    # Status, read-only.
    cronofy_state = fields.Selection(
        related="cronofy_connection_id.state", groups="base.group_system"
    )
    cronofy_last_error = fields.Text(
        related="cronofy_connection_id.last_error", groups="base.group_system"
    )
    cronofy_last_checked = fields.Datetime(
        related="cronofy_connection_id.last_checked", groups="base.group_system"
    )
    cronofy_token_expires_at = fields.Datetime(
        related="cronofy_connection_id.token_expires_at", groups="base.group_system"
    )
    cronofy_token_scope = fields.Char(
        related="cronofy_connection_id.token_scope", groups="base.group_system"
    )
    cronofy_organization_sub = fields.Char(
        related="cronofy_connection_id.organization_sub", groups="base.group_system"
    )
    cronofy_webhook_url = fields.Char(
        related="cronofy_connection_id.webhook_url", groups="base.group_system"
    )
    cronofy_push_status = fields.Selection(
        related="cronofy_connection_id.push_status", groups="base.group_system"
    )
    cronofy_push_last_received_at = fields.Datetime(
        related="cronofy_connection_id.push_last_received_at", groups="base.group_system"
    )
    cronofy_push_status_message = fields.Text(
        related="cronofy_connection_id.push_status_message", groups="base.group_system"
    )
    cronofy_tenant_id = fields.Char(
        related="cronofy_connection_id.tenant_id", groups="base.group_system"
    )
    cronofy_embed_script_url = fields.Char(
        related="cronofy_connection_id.embed_script_url",
        readonly=False,
        groups="base.group_system",
    )
    # Test connection's lines and the setup checklist, rendered by the connection.
    cronofy_check_results_html = fields.Html(
        related="cronofy_connection_id.check_results_html", groups="base.group_system"
    )
    cronofy_setup_checklist_html = fields.Html(
        related="cronofy_connection_id.setup_checklist_html", groups="base.group_system"
    )

    # Not per company: the senders are cron records of the whole database.
    cronofy_sending_lanes = fields.Integer(
        "Parallel Link Senders",
        compute="_compute_cronofy_sending_lanes",
        inverse="_inverse_cronofy_sending_lanes",
        groups="base.group_system",
        help="How many cron workers send queued scheduling links at once (1 to 8), across "
        "all your Odoo servers. Cronofy's rate limit per application still applies.",
    )
    cronofy_cron_workers_here = fields.Integer(
        "Cron Workers of This Server",
        compute="_compute_cronofy_sending_lanes",
        groups="base.group_system",
    )

    cronofy_sending_lanes_warning = fields.Char(
        compute="_compute_cronofy_sending_lanes_warning", groups="base.group_system"
    )

    @api.depends("company_id")
    def _compute_cronofy_sending_lanes(self):
        lanes = self.env["cronofy.scheduling.request"]._sending_lanes_wanted()
        for settings in self:
            settings.cronofy_sending_lanes = lanes
            settings.cronofy_cron_workers_here = config["max_cron_threads"]

    @api.depends("cronofy_sending_lanes", "cronofy_cron_workers_here")
    def _compute_cronofy_sending_lanes_warning(self):
        # Only this server's cron workers are known here: others may run more.
        for settings in self:
            lanes, workers = settings.cronofy_sending_lanes, settings.cronofy_cron_workers_here
            warning = False
            if lanes > workers:
                warning = self.env._(
                    "%(lanes)s senders, but this server runs %(workers)s cron worker(s): "
                    "unless other Odoo servers run cron workers on this database, the "
                    "senders take turns instead of sending at the same time.",
                    lanes=lanes,
                    workers=workers,
                )
            elif lanes == workers:
                warning = self.env._(
                    "The senders may keep all %(workers)s cron worker(s) of this server busy "
                    "during a large send: unless other Odoo servers run cron workers on this "
                    "database, bookings coming back from Cronofy may then wait up to a "
                    "minute before they are applied.",
                    workers=workers,
                )
            settings.cronofy_sending_lanes_warning = warning

    def _inverse_cronofy_sending_lanes(self):
        for settings in self:
            check_groups(settings, SYSTEM, self.env._("Changing the parallel link senders"))
            lanes = settings.cronofy_sending_lanes
            if not 1 <= lanes <= MAX_SENDING_LANES:
                raise UserError(
                    self.env._(
                        "Parallel link senders must be between 1 and %(max)s (you entered "
                        "%(lanes)s).",
                        max=MAX_SENDING_LANES,
                        lanes=lanes,
                    )
                )
            self.env["ir.config_parameter"].sudo().set_param(SENDING_LANES_PARAM, lanes)
            self.env["cronofy.scheduling.request"]._sync_sending_lanes()

    @api.depends("company_id")
    def _compute_cronofy_connection_id(self):
        for settings in self:
            settings.cronofy_connection_id = self.env["cronofy.connection"]._for_company(
                settings.company_id or self.env.company
            )

    def _compute_cronofy_secrets(self):
        for settings in self:
            for field_name in SECRET_SETTINGS:
                settings[field_name] = False

    def _inverse_cronofy_secrets(self):
        for settings in self:
            values = {
                target: settings[field_name]
                for field_name, target in SECRET_SETTINGS.items()
                if settings[field_name]
            }
            if values:
                settings.cronofy_connection_id.write(values)

    # ---------------------------------------------------------------------------------
    # buttons
    # ---------------------------------------------------------------------------------

    def _cronofy_connection(self):
        """The connection of the settings' company, which the (admin) caller must be
        allowed to change: a settings record names any company it is given."""
        self.ensure_one()
        connection = self.cronofy_connection_id
        connection.check_access("write")
        return connection

    def action_cronofy_connect(self):
        """Open Cronofy's embedded sign-up with a freshly signed embed token."""
        check_groups(self, SYSTEM, self.env._("Connecting the company to Cronofy"))
        connection = self._cronofy_connection()
        url = connection._embedded_sign_up_url()
        connection._note_sign_up_opened()
        return {"type": "ir.actions.act_url", "url": url, "target": "new"}

    def action_cronofy_authorize(self):
        check_groups(self, SYSTEM, self.env._("Authorizing Cronofy API access"))
        url = self._cronofy_connection()._oauth_authorization_url()
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def action_cronofy_disconnect(self):
        check_groups(self, SYSTEM, self.env._("Disconnecting the company from Cronofy"))
        warning = self._cronofy_connection()._disconnect()
        if warning:
            return self._cronofy_notification(warning, "warning")
        return self._cronofy_notification(
            self.env._("Disconnected: the tokens were revoked and forgotten."), "success"
        )

    def action_cronofy_test_connection(self):
        """Test what is on the screen. The button has ``noSaveDialog``: the web client
        saves the settings record first (which writes the Cronofy fields through to
        the connection); ``execute`` then applies every other setting on the page, as
        Save would, and the test runs on the saved values."""
        check_groups(self, SYSTEM, self.env._("Testing the Cronofy connection"))
        connection = self._cronofy_connection()
        if self._cronofy_module_changes():
            raise UserError(
                self.env._(
                    "Other settings on this page install or remove applications: click "
                    "Save first, then Test connection."
                )
            )
        self.execute()
        return connection._test_connection_notification(connection._test_connection())

    def _cronofy_module_changes(self):
        """True when saving would install or uninstall a module (``execute`` would
        then reload the registry under this request)."""
        modules = self._get_classified_fields()["module"]
        return any(
            bool(self[f"module_{module.name}"]) != (module.state in ("installed", "to upgrade"))
            for module in modules
        )

    def action_cronofy_rotate_webhook_key(self):
        check_groups(self, SYSTEM, self.env._("Rotating the Cronofy webhook key"))
        self._cronofy_connection().action_rotate_webhook_key()
        return self._cronofy_notification(
            self.env._(
                "New webhook URL generated. Paste it into Cronofy: the old one no longer works."
            ),
            "warning",
        )

    def _cronofy_notification(self, message, kind):
        # soft_reload re-reads the settings so the status shown is the new one.
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Cronofy"),
                "message": message,
                "type": kind,
                "sticky": kind in ("danger", "warning"),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
