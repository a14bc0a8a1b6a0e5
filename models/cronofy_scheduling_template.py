"""A Cronofy scheduling template as Odoo knows it: which ``sgr_...`` template to create
requests from, for which company, and which mail carries the link to the candidate.

Cronofy has no API to list templates (contract 4.7 [U]): the recruitment manager copies
the id from the template's "Developer Details" in Cronofy's dashboard.
"""

import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Cronofy shows template ids as ``sgr_`` followed by letters and digits; anything else
# is a paste error (a name, a URL, a space) that would only fail later at Cronofy.
TEMPLATE_ID_PATTERN = re.compile(r"^sgr_[A-Za-z0-9_-]+$")


class CronofySchedulingTemplate(models.Model):
    _name = "cronofy.scheduling.template"
    _description = "Cronofy Scheduling Template"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    cronofy_template_id = fields.Char(
        "Cronofy Template ID",
        copy=False,
        help="The template's id in Cronofy (sgr_...), shown under 'Developer Details' on "
        "the template's settings page in Cronofy's dashboard.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="Requests are created with this company's Cronofy connection, for its "
        "applicants only.",
    )
    duration_minutes = fields.Integer(
        "Duration (minutes)",
        default=30,
        help="For information: the duration is set on the template in Cronofy.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        "Email Template",
        domain=[("model", "=", "hr.applicant")],
        default=lambda self: self.env.ref(
            "hr_recruitment_cronofy.mail_template_schedule_interview", raise_if_not_found=False
        ),
        help="Sent to the candidate once Cronofy has created the link. It should hold the "
        "scheduling-link placeholder (object.cronofy_scheduling_url).",
    )
    stage_ids = fields.One2many(
        "hr.recruitment.stage", "cronofy_scheduling_template_id", "Stages", readonly=True
    )

    _sql_constraints = [
        (
            "duration_positive",
            "CHECK(duration_minutes IS NULL OR duration_minutes >= 0)",
            "The duration cannot be negative.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._stripped(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._stripped(vals))

    @api.model
    def _stripped(self, vals):
        cleaned = dict(vals)
        if isinstance(cleaned.get("cronofy_template_id"), str):
            cleaned["cronofy_template_id"] = cleaned["cronofy_template_id"].strip() or False
        return cleaned

    @api.constrains("cronofy_template_id")
    def _check_cronofy_template_id(self):
        # Left empty is allowed (a template being prepared); it fails visibly, per
        # applicant, when a stage uses it. A malformed value is refused now.
        for template in self:
            value = template.cronofy_template_id
            if value and not TEMPLATE_ID_PATTERN.match(value):
                raise ValidationError(
                    self.env._(
                        "The Cronofy template ID of '%(name)s' must look like sgr_... (copy it "
                        "from 'Developer Details' in Cronofy), not '%(value)s'.",
                        name=template.name,
                        value=value,
                    )
                )
