"""Email templates used by scheduling templates keep their scheduling link."""

from odoo import api, models


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.constrains("body_html")
    def _check_cronofy_scheduling_link(self):
        # The same refusal as on the scheduling template, for the other way to lose the
        # link: editing the email template after it was chosen. Archived scheduling
        # templates count too: they can be restored, and their queued requests still
        # send this mail.
        users_by_mail = (
            self.env["cronofy.scheduling.template"]
            .sudo()
            .with_context(active_test=False)
            .search([("mail_template_id", "in", self.ids)])
            .grouped("mail_template_id")
        )
        for mail, users in users_by_mail.items():
            users._cronofy_check_mail_link(mail)
