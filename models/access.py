"""Who may call the addon's public methods.

Every public method (name not starting with ``_``) of an Odoo model can be called
over JSON-RPC by any logged-in user, whatever the views show. Each one therefore
starts with ``check_groups`` for the right its action needs, and with
``records.check_access(...)`` for the records themselves (ACL and record rules, so
another company's records are refused), before anything runs as superuser.
"""

from odoo.exceptions import AccessError

SYSTEM = "base.group_system"
RECRUITMENT_INTERVIEWER = "hr_recruitment.group_hr_recruitment_interviewer"
RECRUITMENT_OFFICER = "hr_recruitment.group_hr_recruitment_user"
RECRUITMENT_MANAGER = "hr_recruitment.group_hr_recruitment_manager"


def check_groups(records, groups, action):
    """Raise ``AccessError`` unless the current user belongs to one of ``groups``
    (external ids, a string or a tuple). ``action`` names what is refused, as the
    subject of a sentence ("Rotating the webhook key"). Superuser environments
    (``sudo()``: crons, trusted server code) pass, as with the ORM's own checks."""
    env = records.env
    groups = (groups,) if isinstance(groups, str) else tuple(groups)
    if env.su or any(env.user.has_group(group) for group in groups):
        return
    names = []
    for group in groups:
        record = env.ref(group, raise_if_not_found=False)
        names.append(f"“{record.sudo().full_name if record else group}”")
    if len(names) == 1:
        message = env._(
            "%(action)s needs the access right %(rights)s. Ask an administrator for it "
            "if you need it.",
            action=action,
            rights=names[0],
        )
    else:
        message = env._(
            "%(action)s needs one of the access rights %(rights)s. Ask an administrator "
            "for one if you need it.",
            action=action,
            rights=", ".join(names),
        )
    raise AccessError(message)
