"""A line in the composer saying that the scheduling link shown in the message is a
stand-in, created (and put in its place) when the recruiter clicks Send."""

from odoo import api, fields, models

from .mail_compose_message import PENDING_LINK


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    cronofy_link_created_on_send = fields.Boolean(
        compute="_compute_cronofy_link_created_on_send",
        help="The message shows the stand-in scheduling link: Send creates the real one.",
    )

    @api.depends("body", "model")
    def _compute_cronofy_link_created_on_send(self):
        for composer in self:
            composer.cronofy_link_created_on_send = bool(
                composer.model == "hr.applicant" and PENDING_LINK in str(composer.body or "")
            )
