"""Every public method of the addon's models refuses callers without the right.

A public method (name not starting with ``_``) is an RPC endpoint: any logged-in
user can call it through ``/web/dataset/call_kw``, whatever the views show. The
methods are found by introspection (so a new one is covered without editing this
file) and each is called, in a savepoint that is always rolled back, as users of
each role (portal, internal user, interviewer, officer and manager of company A,
officer and system administrator of company B only) on records of companies A and
B. Each call must raise ``AccessError`` unless ``ALLOWED`` names the (role,
company) with the reason; an allowed call must not raise ``AccessError`` (a
``UserError`` for a business reason is fine). Nothing here calls Cronofy: the only
connection an allowed call uses (company B's) is not configured.
"""

import contextlib
import inspect
import json

from odoo.exceptions import AccessError, UserError
from odoo.models import check_method_name
from odoo.tests import new_test_user, tagged

from ..wizard.mail_compose_message import PENDING_LINK
from .common import CronofyCase

ADDON_MODULE_PREFIX = "odoo.addons.hr_recruitment_cronofy."

ROLES = {
    "portal": "base.group_portal",
    "internal": "base.group_user",
    "interviewer": "base.group_user,hr_recruitment.group_hr_recruitment_interviewer",
    "officer_a": "base.group_user,hr_recruitment.group_hr_recruitment_user",
    "manager_a": "base.group_user,hr_recruitment.group_hr_recruitment_manager",
    # An officer and a system administrator of company B only: company A's records
    # are another company's.
    "officer_b": "base.group_user,hr_recruitment.group_hr_recruitment_user",
    "admin_b": "base.group_user,base.group_system",
}
COMPANY_B_ROLES = ("officer_b", "admin_b")
COMPANIES = ("A", "B")

# Who may call what, as sets of (role, company of the records). The interviewer is
# an interviewer of both applicants but works in company A only.
EVERYONE = frozenset((role, company) for role in ROLES for company in COMPANIES)
OWN_MANAGER = frozenset({("manager_a", "A")})
OWN_RECRUITERS = frozenset({("officer_a", "A"), ("manager_a", "A"), ("officer_b", "B")})
OWN_RECRUITERS_AND_INTERVIEWER = OWN_RECRUITERS | {("interviewer", "A")}
OWN_ADMIN = frozenset({("admin_b", "B")})

