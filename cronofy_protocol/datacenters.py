"""Cronofy data centres, their hosts, and the allow-list every outgoing URL must pass.

The allow-list exists so that a typo or a hostile value in a configuration field
cannot make the addon send a client secret or a bearer token to another server:
only Cronofy's official hosts (over https) and loopback hosts (the simulator, over
http or https) are accepted, and the check runs on *every* URL before a request.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import ConfigurationError


@dataclass(frozen=True)
class DataCenter:
    code: str
    label: str
    api_host: str
    app_host: str

    @property
    def api_base_url(self) -> str:
        return f"https://{self.api_host}"

    @property
    def app_base_url(self) -> str:
        return f"https://{self.app_host}"


def _regional(code: str, label: str) -> DataCenter:
    return DataCenter(code, label, f"api-{code}.cronofy.com", f"app-{code}.cronofy.com")


# [C] contract §6. US has no suffix; the others follow the ``-{dc}`` pattern.
# [U] Cronofy's data-centers page could not be read: any further DC or host alias
# is refused by the allow-list until it is added here.
DATA_CENTERS: dict[str, DataCenter] = {
    "us": DataCenter("us", "United States", "api.cronofy.com", "app.cronofy.com"),
    "uk": _regional("uk", "United Kingdom"),
    "de": _regional("de", "Germany"),
    "au": _regional("au", "Australia"),
    "ca": _regional("ca", "Canada"),
    "sg": _regional("sg", "Singapore"),
}
DEFAULT_DATA_CENTER = "us"

OFFICIAL_HOSTS = frozenset(
    host for dc in DATA_CENTERS.values() for host in (dc.api_host, dc.app_host)
)
LOOPBACK_NAMES = frozenset({"localhost"})


def get_data_center(code: str | None) -> DataCenter:
    """The data centre for ``code`` (case-insensitive; empty means US)."""
    key = (code or "").strip().lower() or DEFAULT_DATA_CENTER
    try:
        return DATA_CENTERS[key]
    except KeyError:
        known = ", ".join(DATA_CENTERS)
        raise ConfigurationError(
            f"Unknown Cronofy data centre {code!r}; use one of {known}"
        ) from None


def is_loopback(hostname: str) -> bool:
    if hostname in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def official_data_center_of(url: str) -> str | None:
    """The code of the data centre whose official host ``url`` names, else None
    (another host, a loopback simulator, or not a URL)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    return next(
        (code for code, dc in DATA_CENTERS.items() if host in (dc.api_host, dc.app_host)), None
    )


def check_allowed_url(url: str) -> str:
    """Return ``url`` unchanged when it may receive credentials, else raise
    ``ConfigurationError``. The message names the host, never the query string."""
    if not isinstance(url, str) or not url:
        raise ConfigurationError("Cronofy URL is empty")
    try:
        parts = urlsplit(url)
        hostname = (parts.hostname or "").lower()
        _port = parts.port  # reading it raises ValueError for a malformed port
    except ValueError:
        raise ConfigurationError("Cronofy URL is malformed") from None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        # user-info makes a URL read like one host while going to another.
        raise ConfigurationError("Cronofy URL must not contain user information")
    if not hostname:
        raise ConfigurationError("Cronofy URL has no host")
    if parts.scheme == "https" and hostname in OFFICIAL_HOSTS:
        return url
    if parts.scheme in ("http", "https") and is_loopback(hostname):
        return url
    raise ConfigurationError(
        f"Refusing to send Cronofy credentials to {parts.scheme}://{hostname}: only the "
        "official Cronofy hosts over https and loopback hosts are allowed"
    )


def is_link_of(url: str, base_url: str) -> bool:
    """True when ``url`` is a link of the Cronofy app at ``base_url``: an allowed
    Cronofy URL (``check_allowed_url``) with the same scheme, host and port. Links
    taken from a notification or an embed event are kept only then, so that a
    crafted body cannot send a candidate or a recruiter anywhere else."""
    try:
        check_allowed_url(url)
        return _origin(url) == _origin(base_url)
    except (ConfigurationError, ValueError):
        return False


def link_host(url: str) -> str:
    """The host of ``url`` for a message, or ``?`` when it has none or is malformed."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port)


def normalize_base_url(url: str) -> str:
    """Check a configured base URL and drop a trailing slash. A path prefix is kept
    (a simulator may be mounted under one); a query or fragment is refused."""
    check_allowed_url(url)
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise ConfigurationError("Cronofy base URL must not have a query or fragment")
    return url.rstrip("/")


@dataclass(frozen=True)
class Endpoints:
    """The two base URLs a client needs, already checked against the allow-list."""

    api_base_url: str
    app_base_url: str


def resolve_endpoints(
    datacenter: str | None = None,
    *,
    api_base_url: str | None = None,
    app_base_url: str | None = None,
) -> Endpoints:
    """Base URLs for a data centre; an explicit base URL (e.g. the simulator's)
    overrides the data centre's host. Both are checked against the allow-list."""
    dc = get_data_center(datacenter)
    return Endpoints(
        api_base_url=normalize_base_url(api_base_url or dc.api_base_url),
        app_base_url=normalize_base_url(app_base_url or dc.app_base_url),
    )
