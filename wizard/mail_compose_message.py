"""The scheduling-link placeholder in the mail composer.

A recruiter composes for an applicant with a body that uses
``object.cronofy_scheduling_url`` (the shipped invitation template does). When the
applicant has no open link yet, Send first opens Cronofy's Embedded Scheduler in the
browser (client action ``hr_recruitment_cronofy.embed_scheduler``); once the link is
recorded, the browser calls Send again and the link is in the message.

In single-record comment mode Odoo renders the template into the composer when it is
opened, so a missing link would silently render as nothing. We render it as
``PENDING_LINK`` instead (the applicant's link reads the context key
``STAND_IN_LINK_KEY`` while the template renders; the database never holds it): the
recruiter sees where the link goes, a line under the message says Send creates it, the
server knows one is still needed, and it is replaced by the real link at send time
(keeping the recruiter's edits). A message never leaves with the stand-in or an empty
link.
"""

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.access import RECRUITMENT_OFFICER, check_groups
from ..models.applicant_context import STAND_IN_LINK_KEY

PLACEHOLDER_FIELD = "cronofy_scheduling_url"
# The applicant's fields that put the link in a mail: the link and the button built on it.
LINK_FIELDS = (PLACEHOLDER_FIELD, "cronofy_scheduling_button")
# The .invalid top-level domain can never resolve (RFC 2606): harmless if copied.
PENDING_LINK = "https://scheduling-link.invalid/created-when-you-send"
EMBED_CLIENT_ACTION = "hr_recruitment_cronofy.embed_scheduler"


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    cronofy_link_created_on_send = fields.Boolean(
        compute="_compute_cronofy_link_created_on_send",
        help="The message shows the stand-in scheduling link: Send creates the real one.",
    )

    # ------------------------------------------------------------------
    # What the composer is about
    # ------------------------------------------------------------------

    def _cronofy_is_for_applicants(self):
        self.ensure_one()
        return self.model == "hr.applicant"

    def _cronofy_renders_at_send_time(self):
        """Batch comment and mass mail keep the raw template and render per record
        when sending; single-record comment mode holds the rendered body."""
        self.ensure_one()
        return self.composition_mode == "mass_mail" or self.composition_batch

    def _cronofy_target_applicants(self):
        self.ensure_one()
        if self.res_domain:
            return self.env["hr.applicant"].search(self._evaluate_res_domain())
        return self.env["hr.applicant"].browse(self._evaluate_res_ids()).exists()

    def _cronofy_uses_placeholder(self):
        """The body about to be sent asks for the applicant's scheduling link."""
        self.ensure_one()
        if not self._cronofy_is_for_applicants():
            return False
        body = str(self.body or "")
        if self._cronofy_renders_at_send_time():
            return PLACEHOLDER_FIELD in body
        return PENDING_LINK in body

    def _cronofy_applicants_without_link(self):
        self.ensure_one()
        return self._cronofy_target_applicants().filtered(
            lambda applicant: not applicant.cronofy_scheduling_url
        )

    # ------------------------------------------------------------------
    # Rendering the template into the composer
    # ------------------------------------------------------------------

    def _compute_body(self):
        awaiting = self.filtered(lambda composer: composer._cronofy_renders_pending_link())
        result = super(MailComposeMessage, self - awaiting)._compute_body()
        for composer in awaiting:
            rendering = composer.with_context(**{STAND_IN_LINK_KEY: PENDING_LINK})
            super(MailComposeMessage, rendering)._compute_body()
        return result

    def _cronofy_renders_pending_link(self):
        self.ensure_one()
        template = self.template_id
        return bool(
            self._cronofy_is_for_applicants()
            and self.composition_mode == "comment"
            and not self.composition_batch
            and template
            and PLACEHOLDER_FIELD in str(template.body_html or "")
            and self._cronofy_applicants_without_link()
        )

    @api.depends("body", "model")
    def _compute_cronofy_link_created_on_send(self):
        for composer in self:
            composer.cronofy_link_created_on_send = bool(
                composer.model == "hr.applicant" and PENDING_LINK in str(composer.body or "")
            )

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def action_send_mail(self):
        for composer in self:
            if composer._cronofy_is_for_applicants():
                # Before the sudo reads below: the applicants must be readable, and a
                # message that needs a scheduling link is an officer's to send.
                composer._cronofy_target_applicants().check_access("read")
                if composer._cronofy_uses_placeholder():
                    check_groups(self, RECRUITMENT_OFFICER, self.env._("Sending scheduling links"))
            composer._cronofy_replace_stale_link()
            action = composer._cronofy_embed_scheduler_action()
            if action:
                return action
        return super().action_send_mail()

    def _cronofy_embed_scheduler_action(self):
        """The client action that creates the missing link in the browser, or None
        when nothing is missing."""
        self.ensure_one()
        if not self._cronofy_uses_placeholder():
            return None
        missing = self._cronofy_applicants_without_link()
        if not missing:
            return None
        self._cronofy_check_one_at_a_time(missing)
        missing._check_cronofy_can_receive_link()
        return {
            "type": "ir.actions.client",
            "tag": EMBED_CLIENT_ACTION,
            "name": self.env._("Create the scheduling link"),
            "params": {"applicant_id": missing.id, "composer_id": self.id},
        }

    def _cronofy_check_one_at_a_time(self, missing):
        if len(missing) > 1:
            names = ", ".join(missing[:5].mapped(lambda a: a.partner_name or a.display_name))
            raise UserError(
                self.env._(
                    "%(count)s applicants have no scheduling link yet (%(names)s). The "
                    "Embedded Scheduler creates one link at a time: send to them one by "
                    "one, or let a stage's automation send the links.",
                    count=len(missing),
                    names=names,
                )
            )

    def _action_send_mail(self, auto_commit=False):
        for composer in self:
            composer._cronofy_fill_scheduling_link()
        return super()._action_send_mail(auto_commit=auto_commit)

    def action_schedule_message(self, scheduled_date=False):
        for composer in self:
            if composer._cronofy_is_for_applicants():
                # As in action_send_mail, before the sudo reads of the link check.
                composer._cronofy_target_applicants().check_access("read")
                if composer._cronofy_uses_placeholder():
                    check_groups(self, RECRUITMENT_OFFICER, self.env._("Sending scheduling links"))
            composer._cronofy_fill_scheduling_link()
        return super().action_schedule_message(scheduled_date=scheduled_date)

    def _cronofy_replace_stale_link(self):
        """Single-record mode holds the body rendered when the composer opened: a link
        cancelled since then (applicant refused, request cancelled or failed) would go
        out dead. Any link of the applicant's other requests is replaced by the current
        link, or by the stand-in when there is none, so that Send creates one first."""
        self.ensure_one()
        if not self._cronofy_is_for_applicants() or self._cronofy_renders_at_send_time():
            return
        applicant = self._cronofy_target_applicants()
        if len(applicant) != 1 or not self.body:
            return
        current = applicant.cronofy_scheduling_url or PENDING_LINK
        other_links = (
            applicant.sudo()
            .cronofy_request_ids.filtered(
                # (never a piece of the current link itself)
                lambda request: request.candidate_url and request.candidate_url not in current
            )
            .mapped("candidate_url")
        )
        body = self.body
        # Longest first, so that no link is cut by a shorter one it starts with.
        for link in sorted(other_links, key=len, reverse=True):
            # The body holds the link HTML-escaped ("&" as "&amp;"); Markup.replace
            # escapes the new text itself.
            body = body.replace(escape(link), current)
        if body != self.body:
            self.body = body

    def _cronofy_fill_scheduling_link(self):
        """Last check before anything leaves: put the real link where the stand-in
        is, or refuse. Whatever the browser did, no candidate gets an empty link."""
        self.ensure_one()
        self._cronofy_replace_stale_link()
        if not self._cronofy_uses_placeholder():
            return
        missing = self._cronofy_applicants_without_link()
        if missing:
            names = ", ".join(missing[:5].mapped(lambda a: a.partner_name or a.display_name))
            raise UserError(
                self.env._(
                    "This message contains the scheduling link, but %(names)s has no "
                    "open link yet. Use Send to create it with the Embedded Scheduler.",
                    names=names,
                )
            )
        if not self._cronofy_renders_at_send_time():
            link = self._cronofy_target_applicants().cronofy_scheduling_url
            # Markup.replace escapes the link for HTML (href and text alike).
            self.body = (self.body or Markup()).replace(PENDING_LINK, link)
