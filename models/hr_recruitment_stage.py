from odoo import fields, models


class HrRecruitmentStage(models.Model):
    _inherit = "hr.recruitment.stage"

    # Stages are shared between jobs unless "Job Specific": a job that needs another
    # template gets a job-specific stage, or an automation rule filtered on the job.
    cronofy_scheduling_template_id = fields.Many2one(
        "cronofy.scheduling.template",
        "Cronofy Scheduling Template",
        ondelete="set null",
        help="When an applicant enters this stage, Odoo creates a Cronofy scheduling "
        "request from this template and mails the candidate the link.",
    )
