"""Scheduling template texts: rendering (languages, empty values, escaping, restricted
rendering), validation, preview, and the texts arriving at the simulator from the API
path (the queue worker) and the embed path (the prepare route's title)."""

import re

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import CronofyCase
from .embed_common import EmbedFixtures

EDITOR_GROUP = "mail.group_mail_template_editor"


class TemplateTextsCase(CronofyCase):
    simulator_settings = {
        "webhook_backoff_base": 0.05,
        "rate_limit_per_second": 0,
        "rate_limit_per_minute": 0,
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        editor = cls.env.ref(EDITOR_GROUP)
        # "Restrict template rendering" on: employees are no longer template editors.
        cls.env.ref("base.group_user").write({"implied_ids": [(3, editor.id)]})
        cls.manager = new_test_user(
            cls.env,
            login="hrc_placeholder_manager",
            groups="base.group_user,hr_recruitment.group_hr_recruitment_manager",
            name="Morgan Manager",
        )
        cls.manager.groups_id -= editor
        assert not cls.manager.has_group(EDITOR_GROUP)
        cls.Template = cls.env["cronofy.scheduling.template"]
        cls.template = cls.Template.create(
            {
                "name": "Placeholder screening",
                "sequence": 0,
                "cronofy_template_id": "sgr_demo_interview_30",
                "event_summary": "Interview {{ object.job_id.name }}: {{ object.partner_name }}",
                "event_description": "Team: {{ object.department_id.name }}.",
                "location_note": "At {{ object.company_id.name }}",
                "mail_intro": '<p>Hello <t t-out="object.partner_name"/></p>',
            }
        )
        cls.template.with_context(
            lang="fr_FR"
        ).event_summary = "Entretien {{ object.job_id.name }} : {{ object.partner_name }}"
        cls.job = cls.env["hr.job"].create({"name": "Placeholder Engineer"})
        cls.plain_stage = cls.env["hr.recruitment.stage"].create(
            {"name": "Placeholders: new", "sequence": 60, "job_ids": [(4, cls.job.id)]}
        )
        cls.auto_stage = cls.env["hr.recruitment.stage"].create(
            {
                "name": "Placeholders: interview",
                "sequence": 61,
                "job_ids": [(4, cls.job.id)],
                "cronofy_scheduling_template_id": cls.template.id,
            }
        )

    def setUp(self):
        super().setUp()
        self.sim.clear_calls()

    def _applicant(self, name="Ada Lovelace", lang="en_US", job=True, stage=None):
        partner = self.env["res.partner"].create(
            {"name": name, "email": "ada.placeholder@example.com", "lang": lang}
        )
        candidate = self.env["hr.candidate"].create(
            {"partner_name": name, "email_from": partner.email, "partner_id": partner.id}
        )
        return self.env["hr.applicant"].create(
            {
                "candidate_id": candidate.id,
                "job_id": self.job.id if job else False,
                "stage_id": (stage or self.plain_stage).id,
            }
        )

    def _assert_refused(self, record, pattern, **values):
        """Odoo's assertRaises rolls the refused write back (savepoint + cache)."""
        with self.assertRaises(ValidationError) as caught:
            record.write(values)
        self.assertRegex(str(caught.exception), pattern)

    def _render(self, template, applicant):
        return template._cronofy_render_texts(applicant)[applicant.id]

    def _dispatch(self):
        return self.env["cronofy.scheduling.request"]._cron_process_automation_queue()

    def _at_cronofy(self, request):
        answer = self.sim.scheduling_request(request.cronofy_id)
        return answer.get("scheduling_request", answer)

    def _request(self, applicant):
        return self.env["cronofy.scheduling.request"].search([("applicant_id", "=", applicant.id)])


@tagged("post_install", "-at_install")
class TestRendering(TemplateTextsCase):
    def test_candidate_language(self):
        english = self._applicant("Ada Lovelace", lang="en_US")
        french = self._applicant("Marie Curie", lang="fr_FR")
        self.assertEqual(
            self._render(self.template, english)["event_summary"],
            "Interview Placeholder Engineer: Ada Lovelace",
        )
        self.assertEqual(
            self._render(self.template, french)["event_summary"],
            "Entretien Placeholder Engineer : Marie Curie",
        )
        # Untranslated texts fall back to the original.
        self.assertEqual(self._render(self.template, french)["location_note"], "At YourCompany")

    def test_empty_value_renders_empty_not_false(self):
        applicant = self._applicant()
        self.assertFalse(applicant.department_id)
        self.assertEqual(self._render(self.template, applicant)["event_description"], "Team: .")
        # Evaluated expressions (template editors) behave the same.
        template = self.template.copy({"event_description": "[{{ (object.department_id.name) }}]"})
        self.assertEqual(self._render(template, applicant)["event_description"], "[]")
        template.event_description = "[{{ object.department_id.name ||| no team}}]"
        self.assertEqual(self._render(template, applicant)["event_description"], "[no team]")

    def test_candidate_values_escaped(self):
        applicant = self._applicant("<script>alert(1)</script>")
        texts = self._render(self.template, applicant)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", texts["mail_intro"])
        self.assertNotIn("<script>", texts["mail_intro"])
        # Plain-text destinations get the text itself (Cronofy shows it as text).
        self.assertEqual(
            texts["event_summary"], "Interview Placeholder Engineer: <script>alert(1)</script>"
        )
        self.template.preview_applicant_id = applicant
        self.assertNotIn("<script>", str(self.template.preview_mail_intro))

    def test_restricted_rendering_for_non_editors(self):
        Template = self.Template.with_user(self.manager)
        allowed = Template.create(
            {
                "name": "Manager's template",
                "event_summary": (
                    "{{ object.job_id.name }} with {{ object.cronofy_interviewer_names }}"
                ),
                "mail_intro": '<p><t t-out="object.job_id.name"/></p>',
            }
        )
        applicant = self._applicant()
        applicant.interviewer_ids = self.manager
        self.assertEqual(
            self._render(allowed, applicant.with_user(self.manager))["event_summary"],
            "Placeholder Engineer with Morgan Manager",
        )
        for expression in (
            "{{ object.email_from }}",
            "{{ object.env['res.users'].search([]).mapped('login') }}",
            "{{ object.job_id.name.upper() }}",
        ):
            with self.subTest(expression=expression):
                self._assert_refused(allowed, "Mail Template Editor", event_summary=expression)
        self._assert_refused(
            allowed, "Mail Template Editor", mail_intro='<p t-if="object.env.user">x</p>'
        )
        # An editor's evaluated placeholder stays out of a non-editor's reach: editing
        # such a template is refused as for mail.template.
        self.template.event_description = "{{ object.email_from.upper() }}"
        with self.assertRaises(AccessError):
            self.template.with_user(self.manager).name = "Renamed"

    def test_shipped_examples_read_well_with_empty_values(self):
        # No department, interviewers or recruiter: every default text is used.
        applicant = self._applicant("Ada Lovelace")
        applicant.write({"department_id": False, "interviewer_ids": [(5,)], "user_id": False})
        for xmlid in ("phone_screen", "technical_interview", "panel_interview"):
            template = self.env.ref(f"hr_recruitment_cronofy.scheduling_template_{xmlid}")
            for fname, text in self._render(template, applicant).items():
                with self.subTest(template=xmlid, field=fname):
                    self.assertTrue(text)
                    self.assertNotIn("False", text)
                    self.assertNotRegex(text, r"  | [.,:)]")


@tagged("post_install", "-at_install")
class TestValidation(TemplateTextsCase):
    def test_unknown_path(self):
        self._assert_refused(
            self.template,
            r"Interview Title: the placeholder 'object.job_id.nope' uses 'nope', "
            r"which is not a field",
            event_summary="{{ object.job_id.nope }}",
        )
        self._assert_refused(
            self.template,
            r"'missing', which is not a field",
            mail_intro='<p><t t-out="object.missing"/></p>',
        )

    def test_placeholder_ending_on_a_record(self):
        self._assert_refused(
            self.template.with_user(self.manager),
            r"'object.job_id' is a record",
            event_summary="{{ object.job_id }}",
        )

    def test_syntax_errors(self):
        self._assert_refused(
            self.template,
            r"'object.job_id.name \+' is not a valid expression",
            event_description="{{ object.job_id.name + }}",
        )
        self._assert_refused(
            self.template, "cannot be read", event_summary="Interview {{ object.job_id.name"
        )

    def test_methods_and_values_after_a_path_are_accepted(self):
        self.template.event_description = (
            "{{ ', '.join(object.interviewer_ids.mapped('name')) }} "
            "{{ object.partner_name.upper() }}"
        )

    def test_auto_sending_mail_needs_the_link(self):
        no_link = self.env["mail.template"].create(
            {
                "name": "No link",
                "model_id": self.env["ir.model"]._get_id("hr.applicant"),
                "body_html": "<p>Hello</p>",
            }
        )
        self._assert_refused(
            self.template, "no scheduling-link placeholder", mail_template_id=no_link.id
        )
        # Without an email the link is posted for the recruiter to send: allowed.
        self.template.mail_template_id = False

    def test_shipped_examples_are_valid(self):
        applicant = self._applicant()
        for xmlid in (
            "scheduling_template_phone_screen",
            "scheduling_template_technical_interview",
            "scheduling_template_panel_interview",
        ):
            template = self.env.ref(f"hr_recruitment_cronofy.{xmlid}")
            self.assertIsNone(template.with_user(self.manager)._cronofy_placeholder_problem())
            texts = self._render(template.with_user(self.manager), applicant)
            self.assertIn("Placeholder Engineer", texts["event_summary"])
            self.assertNotIn("False", " ".join(map(str, texts.values())))


@tagged("post_install", "-at_install")
class TestPreview(TemplateTextsCase):
    def test_preview_against_an_applicant(self):
        applicant = self._applicant("Marie Curie", lang="fr_FR")
        self.template.preview_applicant_id = applicant
        self.assertEqual(self.template.preview_lang, "fr_FR")
        self.assertEqual(
            self.template.preview_event_summary, "Entretien Placeholder Engineer : Marie Curie"
        )
        self.assertEqual(self.template.preview_location_note, "At YourCompany")
        self.assertIn("Marie Curie", str(self.template.preview_mail_intro))

    def test_preview_updates_while_editing(self):
        applicant = self._applicant("Ada Lovelace")
        with Form(self.template.with_user(self.manager)) as form:
            form.preview_applicant_id = applicant
            form.location_note = "Room of {{ object.stage_id.name }}"
            self.assertEqual(form.preview_location_note, "Room of Placeholders: new")
            form.location_note = "{{ object.email_from }}"
            self.assertIn("Mail Template Editor", form.preview_error)
            form.location_note = "Lobby"


@tagged("post_install", "-at_install")
class TestTextsSentToCronofy(TemplateTextsCase):
    def test_api_path_sends_rendered_texts(self):
        applicant = self._applicant("Marie Curie", lang="fr_FR")
        applicant.stage_id = self.auto_stage
        self._dispatch()
        request = self._request(applicant)
        self.assertEqual(request.state, "pending", request.failure_reason)
        at_cronofy = self._at_cronofy(request)
        self.assertEqual(at_cronofy["_sim"]["template_sub"], "sgr_demo_interview_30")
        self.assertEqual(
            at_cronofy["event"]["summary"], "Entretien Placeholder Engineer : Marie Curie"
        )
        self.assertEqual(at_cronofy["event"]["description"], "Team: .")
        self.assertEqual(at_cronofy["event"]["location"], {"description": "At YourCompany"})
        self.assertEqual(request.summary, "Entretien Placeholder Engineer : Marie Curie")

    def test_bulk_run_survives_one_failing_applicant(self):
        self.template.event_summary = "{{ object.job_id.name.upper() }}"
        good = self._applicant("Grace Hopper")
        bad = self._applicant("Alan Turing", job=False)
        (good | bad).write({"stage_id": self.auto_stage.id})
        self._dispatch()
        self.assertEqual(self._request(good).state, "pending")
        failed = self._request(bad)
        self.assertEqual(failed.state, "failed")
        self.assertIn("could not be filled in for Alan Turing", failed.failure_reason)
        activity = bad.activity_ids.filtered(lambda a: a.summary == "Scheduling link not sent")
        self.assertIn("Placeholder screening", str(activity.note))
        self.assertEqual(len(self.sim.calls(route="scheduling_requests.create")), 1)
        self.assertEqual(
            self._at_cronofy(self._request(good))["event"]["summary"], "PLACEHOLDER ENGINEER"
        )

    def test_texts_cronofy_refuses_are_dropped_and_the_link_still_goes_out(self):
        # Whether a template create accepts event overrides is undocumented: if
        # Cronofy refuses them (422, nothing created), the link is sent without them.
        self.sim.configure(template_event_overrides="refuse")
        self.addCleanup(self.sim.configure, template_event_overrides="accept")
        applicant = self._applicant("Grace Hopper")
        applicant.stage_id = self.auto_stage
        self._dispatch()
        request = self._request(applicant)
        self.assertEqual(request.state, "pending", request.failure_reason)
        self.assertTrue(request.cronofy_texts_refused)
        creates = self.sim.calls(route="scheduling_requests.create")
        # The simulator still refuses any event override: the 200 proves the second
        # create carried none.
        self.assertEqual([call["status"] for call in creates], [422, 200])
        notes = applicant.message_ids.mapped(lambda message: str(message.body))
        self.assertTrue(any("Cronofy refused the interview texts" in body for body in notes))
        self.assertTrue(any("event.summary" in body for body in notes))
        self.assertEqual(len(self._request(applicant)), 1)


@tagged("post_install", "-at_install")
class TestInvitationMail(TemplateTextsCase):
    """The shipped invitation mail shows the scheduling template's Email Introduction,
    and an email template chosen for scheduling cannot lose its link."""

    def _invitation(self, applicant):
        applicant.stage_id = self.auto_stage
        self._dispatch()
        self.assertEqual(self._request(applicant).state, "pending")
        mail = applicant.message_ids.filtered(lambda message: message.message_type == "comment")
        self.assertEqual(len(mail), 1)
        return str(mail.body)

    def test_mail_shows_the_intro_in_the_candidate_language(self):
        self.template.mail_intro = '<p>Intro for <t t-out="object.partner_name"/></p>'
        self.template.with_context(
            lang="fr_FR"
        ).mail_intro = '<p>Introduction pour <t t-out="object.partner_name"/></p>'
        body = self._invitation(self._applicant("Marie <b>Curie</b>", lang="fr_FR"))
        self.assertIn("<p>Introduction pour Marie &lt;b&gt;Curie&lt;/b&gt;</p>", body)
        self.assertNotIn("We would like to meet you", body)
        self.assertNotIn("<b>Curie", body)
        self.assertIn("/rts/", body)  # the link is still there

    def test_mail_links_only_to_the_candidate_link_and_never_to_an_empty_one(self):
        # Cronofy gives reschedule and decline links only once a time is chosen: the
        # invitation, sent while the request is pending, must not print them.
        applicant = self._applicant("Grace Hopper")
        body = self._invitation(applicant)
        request = self._request(applicant)
        self.assertFalse(request.reschedule_url or request.decline_url)
        hrefs = re.findall(r'href="([^"]*)"', body)
        self.assertTrue(hrefs)
        self.assertTrue(all(href for href in hrefs), "no empty link")
        candidate_link = request.candidate_url.replace("&", "&amp;")
        self.assertEqual({href for href in hrefs if "/rts/" in href}, {candidate_link})

    def test_mail_without_intro_keeps_the_generic_sentence(self):
        self.template.mail_intro = False
        body = self._invitation(self._applicant("Grace Hopper"))
        self.assertIn("We would like to meet you.", body)
        self.assertNotIn("False", body)

    def test_email_template_in_use_cannot_drop_the_link(self):
        mail = self.template.mail_template_id
        self.assertEqual(
            mail, self.env.ref("hr_recruitment_cronofy.mail_template_schedule_interview")
        )
        with self.assertRaises(ValidationError) as caught:
            mail.body_html = "<p>Hello, see you soon.</p>"
        self.assertIn("Placeholder screening", str(caught.exception))
        self.assertIn("object.cronofy_scheduling_url", str(caught.exception))
        self.assertIn("object.cronofy_scheduling_url", mail.body_html)
        # A translation without the link is refused too, written in that language or
        # from the translation dialog (which ends with a write in the user's language).
        # (Odoo's assertRaises, unlike assertRaisesRegex, rolls the refused write back.)
        with self.assertRaises(ValidationError) as caught:
            mail.with_context(lang="fr_FR").body_html = "<p>Bonjour.</p>"
        self.assertIn("French", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            mail.update_field_translations("body_html", {"fr_FR": "<p>Bonjour.</p>"})
        self.assertIn("French", str(caught.exception))
        # An archived scheduling template still holds on to its email.
        self.template.active = False
        with self.assertRaises(ValidationError):
            mail.body_html = "<p>Hello, see you soon.</p>"
        self.template.active = True
        # A template editor outside Recruitment is refused without seeing the names.
        editor = new_test_user(
            self.env, login="hrc_mail_editor", groups=f"base.group_user,{EDITOR_GROUP}"
        )
        with self.assertRaises(ValidationError) as caught:
            mail.with_user(editor).body_html = "<p>Hello, see you soon.</p>"
        self.assertIn("a scheduling template you cannot see", str(caught.exception))
        self.assertNotIn("Placeholder screening", str(caught.exception))
        # Keeping the link in another form is fine, and unused templates are free.
        mail.body_html = '<p><a t-att-href="object.cronofy_scheduling_url">Book</a></p>'
        unused = mail.copy()
        unused.body_html = "<p>Hello, see you soon.</p>"
        self.assertEqual(str(unused.body_html), "<p>Hello, see you soon.</p>")


@tagged("post_install", "-at_install")
class TestEmbedTitle(EmbedFixtures, TemplateTextsCase):
    def test_embed_prefill_uses_the_template(self):
        stage = self.env["hr.recruitment.stage"].create(
            {"name": "Placeholders: embed", "job_ids": [(4, self.job.id)]}
        )
        stage.cronofy_scheduling_template_id = self.Template.create(
            {
                "name": "Embed panel",
                "cronofy_template_id": "sgr_demo_panel_60",
                "duration_minutes": 60,
                "event_summary": "Panel: {{ object.partner_name }} / {{ object.job_id.name }}",
            }
        )
        applicant = self._new_applicant("Ada <b>Lovelace</b>", "ada@example.com", job=self.job)
        applicant.with_context(cronofy_no_automation=True).stage_id = stage
        embed = self._prepare_as(self.recruiter, applicant)
        self.assertEqual(embed["event_summary"], f"Panel: Ada <b>Lovelace</b> / {self.job.name}")
        self.assertEqual(embed["event_duration_minutes"], 60)
        created = self._create_at_simulator(embed)
        at_cronofy = self.sim.scheduling_request(created["scheduling_request_id"])
        at_cronofy = at_cronofy.get("scheduling_request", at_cronofy)
        self.assertEqual(at_cronofy["summary"], embed["event_summary"])
