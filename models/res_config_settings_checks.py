from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    cronofy_check_results_html = fields.Html(
        related="cronofy_connection_id.check_results_html", groups="base.group_system"
    )
    cronofy_setup_checklist_html = fields.Html(
        related="cronofy_connection_id.setup_checklist_html", groups="base.group_system"
    )