ALLOWED = {
    ("cronofy.connection", "create"): (
        OWN_ADMIN,
        "system administrators create their companies' connections (ACL system, company rule)",
    ),
    ("cronofy.connection", "write"): (
        OWN_ADMIN,
        "system administrators edit their companies' connections (ACL system, company rule)",
    ),
    ("cronofy.connection", "action_rotate_webhook_key"): (
        OWN_ADMIN,
        "system administrators rotate their company's webhook key",
    ),
    ("cronofy.connection", "action_test_connection"): (
        OWN_ADMIN,
        "system administrators test their company's connection (company B's is not "
        "configured: the failure is recorded, Cronofy is not called)",
    ),
    ("cronofy.connection", "action_open_notifications"): (
        OWN_ADMIN,
        "system administrators open their company's inbox from its connection",
    ),
    ("cronofy.notification", "action_replay"): (
        OWN_MANAGER | OWN_ADMIN,
        "recruitment managers and system administrators replay their company's inbox "
        "(ACL manager and system read/write)",
    ),
    ("cronofy.notification", "action_match"): (
        OWN_MANAGER,
        "recruitment managers match their company's orphans to their company's applicants",
    ),
    ("cronofy.scheduling.request", "create"): (
        OWN_RECRUITERS,
        "officers create requests for applicants they may change (embed path)",
    ),
    ("cronofy.scheduling.request", "action_retry"): (
        OWN_RECRUITERS,
        "officers retry their company's requests (here a UserError: the request is not failed)",
    ),
    ("cronofy.scheduling.request", "action_cancel"): (
        OWN_RECRUITERS,
        "officers cancel their company's requests (list and form buttons)",
    ),
    ("cronofy.scheduling.request", "action_resend_link"): (
        OWN_RECRUITERS,
        "officers mail their company's candidates their link again (form button)",
    ),
    ("cronofy.scheduling.request", "action_mark_attended"): (
        OWN_RECRUITERS,
        "officers mark attendance on their company's interviews (a UserError here: not booked)",
    ),
    ("cronofy.scheduling.request", "action_mark_no_show"): (
        OWN_RECRUITERS,
        "officers mark attendance on their company's interviews (a UserError here: not booked)",
    ),
    ("cronofy.scheduling.request", "action_open_candidate_link"): (
        OWN_RECRUITERS_AND_INTERVIEWER,
        "opens a link the caller can read anyway (interviewers read their applicants' requests)",
    ),
    ("cronofy.scheduling.request", "action_open_dashboard"): (
        OWN_RECRUITERS_AND_INTERVIEWER,
        "opens a link the caller can read anyway (interviewers read their applicants' requests)",
    ),
    ("cronofy.scheduling.template", "create"): (
        OWN_MANAGER,
        "recruitment managers manage their company's templates (ACL manager, company rule)",
    ),
    ("cronofy.scheduling.template", "write"): (
        OWN_MANAGER,
        "recruitment managers manage their company's templates (ACL manager, company rule)",
    ),
    ("hr.applicant", "create"): (
        OWN_RECRUITERS,
        "hr_recruitment's ACL and rules: officers create their company's applicants",
    ),
    ("hr.applicant", "write"): (
        OWN_RECRUITERS_AND_INTERVIEWER,
        "hr_recruitment's ACL and rules: officers, and interviewers for their own "
        "applicants, move them into a stage with a scheduling template, which queues the "
        "link the stage names",
    ),
    ("hr.applicant", "mail_allowed_qweb_expressions"): (
        EVERYONE,
        "returns a constant tuple of field paths for the template editor; reads no record",
    ),
    ("hr.applicant", "action_open_cronofy_requests"): (
        OWN_RECRUITERS_AND_INTERVIEWER,
        "returns the requests list action; interviewers read their applicants' requests",
    ),
    ("hr.applicant", "action_resend_cronofy_link"): (
        OWN_RECRUITERS,
        "officers mail their company's candidates their current link again (form button)",
    ),
    ("calendar.event", "action_cronofy_mark_attended"): (
        OWN_RECRUITERS,
        "officers mark attendance on interviews of their company's requests (form button)",
    ),
    ("calendar.event", "action_cronofy_mark_no_show"): (
        OWN_RECRUITERS,
        "officers mark attendance on interviews of their company's requests (form button)",
    ),
    ("hr.applicant", "action_cronofy_mark_attended"): (
        OWN_RECRUITERS,
        "officers mark attendance on their company's interviews (form button)",
    ),
    ("hr.applicant", "action_cronofy_mark_no_show"): (
        OWN_RECRUITERS,
        "officers mark attendance on their company's interviews (form button)",
    ),
    ("hr.applicant", "action_cancel_cronofy_link"): (
        OWN_RECRUITERS,
        "officers cancel their company's candidates' current link (form button)",
    ),
    ("hr.applicant", "action_cronofy_send_scheduling_link"): (
        OWN_RECRUITERS,
        "officers send links to their company's applicants (server action, officer group)",
    ),
    ("hr.applicant", "action_send_cronofy_scheduling_link"): (
        OWN_RECRUITERS,
        "officers send links to their company's applicants (form button, officer group)",
    ),
    ("mail.compose.message", "action_send_mail"): (
        OWN_RECRUITERS,
        "officers send the scheduling link to their company's applicants",
    ),
    ("mail.compose.message", "action_schedule_message"): (
        OWN_RECRUITERS,
        "officers schedule the scheduling link mail to their company's applicants",
    ),
    **{
        ("res.config.settings", method): (
            OWN_ADMIN,
            "system administrators manage their company's connection in Settings (company "
            "B's is not configured: connect and authorize raise a UserError, no HTTP)",
        )
        for method in (
            "action_cronofy_connect",
            "action_cronofy_authorize",
            "action_cronofy_disconnect",
            "action_cronofy_test_connection",
            "action_cronofy_rotate_webhook_key",
        )
    },
    ("applicant.send.mail", "action_send"): (
        OWN_RECRUITERS_AND_INTERVIEWER,
        "hr_recruitment's wizard is open to interviewers and officers (its ACL) for the "
        "applicants they may read",
    ),
}

