"""Where the recruiter's browser loads Cronofy's Embedded Scheduler from, per company.

Cronofy documents the element (``<cronofy-scheduler-button>``) but no stable CDN URL
for its script (contract 1.2 [U]), so for real Cronofy the administrator must paste
the URL their Cronofy onboarding gave them. When the app base URL is overridden (the
local simulator) the simulator serves the element itself and the URL may stay empty.
"""

from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..cronofy_protocol import is_loopback, probe_embed_script

SIMULATOR_SCRIPT_PATH = "/embed/scheduler-embed.js"


class CronofyConnection(models.Model):
    _inherit = "cronofy.connection"

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

    def _embed_script_url(self):
        """The URL to load, or None when the administrator still has to configure it."""
        self.ensure_one()
        if self.embed_script_url:
            return self.embed_script_url.strip()
        if self.app_base_url:
            return self._endpoints().app_base_url + SIMULATOR_SCRIPT_PATH
        return None

    def _embed_script_problem(self):
        """Fetch the configured script once (Test connection only) and say what is
        wrong with it for the recruiter's browser, or None when it would load."""
        self.ensure_one()
        url = self._embed_script_url()
        if not url:
            return self.env._(
                "The Embedded Scheduler script URL is not set, so the mail composer cannot "
                "create scheduling links (stage automation still can). Cronofy ships the "
                "Scheduler as the npm package cronofy-scheduler-embed: serve its built module "
                "over https and paste the URL under Settings > Recruitment > Cronofy."
            )
        probe = probe_embed_script(url)
        if probe.ok:
            return None
        return self.env._(
            "The Embedded Scheduler script at %(url)s cannot be used: %(detail)s.",
            url=url,
            detail=probe.detail,
        )
