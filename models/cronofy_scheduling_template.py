"""A Cronofy scheduling template as Odoo knows it: which ``sgr_...`` template to create
requests from, for which company, which mail carries the link to the candidate, the
texts Odoo fills in per applicant, and the stage moves that follow a booking.

Cronofy has no API to list templates (contract 4.7 [U]): the recruitment manager copies
the id from the template's "Developer Details" in Cronofy's dashboard.

Texts: Cronofy documents no way to fill placeholders of its own templates (contract 8
[U]), so Odoo renders the interview title, description and location note itself, with
the mail rendering engine (``mail.render.mixin``), and sends them with each request.
Safety follows ``mail.template``: rendering is unrestricted (``_unrestricted_rendering``)
because the cron renders as superuser, and that is only safe because *saving* is
restricted: users outside "Mail Template Editor" may only save plain field paths that
``hr.applicant.mail_allowed_qweb_expressions`` lists; those are rendered by the regex
renderer, never evaluated.

Stage moves (optional): "when the candidate chooses a time, move the applicant to stage
X" and "when the interview is declined or cancelled, move it back out to stage Y". The
way back applies only to an applicant still in X, so a recruiter's own move since the
booking is never undone. The moves never send another link (even into a stage with a
scheduling template) and skip refused or archived applicants and stages of another job;
the scheduling request makes them when its state changes.
"""

import ast
import html
import re

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError
from odoo.tools.rendering_tools import parse_inline_template

# Cronofy shows template ids as ``sgr_`` followed by letters and digits; anything else
# is a paste error (a name, a URL, a space) that would only fail later at Cronofy.
TEMPLATE_ID_PATTERN = re.compile(r"^sgr_[A-Za-z0-9_-]+$")
RENDER_MODEL = "hr.applicant"
EDITOR_GROUP = "mail.group_mail_template_editor"
# The mail must carry the link (or the lead's button built from it).
LINK_PLACEHOLDER = re.compile(r"object\.cronofy_scheduling_(url|button)\b")
# Placeholders of qweb (Html) texts: t-out / t-esc / t-att-*
QWEB_EXPRESSION = re.compile(
    r"""\bt-(?:out|esc|raw|if|elif|att-[\w-]+)\s*=\s*(["'])(.*?)\1""", re.S
)
OBJECT_PATH = re.compile(r"\bobject((?:\s*\.\s*\w+)+)")


