"""Which Cronofy host a user is: interviews Cronofy books with that host are put in
the user's Odoo calendar (attendee and organizer). Without an account id here, a host
is matched to a user by email; the id is for hosts whose Cronofy login uses another
address, or when Cronofy names a host by account only."""

import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Cronofy account ids look like acc_5700a00eb0ccd07000000000: a prefix and a token.
CRONOFY_ACCOUNT_PATTERN = re.compile(r"acc_[A-Za-z0-9_]{1,100}")


class ResUsers(models.Model):
    _inherit = "res.users"

    cronofy_account_sub = fields.Char(
        "Cronofy account",
        copy=False,
        groups="base.group_system",
        help="This user's Cronofy account id (acc_...), as Cronofy's dashboard shows it for "
        "a host. Interviews Cronofy books with this host then show in the user's calendar. "
        "Leave empty to match the host by email.",
    )

    _sql_constraints = [
        (
            "cronofy_account_sub_unique",
            "unique(cronofy_account_sub)",
            "This Cronofy account is already linked to another user.",
        ),
    ]

    @api.constrains("cronofy_account_sub")
    def _check_cronofy_account_sub(self):
        for user in self:
            sub = user.cronofy_account_sub
            if sub and not CRONOFY_ACCOUNT_PATTERN.fullmatch(sub):
                raise ValidationError(
                    self.env._(
                        "%(value)s is not a Cronofy account id: it starts with acc_ and has "
                        "only letters, digits and underscores (e.g. acc_5700a00eb0ccd07000000000).",
                        value=sub,
                    )
                )

    @api.model
    def _for_cronofy_hosts(self, hosts):
        """{host: user} for the hosts (objects with ``sub`` and ``email``) that are
        internal Odoo users: by Cronofy account first, else by email (login or the
        user's own address). Hosts matching no user, or several, are left out."""
        Users = self.sudo().with_context(active_test=True)
        subs = {host.sub for host in hosts if host.sub}
        emails = {host.email for host in hosts if host.email}
        by_sub, by_email = {}, {}
        if subs:
            for user in Users.search(
                [("cronofy_account_sub", "in", list(subs)), ("share", "=", False)]
            ):
                by_sub[user.cronofy_account_sub] = user
        if emails:
            candidates = Users.search(
                [
                    ("share", "=", False),
                    "|",
                    ("login", "in", list(emails)),
                    ("email_normalized", "in", list(emails)),
                ]
            )
            for email in emails:
                matching = candidates.filtered(
                    lambda user, email=email: email in (user.login.lower(), user.email_normalized)
                )
                if len(matching) == 1:
                    by_email[email] = matching
        found = {}
        for host in hosts:
            user = by_sub.get(host.sub) or by_email.get(host.email)
            if user:
                found[host] = user
        return found
