import hashlib

from odoo import models


class CronofyConnection(models.Model):
    _inherit = "cronofy.connection"

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
