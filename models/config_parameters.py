"""Numbers the addon reads from system parameters (Settings > Technical > System
Parameters), so that a typo never turns into "delete everything" or "never"."""

import logging

_logger = logging.getLogger(__name__)


def number_parameter(env, key, default):
    """The parameter ``key`` as a float >= 0; ``default`` when it is unset or not a
    number (logged, so the admin can find the typo)."""
    value = env["ir.config_parameter"].sudo().get_param(key)
    if value in (None, False, ""):
        return default
    try:
        number = float(value)
    except ValueError:
        _logger.warning("System parameter %s=%r is not a number; using %s", key, value, default)
        return default
    return max(number, 0)
