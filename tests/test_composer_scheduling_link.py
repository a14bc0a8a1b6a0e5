"""The mail composer with the scheduling-link placeholder: the embed step when the
link is missing, the link in the message once it exists, and never an empty link."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, TransactionCase, tagged

from ..models.applicant_context import STAND_IN_LINK_KEY
from ..wizard.mail_compose_message import EMBED_CLIENT_ACTION, PENDING_LINK
from .common import CronofyCase
from .embed_common import EmbedFixtures

TEMPLATE = "hr_recruitment_cronofy.mail_template_schedule_interview"


@tagged("post_install", "-at_install")
class TestComposerSchedulingLink(EmbedFixtures, CronofyCase):
    def _composer(self, applicants, **context):
        """The composer as the recruiter gets it: from the applicant's button for one
        applicant, or in batch comment mode for several."""
        applicants = applicants.with_user(self.recruiter)
        if len(applicants) == 1:
            action = applicants.action_send_cronofy_scheduling_link()
            context = dict(action["context"], **context)
        else:
            context = dict(
                {
                    "default_model": "hr.applicant",
                    "default_res_ids": applicants.ids,
                    "default_composition_mode": "comment",
                    "default_template_id": self.env.ref(TEMPLATE).id,
                },
                **context,
            )
        Composer = self.env["mail.compose.message"].with_user(self.recruiter)
        if len(applicants) == 1:
            return Form(Composer.with_context(**context)).save()
        # Batch mode keeps the raw template; created as the web client does,
        # without an editor round trip that would make it "edited".
        return Composer.with_context(**context).create({})

    def _record_link(self, applicant):
        """What the routes do once the embed reports its request."""
        Request = self.env["cronofy.scheduling.request"].with_user(self.recruiter)
        embed = Request._embed_prepare(applicant.with_user(self.recruiter))
        payload = self._create_at_simulator(embed)
        return Request._record_from_embed(
            applicant.with_user(self.recruiter), embed["correlation_id"], payload
        )

    def _emails_to(self, applicant):
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "hr.applicant"), ("res_id", "=", applicant.id)])
        )

    def test_button_opens_the_composer_with_the_invitation_template(self):
        action = self.applicant.with_user(self.recruiter).action_send_cronofy_scheduling_link()
        self.assertEqual(action["res_model"], "mail.compose.message")
        self.assertEqual(action["context"]["default_template_id"], self.env.ref(TEMPLATE).id)
        self.assertEqual(action["context"]["default_res_ids"], self.applicant.ids)

    def test_composer_says_the_link_is_created_on_send(self):
        composer = self._composer(self.applicant)
        self.assertIn(PENDING_LINK, str(composer.body))
        self.assertTrue(composer.cronofy_link_created_on_send)
        self._record_link(self.applicant)
        self.assertFalse(self._composer(self.applicant).cronofy_link_created_on_send)

    def test_send_without_link_opens_the_embed_then_sends_the_link(self):
        composer = self._composer(self.applicant)
        # The recruiter sees where the link goes; the database never stores it.
        self.assertIn(PENDING_LINK, composer.body)
        self.assertFalse(self.applicant.cronofy_scheduling_url)
        messages_before = self.applicant.message_ids

        action = composer.action_send_mail()
        self.assertEqual(action["type"], "ir.actions.client")
        self.assertEqual(action["tag"], EMBED_CLIENT_ACTION)
        self.assertEqual(
            action["params"], {"applicant_id": self.applicant.id, "composer_id": composer.id}
        )
        self.assertFalse(self._emails_to(self.applicant), "nothing is sent before the link")
        self.assertFalse(
            (self.applicant.message_ids - messages_before).filtered(
                lambda m: m.message_type == "comment"
            )
        )

        request = self._record_link(self.applicant)
        result = composer.action_send_mail()
        self.assertEqual(result, {"type": "ir.actions.act_window_close"})
        sent = (self.applicant.message_ids - messages_before).filtered(
            lambda m: m.message_type == "comment"
        )
        self.assertEqual(len(sent), 1)
        link = request.candidate_url.replace("&", "&amp;")
        self.assertIn(link, sent.body)
        self.assertNotIn(PENDING_LINK, sent.body)
        (mail,) = self._emails_to(self.applicant)
        self.assertIn(link, mail.body_html)
        self.assertNotIn(PENDING_LINK, mail.body_html)
        self.assertEqual(mail.recipient_ids.email, "ada@example.com")

    def test_the_stand_in_is_read_only_inside_its_context(self):
        stand_in = self.applicant.with_context(**{STAND_IN_LINK_KEY: PENDING_LINK})
        self.assertEqual(stand_in.cronofy_scheduling_url, PENDING_LINK)
        self.assertIn(PENDING_LINK, stand_in.cronofy_scheduling_button)
        # Same transaction, same cache: read outside the context, nothing of it remains.
        self.assertFalse(self.applicant.cronofy_scheduling_url)
        self.assertFalse(self.applicant.cronofy_scheduling_button)
        request = self._record_link(self.applicant)
        # Once the applicant has a link, the stand-in never hides it.
        self.assertEqual(stand_in.cronofy_scheduling_url, request.candidate_url)
        self.assertEqual(self.applicant.cronofy_scheduling_url, request.candidate_url)

    def test_recruiter_edits_are_kept_when_the_link_is_filled_in(self):
        composer = self._composer(self.applicant)
        composer.body = composer.body.replace("Thank you for applying", "Many thanks for applying")
        self._record_link(self.applicant)
        composer.action_send_mail()
        sent = self.applicant.message_ids.filtered(lambda m: m.message_type == "comment")[:1]
        self.assertIn("Many thanks for applying", sent.body)
        self.assertIn(self.applicant.cronofy_scheduling_url, sent.body)

    def test_send_with_an_open_link_goes_straight_out(self):
        request = self._record_link(self.applicant)
        composer = self._composer(self.applicant)
        self.assertNotIn(PENDING_LINK, composer.body)
        self.assertIn(request.candidate_url, composer.body)
        self.assertEqual(composer.action_send_mail(), {"type": "ir.actions.act_window_close"})
        (mail,) = self._emails_to(self.applicant)
        self.assertIn(request.candidate_url, mail.body_html)

    def test_link_cancelled_after_opening_is_never_sent(self):
        dead = self._record_link(self.applicant)
        # Cronofy's links may carry a query of their own: "&" is "&amp;" in the body.
        dead.sudo().candidate_url += "&utm_source=odoo"
        composer = self._composer(self.applicant)
        self.assertIn(dead.candidate_url.replace("&", "&amp;"), composer.body)
        dead.sudo().action_cancel()  # e.g. the applicant was refused meanwhile
        # Send asks for a new link instead of sending the cancelled one...
        action = composer.action_send_mail()
        self.assertEqual(action["tag"], EMBED_CLIENT_ACTION)
        self.assertNotIn("utm_source", composer.body)
        self.assertIn(PENDING_LINK, composer.body)
        self.assertFalse(self._emails_to(self.applicant))
        # ...and once it exists, the message carries it.
        fresh = self._record_link(self.applicant)
        composer.action_send_mail()
        (mail,) = self._emails_to(self.applicant)
        self.assertIn(fresh.candidate_url.replace("&", "&amp;"), mail.body_html)
        self.assertNotIn(dead.candidate_url.replace("&", "&amp;"), mail.body_html)

    def test_link_replaced_after_opening_sends_the_current_one(self):
        dead = self._record_link(self.applicant)
        composer = self._composer(self.applicant)
        dead.sudo().action_cancel()
        fresh = self._record_link(self.applicant)
        self.assertEqual(composer.action_send_mail(), {"type": "ir.actions.act_window_close"})
        (mail,) = self._emails_to(self.applicant)
        self.assertIn(fresh.candidate_url.replace("&", "&amp;"), mail.body_html)
        self.assertNotIn(dead.candidate_url.replace("&", "&amp;"), mail.body_html)

    def test_a_message_never_leaves_with_the_stand_in(self):
        composer = self._composer(self.applicant)
        with self.assertRaisesRegex(UserError, "no open link yet"):
            composer._action_send_mail()
        with self.assertRaisesRegex(UserError, "no open link yet"):
            composer.action_schedule_message("2030-01-01 10:00:00")
        # A link cancelled meanwhile does not count either.
        request = self._record_link(self.applicant)
        request._set_state("cancelled")
        with self.assertRaisesRegex(UserError, "no open link yet"):
            composer._action_send_mail()
        self.assertFalse(self._emails_to(self.applicant))

    def test_batch_sends_each_applicant_its_own_link(self):
        # Batch mode renders the raw template at send time in restricted mode for a
        # recruiter who is not a template editor: the shipped template must use only
        # the plain placeholders hr.applicant allows.
        self.assertFalse(self.recruiter.has_group("mail.group_mail_template_editor"))
        first = self._record_link(self.applicant)
        second = self._record_link(self.other_applicant)
        composer = self._composer(self.applicant | self.other_applicant)
        self.assertTrue(composer.composition_batch)
        composer.action_send_mail()
        (mail_first,) = self._emails_to(self.applicant)
        (mail_second,) = self._emails_to(self.other_applicant)
        self.assertIn(first.candidate_url, mail_first.body_html)
        self.assertIn(f'href="{first.candidate_url}"', mail_first.body_html)
        self.assertNotIn(second.candidate_url, mail_first.body_html)
        self.assertIn(second.candidate_url, mail_second.body_html)

    def test_batch_without_links_is_refused_one_candidate_at_a_time(self):
        composer = self._composer(self.applicant | self.other_applicant)
        with self.assertRaisesRegex(UserError, "one link at a time"):
            composer.action_send_mail()
        with self.assertRaisesRegex(UserError, "no open link yet"):
            composer._action_send_mail()
        # With one link missing, Send opens the embed for that applicant.
        self._record_link(self.applicant)
        action = composer.action_send_mail()
        self.assertEqual(action["params"]["applicant_id"], self.other_applicant.id)
        self.assertFalse(self._emails_to(self.applicant))

    def test_other_templates_and_models_are_left_alone(self):
        composer = self._composer(self.applicant, default_template_id=False)
        composer.body = "<p>Hello</p>"
        self.assertEqual(composer.action_send_mail(), {"type": "ir.actions.act_window_close"})

    def test_candidate_without_email_is_told_before_the_composer_opens(self):
        no_email = self._new_applicant("No Mail", False)
        with self.assertRaisesRegex(UserError, "no email address"):
            no_email.with_user(self.recruiter).action_send_cronofy_scheduling_link()

    def test_script_url_must_be_https_except_on_loopback(self):
        for url in ("http://cdn.example.com/embed.js", "javascript:alert(1)", "https://u:p@x/e.js"):
            with self.assertRaises(ValidationError, msg=url):
                self.connection.embed_script_url = url
        self.connection.embed_script_url = "http://127.0.0.1:9/embed.js"
        self.assertEqual(self.connection._embed_script_url(), "http://127.0.0.1:9/embed.js")
        self.connection.write({"embed_script_url": False, "app_base_url": False})
        self.assertIsNone(self.connection._embed_script_url())


@tagged("post_install", "-at_install")
class TestApplicantSendMailWizard(TransactionCase):
    """hr_recruitment's multi-applicant "Send Email" wizard cannot create links."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env.ref("hr_recruitment_cronofy.mail_template_schedule_interview")
        candidates = cls.env["hr.candidate"].create(
            [
                {"partner_name": "Linked Lin", "email_from": "lin@example.com"},
                {"partner_name": "Unlinked Uma", "email_from": "uma@example.com"},
            ]
        )
        cls.linked, cls.unlinked = cls.env["hr.applicant"].create(
            [{"candidate_id": candidate.id} for candidate in candidates]
        )
        cls.env["cronofy.scheduling.request"].create(
            {"applicant_id": cls.linked.id, "candidate_url": "https://x.example/rts/lin"}
        )

    def _wizard(self, applicants):
        return self.env["applicant.send.mail"].create(
            {"applicant_ids": [(6, 0, applicants.ids)], "template_id": self.template.id}
        )

    def test_refuses_applicants_without_a_link_and_sends_nothing(self):
        before = len(self.linked.message_ids) + len(self.unlinked.message_ids)
        action = self._wizard(self.linked | self.unlinked).action_send()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("Unlinked Uma", action["params"]["message"])
        self.assertNotIn("Linked Lin", action["params"]["message"])
        self.assertEqual(len(self.linked.message_ids) + len(self.unlinked.message_ids), before)

    def test_sends_when_every_applicant_has_a_link(self):
        before = len(self.linked.message_ids)
        action = self._wizard(self.linked).action_send()
        self.assertNotEqual((action or {}).get("tag"), "display_notification")
        self.assertGreater(len(self.linked.message_ids), before)
