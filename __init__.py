from . import models
from . import wizard
from . import controllers


def uninstall_hook(env):
    """The scheduling report's triggers on hr_applicant must not outlive the addon."""
    from .models.cronofy_scheduling_rollup import drop_rollup

    drop_rollup(env.cr)
