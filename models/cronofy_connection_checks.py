"""Test connection, one line per credential, and the setup checklist built on them.

Each line says ``ok`` (verified), ``failed`` (with the fix) or ``unverifiable`` (not
verifiable from here, with what would prove it). The summary is "connected" only
when no line failed. The lines of the last test are kept on the connection as one
JSON value (``check_results``): they are a snapshot replaced as a whole by each
test, written with the status in one UPDATE in a cursor of its own (no HTTP call
happens inside a user's transaction), and read by the Settings block and the
connection form through a computed HTML field, so no child model, access rules
or JavaScript widget are needed to show them.

An AbstractModel inherited by ``cronofy.connection`` only: the checks read the
record's credentials and use its clients (``_oauth_client``, ``_scheduler_client``,
``_embed_token``), its status writes (``_write_in_own_cursor``) and its push
health (``_last_push_received_at``).
"""

import contextlib
import ipaddress
import logging
from urllib.parse import urlsplit

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..cronofy_protocol import (
    ClientCheck,
    CronofyApiError,
    CronofyError,
    EmbedCheck,
    ForbiddenError,
    UnauthorizedError,
    embed_context_checkable,
    is_loopback,
    probe_embed_context,
    probe_embed_script,
)

_logger = logging.getLogger(__name__)

OK = "ok"
FAILED = "failed"
UNVERIFIABLE = "unverifiable"
CHECK_ORDER = ("client", "api", "embed", "script", "base_url", "push")
DOCS = {
    "organization_connect": "https://docs.cronofy.com/developers/api/organization-connect/",
    "internal_application": (
        "https://docs.cronofy.com/developers/application-management/internal-applications/"
    ),
    "embed_setup": (
        "https://docs.cronofy.com/developers/embedded-scheduler/installing-and-embedding"
    ),
    "onboarding": "https://docs.cronofy.com/developers/embedded-scheduler/onboarding-users/",
    "receiving_updates": (
        "https://docs.cronofy.com/developers/embedded-scheduler/receiving-updates"
    ),
    "workflows": "https://docs.cronofy.com/scheduler/workflows/",
}
# [U] Cronofy has no documented "ping" endpoint: "Test connection" queries a
# scheduling request id that cannot exist. The simulator answers 200 with an empty
# list (its guess 12); a 404/422 from Cronofy would equally prove the credentials
# were accepted, whereas 401/403 prove they were not.
CONNECTION_TEST_REQUEST_ID = "srq_odoo_connection_test"
STATUS_ICONS = {
    OK: "fa-check-circle text-success",
    FAILED: "fa-times-circle text-danger",
    UNVERIFIABLE: "fa-question-circle text-muted",
}


def _line(key, label, status, detail, fix=None, status_label=None, **extra):
    """One check line. ``status_label`` replaces the status's usual name."""
    return dict(
        extra,
        key=key,
        label=label,
        status=status,
        detail=detail,
        fix=fix or False,
        status_label=status_label or False,
    )


def _is_private_host(hostname):
    """Loopback, ``localhost``, private, link-local or a single-label name: not an
    address Cronofy's servers can reach."""
    hostname = (hostname or "").lower().strip("[]")
    if not hostname or is_loopback(hostname) or hostname.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return "." not in hostname
    return address.is_private or address.is_link_local or address.is_unspecified