class CronofySchedulingTemplate(models.Model):
    _name = "cronofy.scheduling.template"
    _description = "Cronofy Scheduling Template"
    _inherit = ["mail.render.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    # Like mail.template: the stored texts are trusted at rendering time because only
    # template editors may save anything but plain field paths (checked on write).
    _unrestricted_rendering = True

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
    booking_sla_hours = fields.Integer(
        "Booked Within (hours)",
        help="Service level: a link still unbooked this many hours after it was sent is "
        "overdue (flagged on the applicant, filterable, and the recruiter's follow-up "
        "comes then). Empty: no service level.",
    )

    # Stage moves once booked (see the module's docstring).
    booked_stage_id = fields.Many2one(
        "hr.recruitment.stage",
        "Stage Once Booked",
        ondelete="set null",
        help="When the candidate chooses a time, the applicant moves to this stage (empty: "
        "it stays where it is).",
    )
    unbooked_stage_id = fields.Many2one(
        "hr.recruitment.stage",
        "Stage If Declined",
        ondelete="set null",
        help="When the booked interview is declined or cancelled, an applicant still in "
        "the stage it moved to once booked moves on to this one.",
    )
    # The texts filled in per applicant, and their preview.
    lang = fields.Char(
        default="{{ object.partner_id.lang }}",
        help="The language the texts are rendered in, as a placeholder: by default the "
        "candidate's. Texts without a translation in that language use the original.",
    )
    event_summary = fields.Char(
        "Interview Title",
        translate=True,
        default="{{ object.job_id.name }} interview: {{ object.partner_name }}",
        help="The event title the candidate and the interviewers see. Placeholders: "
        "{{ object.job_id.name }}; type # or use the button to pick a field.",
    )
    event_description = fields.Text(
        "Interview Description",
        translate=True,
        help="The event description (plain text) sent to Cronofy with the request.",
    )
    location_note = fields.Char(
        "Location Note",
        translate=True,
        help="Where the interview happens (plain text), e.g. an address or 'Video call'.",
    )
    mail_intro = fields.Html(
        "Email Introduction",
        translate=True,
        sanitize="email_outgoing",
        render_engine="qweb",
        help="A paragraph for the email around the link: mail templates show it with "
        "the placeholder object.cronofy_scheduling_intro.",
    )
    preview_applicant_id = fields.Many2one(
        "hr.applicant",
        "Preview with",
        ondelete="set null",
        copy=False,
        domain="[('company_id', 'in', (company_id, False))]",
        help="An applicant to show the texts as they would be sent.",
    )
    preview_lang = fields.Char("Preview Language", compute="_compute_preview")
    preview_event_summary = fields.Char("Title (preview)", compute="_compute_preview")
    preview_event_description = fields.Text("Description (preview)", compute="_compute_preview")
    preview_location_note = fields.Char("Location (preview)", compute="_compute_preview")
    preview_mail_intro = fields.Html(
        "Email Introduction (preview)", compute="_compute_preview", sanitize="email_outgoing"
    )
    preview_error = fields.Char(compute="_compute_preview")

    _sql_constraints = [
        (
            "duration_positive",
            "CHECK(duration_minutes IS NULL OR duration_minutes >= 0)",
            "The duration cannot be negative.",
        ),
        (
            "booking_sla_hours_positive",
            "CHECK(booking_sla_hours IS NULL OR booking_sla_hours >= 0)",
            "The booking service level is a number of hours, zero or more.",
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

    def _compute_render_model(self):
        self.render_model = RENDER_MODEL

    @api.model
    def _cronofy_text_fields(self):
        """The rendered fields: {name: engine}."""
        return {
            "event_summary": "inline_template",
            "event_description": "inline_template",
            "location_note": "inline_template",
            "mail_intro": "qweb",
        }

    # ------------------------------------------------------------------
    # Rendering
    # ------------------------------------------------------------------

    def _cronofy_render_texts(self, applicants):
        """``{applicant id: {field: rendered text}}`` in each candidate's language.
        Plain-text fields are stripped; an empty placeholder renders as "" (never
        "False"). Raises on a template error (the caller decides what that means)."""
        self.ensure_one()
        result = {applicant_id: {} for applicant_id in applicants.ids}
        if not applicants:
            return result
        for fname in self._cronofy_text_fields():
            if not self[fname]:
                continue
            rendered = self._render_field(fname, applicants.ids, compute_lang=True)
            for applicant_id, text in rendered.items():
                if fname == "mail_intro":
                    result[applicant_id][fname] = text if not tools.is_html_empty(text) else ""
                else:
                    result[applicant_id][fname] = (text or "").strip()
        return result

    def _cronofy_render_for(self, applicant):
        """The texts for one applicant, or raise ``UserError``-like exceptions with a
        message naming the template."""
        self.ensure_one()
        try:
            return self._cronofy_render_texts(applicant)[applicant.id]
        except Exception as error:
            raise CronofyRenderError(
                self.env._(
                    "The scheduling template '%(name)s' could not be filled in for "
                    "%(applicant)s: %(error)s",
                    name=self.name,
                    applicant=applicant.partner_name or applicant.display_name,
                    error=_error_text(error),
                )
            ) from error

    @api.depends(
        "preview_applicant_id",
        "event_summary",
        "event_description",
        "location_note",
        "mail_intro",
        "lang",
    )
    def _compute_preview(self):
        for template in self:
            values = dict.fromkeys(
                [
                    "preview_lang",
                    "preview_event_summary",
                    "preview_event_description",
                    "preview_location_note",
                    "preview_mail_intro",
                    "preview_error",
                ],
                False,
            )
            applicant = template.preview_applicant_id
            if applicant:
                values.update(template._cronofy_preview_values(applicant))
            template.update(values)

    def _cronofy_preview_values(self, applicant):
        # A user typing in the form has not saved yet: the write-time check has not
        # vetted these texts, so a non-editor's preview only renders allowed paths.
        problem = self._cronofy_placeholder_problem()
        if problem:
            return {"preview_error": problem}
        try:
            texts = self._cronofy_render_for(applicant._origin)
            lang = self._render_lang(applicant._origin.ids)[applicant._origin.id]
        except CronofyRenderError as error:
            return {"preview_error": str(error)}
        return {
            "preview_lang": lang or self.env.lang,
            "preview_event_summary": texts.get("event_summary") or False,
            "preview_event_description": texts.get("event_description") or False,
            "preview_location_note": texts.get("location_note") or False,
            "preview_mail_intro": texts.get("mail_intro") or False,
        }

    # ------------------------------------------------------------------
    # Safety and validation
    # ------------------------------------------------------------------

    def _has_unsafe_expression(self):
        # The mixin's version reads every field of the record (our preview fields
        # would recurse); only the texts and the language hold placeholders.
        model = RENDER_MODEL
        for template in self.sudo():
            for fname, engine in dict(
                template._cronofy_text_fields(), lang="inline_template"
            ).items():
                value = template[fname]
                if engine == "qweb":
                    if self._has_unsafe_expression_template_qweb(value, model):
                        return True
                elif self._has_unsafe_expression_template_inline_template(value, model):
                    return True
        return False

    @api.constrains("event_summary", "event_description", "location_note", "mail_intro", "lang")
    def _check_placeholders(self):
        for template in self:
            problem = template._cronofy_placeholder_problem()
            if problem:
                raise ValidationError(problem)

    @api.constrains("mail_template_id")
    def _check_mail_template_has_link(self):
        for template in self:
            template._cronofy_check_mail_link(template.mail_template_id)

    def _cronofy_check_mail_link(self, mail):
        """Refuse an email template without the scheduling-link placeholder for these
        scheduling templates: the cron would send candidates an email with no link.
        Called when either side changes (scheduling template or email template).
        Every stored translation is checked: the mail goes out in the candidate's
        language, and Odoo's translation dialog stores the others then writes the
        field in the user's language only."""
        if not mail or not self:
            return
        mail = mail.sudo()
        bodies = mail._fields["body_html"]._get_stored_translations(mail) or {}
        missing = sorted(
            lang for lang, body in bodies.items() if not LINK_PLACEHOLDER.search(body or "")
        )
        if bodies and not missing:
            return
        languages = dict(self.env["res.lang"].get_installed())
        raise ValidationError(
            self.env._(
                "The email template '%(mail)s' of '%(name)s' has no scheduling-link "
                "placeholder (%(languages)s): the candidate would get an email without "
                'the link. Add <t t-out="object.cronofy_scheduling_url"/> (or a link '
                'with t-att-href="object.cronofy_scheduling_url") to its body, or '
                "choose another email template.",
                mail=mail.name,
                # Only names the user may read (the email side searches in sudo).
                name=", ".join(self.sudo(False)._filtered_access("read").mapped("name"))
                or self.env._("a scheduling template you cannot see"),
                languages=", ".join(languages.get(lang, lang) for lang in missing)
                or self.env._("empty body"),
            )
        )

    def _cronofy_placeholder_problem(self):
        """A sentence naming the first bad placeholder of the texts, or None: syntax
        errors, field paths that do not exist on the applicant, and (for users outside
        Mail Template Editor) expressions that are not plain allowed paths."""
        self.ensure_one()
        labels = {
            fname: self._fields[fname]._description_string(self.env)
            for fname in [*self._cronofy_text_fields(), "lang"]
        }
        restricted = not (
            self.env.su or self.env.is_admin() or self.env.user.has_group(EDITOR_GROUP)
        )
        Applicant = self.env[RENDER_MODEL]
        for fname, engine in dict(self._cronofy_text_fields(), lang="inline_template").items():
            source = self[fname]
            if not source:
                continue
            try:
                expressions = _expressions(str(source), engine)
            except SyntaxError as error:
                return self.env._(
                    "%(field)s: the placeholders cannot be read (%(error)s).",
                    field=labels[fname],
                    error=error.msg,
                )
            for expression in expressions:
                try:
                    ast.parse(expression.strip(), mode="eval")
                except SyntaxError:
                    return self.env._(
                        "%(field)s: the placeholder '%(expression)s' is not a valid expression.",
                        field=labels[fname],
                        expression=expression,
                    )
                unknown = _unknown_path(Applicant, expression)
                if unknown:
                    return self.env._(
                        "%(field)s: the placeholder '%(expression)s' uses '%(name)s', "
                        "which is not a field of %(model)s. Use the placeholder picker "
                        "to choose an existing field.",
                        field=labels[fname],
                        expression=expression,
                        name=unknown,
                        model=Applicant._description,
                    )
                if _ends_on_record(Applicant, expression):
                    return self.env._(
                        "%(field)s: the placeholder '%(expression)s' is a record, which "
                        "would print as a technical reference; choose one of its fields "
                        "(e.g. %(expression)s.name).",
                        field=labels[fname],
                        expression=expression.strip(),
                    )
                if restricted and not self.env["ir.qweb"]._is_expression_allowed(
                    expression, RENDER_MODEL
                ):
                    return self.env._(
                        "%(field)s: only members of the group '%(group)s' may use the "
                        "placeholder '%(expression)s'. Allowed placeholders: %(allowed)s.",
                        field=labels[fname],
                        group=self.env.ref(EDITOR_GROUP).sudo().full_name,
                        expression=expression,
                        allowed=", ".join(Applicant.mail_allowed_qweb_expressions()),
                    )
        return None


class CronofyRenderError(Exception):
    """A template that cannot be rendered for one applicant; ``str()`` is for users."""


def _error_text(error):
    # UserError from the renderer embeds the whole template and a traceback: keep
    # the cause's one-line message.
    cause = error.__cause__ or error
    if isinstance(error, AccessError):
        return error.args[0]
    return f"{type(cause).__name__}: {cause}"


def _expressions(source, engine):
    if engine == "qweb":
        return [html.unescape(match.group(2)) for match in QWEB_EXPRESSION.finditer(source)]
    expressions = [expression for _text, expression, _default in parse_inline_template(source)]
    # parse_inline_template silently keeps an unclosed "{{" as text.
    rest = re.sub(r"\{\{.+?\}\}", "", source, flags=re.S)
    if "{{" in rest or "}}" in rest:
        raise SyntaxError("a '{{' without its '}}' or the reverse")
    return [expression for expression in expressions if expression]


def _ends_on_record(model, expression):
    """A plain path (``object.a.b``) whose last field is relational."""
    if not re.fullmatch(r"\s*object(\.\w+)+\s*", expression):
        return False
    current, field = model, None
    for name in expression.strip().split(".")[1:]:
        field = current._fields.get(name)
        if field is None or not field.relational:
            return False
        current = current.env[field.comodel_name]
    return bool(field and field.relational)


def _unknown_path(model, expression):
    """The first name after ``object.`` that is neither a field nor a method of the
    model it is read on, else None. Paths continue only through relational fields;
    after a plain value (a string, a date) anything goes (``.upper()``)."""
    for match in OBJECT_PATH.finditer(expression):
        current = model
        for name in (part.strip() for part in match.group(1).split(".")[1:]):
            field = current._fields.get(name)
            if field is None:
                if hasattr(type(current), name):
                    break  # a method or property such as mapped / display_name
                return name
            if not field.relational:
                break
            current = current.env[field.comodel_name]
    return None