# Not callable over RPC at all: Odoo's call_kw refuses these names.
NOT_RPC = {
    ("cronofy.scheduling.request", "init"): (
        "odoo.models.check_method_name refuses 'init' remotely; the registry runs it "
        "when the module is installed or updated"
    ),
    ("cronofy.scheduling.report", "init"): (
        "odoo.models.check_method_name refuses 'init' remotely; it creates the report's view"
    ),
    ("cronofy.scheduling.rollup", "init"): (
        "odoo.models.check_method_name refuses 'init' remotely; it creates the report's "
        "pre-aggregated tables and their triggers"
    ),
}

# Public methods without a call to check_groups(), and why that is safe.
NO_EXPLICIT_CHECK = {
    ("cronofy.connection", "create"): (
        "ORM create checks the ACL (system only) and the company rule; only strips values"
    ),
    ("cronofy.connection", "write"): (
        "ORM write checks the ACL (system only) and the company rule; only strips values"
    ),
    ("cronofy.connection", "unlink"): (
        "ORM unlink checks the ACL (no group may delete a connection); only clears a cache"
    ),
    ("cronofy.scheduling.template", "create"): (
        "ORM create checks the ACL (recruitment manager) and the company rule"
    ),
    ("cronofy.scheduling.template", "write"): (
        "ORM write checks the ACL (recruitment manager) and the company rule"
    ),
    ("hr.applicant", "create"): (
        "ORM create checks hr_recruitment's ACL and rules before the stage automation runs"
    ),
    ("hr.applicant", "write"): (
        "the stages are read as the caller and ORM write checks hr_recruitment's ACL and "
        "rules before the automation acts on the written applicants"
    ),
    ("hr.applicant", "mail_allowed_qweb_expressions"): "constant tuple, no record read",
    ("cronofy.scheduling.request", "init"): "not RPC-callable (see NOT_RPC)",
    ("cronofy.scheduling.report", "init"): "not RPC-callable (see NOT_RPC)",
    ("cronofy.scheduling.rollup", "init"): "not RPC-callable (see NOT_RPC)",
}

# What the enumeration must find at least: a broken introspection cannot pass.
EXPECTED = {
    ("cronofy.connection", "action_rotate_webhook_key"),
    ("cronofy.connection", "action_test_connection"),
    ("cronofy.connection", "action_open_notifications"),
    ("cronofy.connection", "create"),
    ("cronofy.connection", "write"),
    ("cronofy.notification", "action_replay"),
    ("cronofy.notification", "action_match"),
    ("cronofy.scheduling.request", "action_retry"),
    ("cronofy.scheduling.request", "action_cancel"),
    ("cronofy.scheduling.request", "action_open_candidate_link"),
    ("cronofy.scheduling.request", "action_resend_link"),
    ("cronofy.scheduling.request", "action_mark_attended"),
    ("cronofy.scheduling.request", "action_mark_no_show"),
    ("hr.applicant", "action_cronofy_mark_attended"),
    ("calendar.event", "action_cronofy_mark_attended"),
    ("calendar.event", "action_cronofy_mark_no_show"),
    ("hr.applicant", "action_cronofy_mark_no_show"),
    ("cronofy.scheduling.request", "action_open_dashboard"),
    ("cronofy.scheduling.request", "create"),
    ("cronofy.scheduling.request", "init"),
    ("cronofy.scheduling.report", "init"),
    ("cronofy.scheduling.rollup", "init"),
    ("cronofy.scheduling.template", "create"),
    ("cronofy.scheduling.template", "write"),
    ("hr.applicant", "action_open_cronofy_requests"),
    ("hr.applicant", "action_cronofy_send_scheduling_link"),
    ("hr.applicant", "action_resend_cronofy_link"),
    ("hr.applicant", "action_cancel_cronofy_link"),
    ("hr.applicant", "action_send_cronofy_scheduling_link"),
    ("hr.applicant", "create"),
    ("hr.applicant", "write"),
    ("hr.applicant", "mail_allowed_qweb_expressions"),
    ("mail.compose.message", "action_send_mail"),
    ("mail.compose.message", "action_schedule_message"),
    ("applicant.send.mail", "action_send"),
    ("res.config.settings", "action_cronofy_connect"),
    ("res.config.settings", "action_cronofy_authorize"),
    ("res.config.settings", "action_cronofy_disconnect"),
    ("res.config.settings", "action_cronofy_test_connection"),
    ("res.config.settings", "action_cronofy_rotate_webhook_key"),
}