class CronofyConnectionChecks(models.AbstractModel):
    _name = "cronofy.connection.checks"
    _description = "Cronofy Connection: Test connection and the setup checklist"

    check_results = fields.Json(
        "Checks", copy=False, readonly=True, help="The lines of the last Test connection."
    )
    check_results_html = fields.Html("Connection checks", compute="_compute_check_results_html")
    setup_checklist_html = fields.Html("Setup checklist", compute="_compute_setup_checklist_html")
    signup_opened_at = fields.Datetime(
        "Sign-up opened",
        copy=False,
        readonly=True,
        help="The last time an administrator opened Cronofy's sign-up for this company.",
    )

    # ---------------------------------------------------------------------------------
    # the checks (HTTP: call from a button or a cron, never inside a write)
    # ---------------------------------------------------------------------------------

    def _test_connection(self):
        """Run every setup check (HTTP to Cronofy) and record the lines and the
        summary in a cursor of their own. Returns None when no line failed, else
        the failed lines with their fixes."""
        self.ensure_one()
        lines = self._setup_check_lines()
        state, summary, message = self._summarize_checks(lines)
        self._write_in_own_cursor(
            {
                "check_results": lines,
                "state": state,
                "last_error": summary,
                "last_checked": fields.Datetime.now(),
            }
        )
        _logger.info(
            "Cronofy: company %s tested: %s",
            self.company_id.id,
            ", ".join(f"{line['key']} {line['status']}" for line in lines),
        )
        return message

    def _query_scheduler_once(self):
        """One Scheduler API query for a request that cannot exist (raises on failure).
        With Organization Connect, a refused access token is refreshed once."""
        self.ensure_one()
        try:
            with self._scheduler_client() as client:
                client.query_scheduling_requests([CONNECTION_TEST_REQUEST_ID])
        except UnauthorizedError:
            if self.sudo().api_access_mode != "organization_connect":
                raise
            # The access token may have been revoked or expired early: one refresh.
            self._valid_access_token(force_refresh=True)
            with self._scheduler_client() as client:
                client.query_scheduling_requests([CONNECTION_TEST_REQUEST_ID])

    def _setup_check_lines(self):
        """Every check, in ``CHECK_ORDER``; each is one dict (see ``_line``)."""
        self.ensure_one()
        return [
            self._check_client_credentials(),
            self._check_api_access(),
            self._check_embed_credentials(),
            self._check_embed_script(),
            self._check_public_address(),
            self._check_push_notifications(),
        ]

    def _uses_real_cronofy(self):
        """True when the API host is Cronofy's (not a simulator on this machine)."""
        try:
            api_url = self._endpoints().api_base_url
        except UserError:
            return False
        return not is_loopback((urlsplit(api_url).hostname or "").lower())

    def _missing_line(self, key, label, names, fix):
        return _line(
            key,
            label,
            FAILED,
            self.env._("Not set: %s.", ", ".join(names)),
            fix,
            missing=True,
        )

    def _field_labels(self, names):
        return [self._fields[name]._description_string(self.env) for name in names]

    def _check_client_credentials(self):
        label = self.env._("Client ID and client secret")
        connection_sudo = self.sudo()
        missing = [n for n in ("client_id", "client_secret") if not connection_sudo[n]]
        if missing:
            return self._missing_line(
                "client",
                label,
                self._field_labels(missing),
                self.env._(
                    "Copy them from Cronofy's Developer Dashboard > your application > "
                    "Credentials. The client secret also signs every push notification."
                ),
            )
        try:
            with contextlib.closing(self._oauth_client()) as oauth:
                probe = oauth.probe_client_credentials(self._oauth_redirect_uri())
        except (CronofyError, UserError) as error:
            return _line("client", label, FAILED, str(error.args[0] if error.args else error))
        if probe.outcome == ClientCheck.ACCEPTED:
            return _line(
                "client",
                label,
                OK,
                self.env._(
                    "Cronofy's token endpoint knows this client: it refused only the "
                    "deliberately invalid authorization code sent to test it (%s).",
                    probe.detail,
                ),
            )
        if probe.outcome == ClientCheck.REJECTED:
            return _line(
                "client",
                label,
                FAILED,
                self.env._(
                    "Cronofy does not recognise this client ID and secret (%s).", probe.detail
                ),
                self.env._(
                    "Copy both again from Cronofy's Developer Dashboard > your application > "
                    "Credentials, and check that the data centre is the one the application "
                    "was created in."
                ),
            )
        if probe.unreachable:
            return _line(
                "client",
                label,
                FAILED,
                self.env._("Cronofy could not be reached: %s.", probe.detail),
                self.env._(
                    "Check the data centre, the API base URL and this server's internet "
                    "access, then test again."
                ),
            )
        return _line(
            "client",
            label,
            UNVERIFIABLE,
            self.env._("Cronofy's answer (%s) does not tell whether they are right.", probe.detail),
        )

    def _check_api_access(self):
        connection_sudo = self.sudo()
        internal = connection_sudo.api_access_mode == "internal_application"
        if internal:
            label = self.env._("Scheduler API access (Internal Application secret)")
            if not connection_sudo.internal_app_client_secret:
                return self._missing_line(
                    "api",
                    label,
                    self._field_labels(["internal_app_client_secret"]),
                    self.env._(
                        "Create an Internal Application inside your Organizational Unit "
                        "(Developer Dashboard) and paste its client secret."
                    ),
                )
        else:
            label = self.env._("Scheduler API access (Organization Connect token)")
            if not connection_sudo.refresh_token:
                return self._missing_line(
                    "api",
                    label,
                    [self.env._("authorization")],
                    self.env._(
                        "Click 'Authorize API access' and approve Odoo in your Organizational "
                        "Unit (register %s as a redirect URI of your Cronofy application "
                        "first).",
                        self._oauth_redirect_uri(),
                    ),
                )
        try:
            self._query_scheduler_once()
        except (CronofyError, UserError) as error:
            return _line("api", label, FAILED, *self._api_failure(error, internal))
        return _line(
            "api",
            label,
            OK,
            self.env._("The Scheduler API answered a query made with these credentials."),
        )

    def _api_failure(self, error, internal):
        """(detail, fix) for a failed Scheduler API call."""
        if isinstance(error, UnauthorizedError | ForbiddenError):
            if internal:
                return (
                    self.env._(
                        "Cronofy refused the Internal Application secret (%s).", error.status
                    ),
                    self.env._(
                        "Paste the client secret of the Internal Application again (Developer "
                        "Dashboard > the Internal Application > Credentials); it is not the "
                        "secret of your main application unless they are the same app."
                    ),
                )
            return (
                self.env._("Cronofy refused the access token (%s).", error.status),
                self.env._("Click 'Authorize API access' again."),
            )
        if isinstance(error, CronofyApiError):
            return (
                self.env._("Cronofy could not be reached or failed: %s.", error),
                self.env._("Try again in a moment; check the data centre and API base URL."),
            )
        return (str(error.args[0] if error.args else error), False)

    def _check_embed_credentials(self):
        label = self.env._("Embed public key and embed secret")
        connection_sudo = self.sudo()
        missing = [n for n in ("embed_public_key", "embed_secret") if not connection_sudo[n]]
        if missing:
            return self._missing_line(
                "embed",
                label,
                self._field_labels(missing),
                self.env._(
                    "In Cronofy's Developer Dashboard, enable 'Embed Credentials for this "
                    "application' under Features, then 'Generate a new embed secret' under "
                    "Credentials: you get a public key (EMB_...) and a secret (ESK_...)."
                ),
            )
        try:
            app_url = self._endpoints().app_base_url
            token = self._embed_token() if embed_context_checkable(app_url) else None
        except UserError as error:
            return _line("embed", label, FAILED, error.args[0])
        if token is None:
            return _line(
                "embed",
                label,
                UNVERIFIABLE,
                self.env._(
                    "Not verifiable from here: their format is right (EMB_..., ESK_...), but "
                    "Cronofy offers no server-side check of embed credentials. The first "
                    "Scheduler a recruiter opens from the mail composer proves them."
                ),
            )
        probe = probe_embed_context(app_url, token)
        if probe.outcome == EmbedCheck.ACCEPTED:
            unit = probe.organizational_unit
            detail = self.env._("The Scheduler accepted an embed token signed with them.")
            if unit:
                detail += " " + self.env._(
                    "This company's tenant is in the Organizational Unit %s.", unit
                )
            else:
                detail += " " + self.env._(
                    "This company's tenant is not linked to an Organizational Unit yet: "
                    "click 'Connect to Cronofy'."
                )
            return _line("embed", label, OK, detail, organizational_unit=unit or False)
        fixes = {
            "unknown_issuer": self.env._(
                "The Scheduler does not know this embed public key: copy the EMB_ key again "
                "from Developer Dashboard > Credentials."
            ),
            "bad_signature": self.env._(
                "The embed secret does not match the embed public key: copy the ESK_ secret "
                "generated with it, or generate a new pair."
            ),
        }
        if probe.outcome == EmbedCheck.REJECTED:
            return _line(
                "embed",
                label,
                FAILED,
                self.env._(
                    "The Scheduler refused an embed token signed with them (%s).", probe.reason
                ),
                fixes.get(probe.reason)
                or self.env._("Copy the embed public key and secret again, as a pair."),
            )
        return _line(
            "embed",
            label,
            FAILED,
            self.env._("The Scheduler could not be reached (%s).", probe.reason),
            self.env._("Check the App base URL, then test again."),
        )

    def _embed_script_problem(self):
        """Fetch the configured script once (Test connection only) and say what is
        wrong with it for the recruiter's browser, or None when it would load."""
        self.ensure_one()
        url = self._embed_script_url()
        if not url:
            return self.env._(
                "The Embedded Scheduler script URL is not set, so the mail composer cannot "
                "create scheduling links (stage automation still can). Cronofy ships the "
                "Scheduler as the npm package cronofy-scheduler-embed: serve its built module "
                "over https and paste the URL under Settings > Recruitment > Cronofy."
            )
        probe = probe_embed_script(url)
        if probe.ok:
            return None
        return self.env._(
            "The Embedded Scheduler script at %(url)s cannot be used: %(detail)s.",
            url=url,
            detail=probe.detail,
        )

    def _check_embed_script(self):
        label = self.env._("Embedded Scheduler script")
        problem = self._embed_script_problem()
        if problem:
            return _line("script", label, FAILED, problem)
        return _line(
            "script",
            label,
            OK,
            self.env._(
                "%s serves JavaScript defining <cronofy-scheduler-button>.",
                self._embed_script_url(),
            ),
        )

    def _check_public_address(self):
        label = self.env._("Odoo's address for Cronofy (web.base.url)")
        # get_base_url: the address every URL given to Cronofy is built from.
        base_url = self.get_base_url() or ""
        try:
            parts = urlsplit(base_url)
            hostname = parts.hostname or ""
        except ValueError:
            parts, hostname = None, ""
        fix = self.env._(
            "Set the system parameter web.base.url to the public https address of this Odoo "
            "(Settings > Technical > System Parameters; add web.base.url.freeze = True so a "
            "login from another address does not change it), then paste the new webhook URL "
            "into Cronofy."
        )
        if not hostname:
            return _line(
                "base_url",
                label,
                FAILED,
                self.env._("%s is not a web address.", base_url or self.env._("(empty)")),
                fix,
            )
        if not self._uses_real_cronofy():
            return _line(
                "base_url",
                label,
                OK,
                self.env._(
                    "%s: the Cronofy simulator runs on this machine and reaches it.", base_url
                ),
            )
        if _is_private_host(hostname):
            return _line(
                "base_url",
                label,
                FAILED,
                self.env._(
                    "%s can only be reached from this machine or network, so Cronofy can "
                    "deliver no push notification to the webhook URL, and 'Authorize API "
                    "access' cannot bring you back to Odoo.",
                    base_url,
                ),
                fix,
            )
        detail = self.env._(
            "Not verifiable from here: %s is a public address, but Odoo cannot reach itself "
            "from outside. The first signed push notification proves it.",
            base_url,
        )
        if parts.scheme != "https":
            detail += " " + self.env._("Use https: Cronofy sends credentials-bearing links to it.")
        return _line("base_url", label, UNVERIFIABLE, detail)

    def _check_push_notifications(self):
        label = self.env._("Signed push notifications")
        last = self._last_push_received_at()
        if last:
            return _line(
                "push",
                label,
                OK,
                self.env._(
                    "The last one arrived at %s UTC, signed with a client secret Odoo knows.",
                    fields.Datetime.to_string(last),
                ),
            )
        return _line(
            "push",
            label,
            UNVERIFIABLE,
            status_label=self.env._("None yet"),
            detail=self.env._(
                "None yet: Cronofy sends one when a candidate books, moves or declines. Paste "
                "the webhook URL into your application's 'Embed webhook callback URL' (and an "
                "Internal Application's 'Universal Push Notification URL')."
            ),
        )

    # ---------------------------------------------------------------------------------
    # what the lines mean together
    # ---------------------------------------------------------------------------------

    @api.model
    def _summarize_checks(self, lines):
        """(state, last_error, message) for a list of lines: "connected" only when
        no line failed; "not connected" when what failed is only missing; the
        message names every failed line with its fix."""
        failed = [line for line in lines if line["status"] == FAILED]
        if not failed:
            return "connected", False, None
        state = "not_connected" if all(line.get("missing") for line in failed) else "error"
        summary = self.env._(
            "Test connection: %(failed)s of %(total)s checks failed (%(names)s).",
            failed=len(failed),
            total=len(lines),
            names=", ".join(line["label"] for line in failed),
        )
        message = "\n".join(
            " ".join(filter(None, (f"{line['label']}:", line["detail"], line["fix"])))
            for line in failed
        )
        return state, summary, message

    def _check_status(self, key):
        """The status of line ``key`` in the last test, or None."""
        self.ensure_one()
        return next(
            (line["status"] for line in self.check_results or [] if line.get("key") == key),
            None,
        )

    @api.depends("check_results")
    def _compute_check_results_html(self):
        names = {
            OK: self.env._("Verified"),
            FAILED: self.env._("Failed"),
            UNVERIFIABLE: self.env._("Not verifiable from here"),
        }
        for connection in self:
            lines = connection.check_results or []
            if not lines:
                connection.check_results_html = Markup(
                    "<p class='text-muted mb-0 o_cronofy_checks_none'>%s</p>"
                ) % self.env._("Not tested yet: click Test connection.")
                continue
            items = []
            for line in lines:
                status = line.get("status", UNVERIFIABLE)
                fix = (
                    Markup("<div class='text-danger o_cronofy_check_fix'>%s %s</div>")
                    % (self.env._("Fix:"), line["fix"])
                    if line.get("fix")
                    else ""
                )
                items.append(
                    Markup(
                        "<li class='d-flex gap-2 mb-2 o_cronofy_check o_cronofy_check_%s "
                        "o_cronofy_check_%s'>"
                        "<i class='fa fa-fw mt-1 flex-shrink-0 %s' title='%s'></i>"
                        "<div><strong>%s</strong> <span class='small text-muted "
                        "o_cronofy_check_status'>%s</span><div>%s</div>%s</div></li>"
                    )
                    % (
                        line.get("key"),
                        status,
                        STATUS_ICONS.get(status, STATUS_ICONS[UNVERIFIABLE]),
                        names.get(status, status),
                        line.get("label"),
                        line.get("status_label") or names.get(status, status),
                        line.get("detail"),
                        fix,
                    )
                )
            connection.check_results_html = Markup(
                "<ul class='list-unstyled mb-0 o_cronofy_checks'>%s</ul>"
            ) % Markup().join(items)

    def _setup_steps(self):
        """The checklist: (key, title, done, explanation) per step, in order."""
        self.ensure_one()
        connection_sudo = self.sudo()
        credentials_set = all(
            connection_sudo[name]
            for name in ("client_id", "client_secret", "embed_public_key", "embed_secret")
        )
        credentials_done = credentials_set and FAILED not in (
            self._check_status("client"),
            self._check_status("embed"),
        )
        embed_unit = next(
            (
                line.get("organizational_unit")
                for line in self.check_results or []
                if line.get("key") == "embed"
            ),
            False,
        )
        unit = connection_sudo.organization_sub or embed_unit
        unit_text = (
            self.env._("Linked: %s.", unit)
            if unit
            else self.env._(
                "Sign-up opened on %s UTC; Cronofy does not tell Odoo the result.",
                fields.Datetime.to_string(self.signup_opened_at),
            )
            if self.signup_opened_at
            else ""
        )
        link = Markup("<a href='%s' target='_blank' rel='noopener noreferrer'>%s</a>")
        docs = self.env._("Cronofy's guide")
        return [
            (
                "credentials",
                self.env._("Credentials"),
                credentials_done,
                Markup("%s %s")
                % (
                    self.env._(
                        "The client ID and secret of your Cronofy application, and its embed "
                        "public key (EMB_...) and secret (ESK_...) for the Scheduler in the "
                        "mail composer."
                    ),
                    link % (DOCS["embed_setup"], docs),
                ),
            ),
            (
                "organizational_unit",
                self.env._("Organizational Unit linked"),
                bool(unit or self.signup_opened_at),
                Markup("%s %s %s")
                % (
                    self.env._(
                        "'Connect to Cronofy' opens Cronofy's sign-up with this company as "
                        "tenant: creating or joining the Organizational Unit there ties them, "
                        "so every recruiter's Scheduler creates requests in it."
                    ),
                    unit_text,
                    link % (DOCS["onboarding"], docs),
                ),
            ),
            (
                "api_access",
                self.env._("API access"),
                self._check_status("api") == OK,
                Markup("%s<ul class='mb-0 ps-3'><li>%s %s</li><li>%s %s</li></ul>")
                % (
                    self.env._("How Odoo creates scheduling requests (stage automation):"),
                    self.env._(
                        "Organization Connect when the Organizational Unit belongs to a "
                        "customer and your Cronofy application serves several of them: their "
                        "admin approves Odoo once with 'Authorize API access'."
                    ),
                    link % (DOCS["organization_connect"], docs),
                    self.env._(
                        "Internal Application when the Organizational Unit is your own "
                        "company's: create an Internal Application inside it and paste its "
                        "client secret, no OAuth."
                    ),
                    link % (DOCS["internal_application"], docs),
                ),
            ),
            (
                "webhook",
                self.env._("Webhook URL registered"),
                bool(self._last_push_received_at()),
                Markup("%s %s · %s")
                % (
                    self.env._(
                        "Paste the webhook URL below into your application's 'Embed webhook "
                        "callback URL' (and an Internal Application's 'Universal Push "
                        "Notification URL' for links sent by stage automation). Done when "
                        "the first signed notification arrives."
                    ),
                    link % (DOCS["receiving_updates"], docs),
                    link % (DOCS["workflows"], self.env._("Universal Push Notification URL")),
                ),
            ),
        ]

    def _compute_setup_checklist_html(self):
        for connection in self:
            if not connection.id:
                connection.setup_checklist_html = False
                continue
            steps = connection._setup_steps()
            next_key = next((key for key, _title, done, _text in steps if not done), None)
            items = []
            for number, (key, title, done, text) in enumerate(steps, start=1):
                if done:
                    marker = Markup(
                        "<i class='fa fa-fw fa-check-circle text-success' title='%s'></i>"
                    ) % self.env._("Done")
                    css = "o_cronofy_step_done"
                elif key == next_key:
                    marker = Markup("<span class='badge text-bg-primary'>%s</span>") % self.env._(
                        "Next"
                    )
                    css = "o_cronofy_step_next border-start border-3 border-primary bg-light"
                else:
                    marker = Markup(
                        "<i class='fa fa-fw fa-circle-o text-muted' title='%s'></i>"
                    ) % self.env._("To do")
                    css = "o_cronofy_step_todo"
                items.append(
                    Markup(
                        "<li class='d-flex gap-2 p-2 mb-1 o_cronofy_step o_cronofy_step_%s %s'>"
                        "<div class='flex-shrink-0'>%s</div><div><strong>%s. %s</strong>"
                        "<div class='small'>%s</div></div></li>"
                    )
                    % (key, css, marker, number, title, text)
                )
            connection.setup_checklist_html = Markup(
                "<ol class='list-unstyled mb-0 o_cronofy_checklist'>%s</ol>"
            ) % Markup().join(items)

    def _test_connection_notification(self, message):
        """The toast after Test connection; the lines themselves are on the page,
        which reloads (soft_reload) to show them."""
        self.ensure_one()
        failed = message is not None
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Cronofy"),
                "message": self.last_error
                if failed
                else self.env._("Every check passed: the connection works."),
                "type": "danger" if failed else "success",
                "sticky": failed,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _note_sign_up_opened(self):
        self.ensure_one()
        self.sudo().signup_opened_at = fields.Datetime.now()
