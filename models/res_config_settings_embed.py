from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    cronofy_embed_script_url = fields.Char(
        related="cronofy_connection_id.embed_script_url",
        readonly=False,
        groups="base.group_system",
    )