# Positional arguments of methods that need some.
CALL_ARGS = {"action_schedule_message": ("2030-01-01 10:00:00",)}


def addon_public_methods(env):
    """``{(model, method): [functions]}`` for every public callable that a class of
    this addon defines on a model of the registry (one function per defining class)."""
    found = {}
    for model_name in env.registry:
        for cls in type(env[model_name]).__mro__:
            if not cls.__module__.startswith(ADDON_MODULE_PREFIX):
                continue
            for name, value in vars(cls).items():
                if name.startswith("_"):
                    continue
                if isinstance(value, staticmethod | classmethod):
                    value = value.__func__
                if callable(value):
                    found.setdefault((model_name, name), []).append(value)
    return found


@tagged("post_install", "-at_install")
class TestPublicMethodAccess(CronofyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.env["res.company"]
        company_a = cls.company
        company_b = Company.create({"name": "Cronofy Access Company B"})
        cls.companies = {"A": company_a, "B": company_b}
        # A second company per side, without a connection, to create one in.
        cls.spare_companies = {
            key: Company.create({"name": f"Cronofy Access Company {key} (spare)"})
            for key in COMPANIES
        }
        cls.users = {}
        for role, groups in ROLES.items():
            key = "B" if role in COMPANY_B_ROLES else "A"
            companies = cls.companies[key] | cls.spare_companies[key]
            cls.users[role] = new_test_user(
                cls.env,
                login=f"hrc_access_{role}",
                groups=groups,
                company_id=cls.companies[key].id,
                company_ids=[(6, 0, companies.ids)],
            )
        cls.records = {}
        cls.create_values = {}
        cls.write_values = {}
        for key, company in cls.companies.items():
            cls._company_fixtures(key, company)

    @classmethod
    def _company_fixtures(cls, key, company):
        env = cls.env
        records = {}
        records["cronofy.connection"] = env["cronofy.connection"]._for_company(company).sudo(False)
        template = env["cronofy.scheduling.template"].create(
            {
                "name": f"Access interview {key}",
                "cronofy_template_id": f"sgr_access_{key}",
                "company_id": company.id,
            }
        )
        records["cronofy.scheduling.template"] = template
        stage = env["hr.recruitment.stage"].create(
            {"name": f"Access stage {key}", "cronofy_scheduling_template_id": template.id}
        )
        candidate = env["hr.candidate"].create(
            {
                "partner_name": f"Candidate {key}",
                "email_from": f"candidate.{key.lower()}@example.com",
                "company_id": company.id,
            }
        )
        applicant = env["hr.applicant"].create(
            {
                "candidate_id": candidate.id,
                "company_id": company.id,
                "interviewer_ids": [(6, 0, cls.users["interviewer"].ids)],
            }
        )
        records["hr.applicant"] = applicant
        records["cronofy.scheduling.request"] = (
            env["cronofy.scheduling.request"]
            .sudo()
            .create(
                {
                    "applicant_id": applicant.id,
                    "cronofy_id": f"srq_access_{key}",
                    "candidate_url": f"https://app.cronofy.com/rts/access{key}",
                    "dashboard_url": f"https://app.cronofy.com/scheduler/requests/{key}",
                }
            )
            .sudo(False)
        )
        # The request's interview (calendar.event has no company: the request's
        # company rule is what guards it).
        records["calendar.event"] = (
            env["calendar.event"]
            .sudo()
            .create(
                {
                    "name": f"Interview {key}",
                    "start": "2030-02-04 09:00:00",
                    "stop": "2030-02-04 09:30:00",
                    "cronofy_request_id": records["cronofy.scheduling.request"].id,
                }
            )
            .sudo(False)
        )
        payload = {
            "notification": {
                "type": "scheduling_request_time_chosen",
                "triggered_at": "2030-02-01T10:00:00Z",
            },
            "scheduling_request": {
                "scheduling_request_id": f"srq_access_orphan_{key}",
                "slot_selection": "complete",
                "event": {
                    "summary": "Interview",
                    "start": {"time": "2030-02-04T09:00:00Z", "tzid": "Europe/Paris"},
                    "end": {"time": "2030-02-04T09:30:00Z", "tzid": "Europe/Paris"},
                },
            },
        }
        records["cronofy.notification"] = (
            env["cronofy.notification"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "connection_id": records["cronofy.connection"].id,
                    "raw_body": json.dumps(payload),
                    "dedupe_key": f"access-orphan-{key}",
                    "notification_type": "scheduling_request_time_chosen",
                    "cronofy_request_ref": f"srq_access_orphan_{key}",
                    "state": "orphan",
                    "match_applicant_id": applicant.id,
                }
            )
            .sudo(False)
        )
        # Wizards as the web client creates them (for this company's applicant). Mail
        # lets only its creator use a composer: the caller creates it (a factory).
        records["mail.compose.message"] = lambda user_env: (
            user_env["mail.compose.message"]
            .with_context(
                default_model="hr.applicant",
                default_res_ids=applicant.ids,
                default_composition_mode="comment",
            )
            .create(
                {
                    "subject": "Your interview",
                    "body": f'<p>Choose a time: <a href="{PENDING_LINK}">{PENDING_LINK}</a></p>',
                }
            )
        )
        records["applicant.send.mail"] = env["applicant.send.mail"].create(
            {
                "applicant_ids": [(6, 0, applicant.ids)],
                "subject": "Hello",
                "body": "<p>Hello</p>",
            }
        )
        records["res.config.settings"] = env["res.config.settings"].create(
            {"company_id": company.id}
        )
        cls.records[key] = records
        cls.create_values[key] = {
            "cronofy.connection": {"company_id": cls.spare_companies[key].id},
            "cronofy.scheduling.request": {
                "applicant_id": applicant.id,
                "candidate_url": f"https://app.cronofy.com/rts/new{key}",
            },
            "cronofy.scheduling.template": {"name": f"New {key}", "company_id": company.id},
            "hr.applicant": {"candidate_id": candidate.id, "company_id": company.id},
        }
        cls.write_values[key] = {
            "cronofy.connection": {"client_id": "changed_by_rpc"},
            "cronofy.scheduling.template": {"name": "Renamed by RPC"},
            "hr.applicant": {"stage_id": stage.id},
        }

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------

    def _call(self, model, method, role, company):
        records = self.records[company].get(model)
        self.assertTrue(
            records,
            f"no {company} record of {model} to call {method} on: add one to the fixtures",
        )
        user = self.users[role]
        if callable(records):  # a wizard the caller must create itself
            records = records(self.env(user=user))
        else:
            records = records.with_user(user)
        if method == "create":
            return records.browse().create([self.create_values[company][model]])
        if method == "write":
            return records.write(self.write_values[company][model])
        return getattr(records, method)(*CALL_ARGS.get(method, ()))

    def _rolled_back_call(self, model, method, role, company):
        """The exception the call raised (None if none), every change rolled back."""
        with contextlib.closing(self.env.cr.savepoint()):
            try:
                self._call(model, method, role, company)
                self.env.flush_all()
            except Exception as error:  # noqa: BLE001 - judged by the caller
                return error
        return None

    # ------------------------------------------------------------------
    # tests
    # ------------------------------------------------------------------

    def test_enumeration_finds_the_public_methods(self):
        found = set(addon_public_methods(self.env))
        self.assertFalse(EXPECTED - found, "introspection missed public methods")
        for key in (*ALLOWED, *NOT_RPC, *NO_EXPLICIT_CHECK):
            self.assertIn(key, found, f"stale entry for a method that no longer exists: {key}")

    def test_not_rpc_callable_methods_are_refused_by_odoo(self):
        for model, method in addon_public_methods(self.env):
            try:
                check_method_name(method)
            except AccessError:
                self.assertIn((model, method), NOT_RPC, f"{model}.{method} is private to RPC")
            else:
                self.assertNotIn((model, method), NOT_RPC, f"{model}.{method} is RPC-callable")

    def test_every_public_method_checks_the_caller_explicitly(self):
        missing = []
        for (model, method), functions in addon_public_methods(self.env).items():
            if (model, method) in NO_EXPLICIT_CHECK:
                continue
            for function in functions:
                if "check_groups(" not in inspect.getsource(function):
                    missing.append(f"{model}.{method} ({function.__module__})")
        self.assertFalse(
            missing,
            "public methods without check_groups() (or a NO_EXPLICIT_CHECK reason)",
        )

    def test_lower_roles_are_refused_on_every_public_method(self):
        failures = []
        called = set()
        for model, method in sorted(addon_public_methods(self.env)):
            if (model, method) in NOT_RPC:
                continue
            called.add((model, method))
            allowed, _reason = ALLOWED.get((model, method), (frozenset(), ""))
            for role in ROLES:
                for company in COMPANIES:
                    outcome = self._rolled_back_call(model, method, role, company)
                    label = f"{model}.{method} as {role} on company {company}'s record"
                    if (role, company) in allowed:
                        if isinstance(outcome, AccessError) or not (
                            outcome is None or isinstance(outcome, UserError)
                        ):
                            failures.append(f"{label}: allowed but raised {outcome!r}")
                    elif not isinstance(outcome, AccessError):
                        failures.append(f"{label}: expected AccessError, got {outcome!r}")
        self.assertFalse(EXPECTED - set(NOT_RPC) - called, "expected methods not called")
        self.assertFalse(failures, "\n".join(failures))

    def test_refusal_names_the_right_and_changes_nothing(self):
        connection = self.records["A"]["cronofy.connection"]
        key = connection.sudo().webhook_key
        right = self.env.ref("base.group_system").full_name
        for role in ROLES:
            with self.assertRaises(AccessError) as caught:
                connection.with_user(self.users[role]).action_rotate_webhook_key()
            if role == "admin_b":  # has the right, not for company A: the record rule
                self.assertIn("Cronofy Connection", str(caught.exception))
            else:
                self.assertIn(f"needs the access right “{right}”", str(caught.exception))
        self.assertEqual(connection.sudo().webhook_key, key)

    def test_composer_does_not_read_another_companys_requests(self):
        # The stale-link replacement reads the applicant's requests with sudo: an
        # officer of another company is refused before it, with nothing changed.
        officer_b = self.users["officer_b"]
        composer = self.records["A"]["mail.compose.message"](self.env(user=officer_b))
        body = composer.body
        with self.assertRaises(AccessError):
            composer.action_send_mail()
        self.assertEqual(composer.body, body)
