from markupsafe import Markup

from odoo import api, fields, models

from .access import RECRUITMENT_INTERVIEWER, check_groups
from .cronofy_scheduling_request import OPEN_STATES, STATES


class HrApplicant(models.Model):
    _inherit = "hr.applicant"

    cronofy_request_ids = fields.One2many(
        "cronofy.scheduling.request", "applicant_id", "Scheduling Requests"
    )
    cronofy_request_count = fields.Integer(compute="_compute_cronofy_request_count")
    # Stored so that kanban and list views show them without a query per card.
    cronofy_current_request_id = fields.Many2one(
        "cronofy.scheduling.request",
        "Current Scheduling Request",
        compute="_compute_cronofy_current_request",
        store=True,
    )
    cronofy_scheduling_state = fields.Selection(
        STATES,
        "Scheduling",
        compute="_compute_cronofy_current_request",
        store=True,
        # Grouped by it, the pipeline reads in the lifecycle's order, every state shown.
        group_expand=True,
    )
    cronofy_scheduling_url = fields.Char(
        "Scheduling Link",
        compute="_compute_cronofy_current_request",
        store=True,
        help="The candidate's self-scheduling link of the current open request. "
        "Use it in mail templates as a placeholder.",
    )
    cronofy_scheduling_button = fields.Html(
        "Scheduling Button",
        compute="_compute_cronofy_scheduling_button",
        sanitize=False,
        help="A 'Choose a time' button linking to the scheduling link, for mail "
        "templates. Built here, with the link escaped, so that templates need no "
        "t-att-href and stay usable under restricted template rendering.",
    )
    cronofy_interview_start = fields.Datetime(
        "Interview Time",
        compute="_compute_cronofy_current_request",
        store=True,
    )

    @api.depends("cronofy_request_ids")
    def _compute_cronofy_request_count(self):
        counts = dict(
            self.env["cronofy.scheduling.request"]._read_group(
                [("applicant_id", "in", self.ids)], ["applicant_id"], ["__count"]
            )
        )
        for applicant in self:
            applicant.cronofy_request_count = counts.get(applicant._origin, 0)

    @api.depends(
        "cronofy_request_ids.state",
        "cronofy_request_ids.candidate_url",
        "cronofy_request_ids.interview_start",
    )
    def _compute_cronofy_current_request(self):
        for applicant in self:
            requests = applicant.cronofy_request_ids.sorted(
                lambda request: (request.create_date or fields.Datetime.now(), request.id or 0),
                reverse=True,
            )
            open_requests = requests.filtered(lambda request: request.state in OPEN_STATES)
            current = open_requests[:1] or requests[:1]
            applicant.cronofy_current_request_id = current
            applicant.cronofy_scheduling_state = current.state or False
            applicant.cronofy_scheduling_url = (
                current.candidate_url if current.state in OPEN_STATES else False
            )
            applicant.cronofy_interview_start = current.interview_start or False

    @api.depends("cronofy_scheduling_url")
    @api.depends_context("lang")
    def _compute_cronofy_scheduling_button(self):
        label = self.env._("Choose a time")
        for applicant in self:
            url = applicant.cronofy_scheduling_url
            applicant.cronofy_scheduling_button = url and Markup(
                '<a href="{url}" target="_blank" rel="noopener" style="background-color: '
                "#714B67; padding: 10px 16px; text-decoration: none; color: #fff; "
                'border-radius: 5px; display: inline-block;">{label}</a>'
            ).format(url=url, label=label)

    @api.model
    def mail_allowed_qweb_expressions(self):
        # Recruiters outside "Mail Template Editor" compose under restricted
        # rendering, which only accepts the plain paths listed here: the
        # scheduling placeholders and what the shipped invitation mail shows of
        # the applicant (fields a recruiter can read anyway).
        return super().mail_allowed_qweb_expressions() + (
            "object.cronofy_scheduling_url",
            "object.cronofy_scheduling_button",
            "object.partner_name",
            "object.job_id.name",
            "object.company_id.name",
        )

    def action_open_cronofy_requests(self):
        check_groups(
            self, RECRUITMENT_INTERVIEWER, self.env._("Opening an applicant's scheduling requests")
        )
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "hr_recruitment_cronofy.cronofy_scheduling_request_action"
        )
        action["domain"] = [("applicant_id", "=", self.id)]
        action["context"] = {"default_applicant_id": self.id, "create": False}
        return action

    @api.ondelete(at_uninstall=False)
    def _unlink_cronofy_requests(self):
        # Delete the requests (and, by cascade, their notifications) before the
        # applicant. Left to the database's cascade, one DELETE would both null the
        # interview's applicant and delete its request, and PostgreSQL refuses that
        # for an interview written in the same transaction (its request key is
        # checked again on the update).
        self.env["cronofy.scheduling.request"].sudo().search(
            [("applicant_id", "in", self.ids)]
        ).unlink()
