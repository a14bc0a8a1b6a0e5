"""Interview times in one format everywhere: the way Odoo's web client shows a datetime
without seconds (the language's date and time formats), in a named time zone, with the
zone's name beside it, e.g. ``12/03/2026 10:00 (Europe/Brussels)``."""

import pytz

from odoo.tools.misc import babel_locale_parse, format_datetime, get_lang, posix_to_ldml


def valid_zone(name):
    """``name`` if it is a time zone Odoo knows, else None."""
    return name if name and name in pytz.all_timezones_set else None


def format_interview_time(env, value, zone, lang_code=None):
    """``value`` (a naive UTC datetime) in ``zone`` (UTC when unknown), in the date and
    time formats of ``lang_code`` (default: the environment's language)."""
    zone = valid_zone(zone) or "UTC"
    lang = get_lang(env, lang_code)
    locale = babel_locale_parse(lang.code)
    # As the web client's datetime fields with show_seconds false.
    time_format = lang.time_format.replace(":%S", "")
    pattern = posix_to_ldml(f"{lang.date_format} {time_format}", locale=locale)
    text = format_datetime(env, value, tz=zone, dt_format=pattern, lang_code=lang.code)
    return f"{text} ({zone})"
