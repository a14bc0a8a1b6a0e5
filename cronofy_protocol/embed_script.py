"""Does a URL serve Cronofy's Embedded Scheduler element?

Cronofy ships the element as the npm package ``cronofy-scheduler-embed`` and
documents no hosted script URL (contract 1.2 [U]), so each administrator pastes
one: their own web server's copy of the built module, or a CDN that serves npm
packages. The recruiter's browser loads it as an ES module, which browsers accept
only with a JavaScript media type. This probe fetches it once, server side, and
says in one sentence whether it would work.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from .datacenters import is_loopback, link_host

ELEMENT_NAME = "cronofy-scheduler-button"
MAX_SCRIPT_BYTES = 4 * 1024 * 1024
TIMEOUT = (5.0, 15.0)
JAVASCRIPT_TYPES = ("javascript", "ecmascript")


@dataclass(frozen=True)
class ScriptProbe:
    ok: bool
    detail: str


def _loadable(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if not host or "@" in parts.netloc:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host))


def probe_embed_script(url: str, *, session: requests.Session | None = None) -> ScriptProbe:
    """Fetch ``url`` (redirects followed, each hop https) and check that it answers
    200 with a JavaScript media type and a body naming ``<cronofy-scheduler-button>``."""
    if not url or not _loadable(url):
        return ScriptProbe(False, "the URL must be https (plain http only on loopback)")
    http = session or requests.Session()
    try:
        with http.get(url, timeout=TIMEOUT, stream=True, allow_redirects=True) as response:
            hops = [*(hop.url for hop in response.history), response.url]
            if not all(_loadable(hop) for hop in hops):
                return ScriptProbe(
                    False, f"it redirects to {link_host(response.url)} without https"
                )
            if response.status_code != 200:
                return ScriptProbe(False, f"{link_host(url)} answered HTTP {response.status_code}")
            media_type = response.headers.get("Content-Type", "").lower()
            if not any(kind in media_type for kind in JAVASCRIPT_TYPES):
                return ScriptProbe(
                    False,
                    f"it is served as {media_type or 'no media type'}, and browsers load "
                    "modules only with a JavaScript media type",
                )
            body = b""
            for chunk in response.iter_content(65536):
                body += chunk
                if len(body) > MAX_SCRIPT_BYTES:
                    return ScriptProbe(False, "it is over 4 MiB: not the Scheduler's module")
    except requests.RequestException as error:
        return ScriptProbe(False, f"{link_host(url)} could not be reached ({type(error).__name__})")
    finally:
        if session is None:
            http.close()
    if ELEMENT_NAME.encode() not in body:
        return ScriptProbe(False, f"the script does not define <{ELEMENT_NAME}>")
    return ScriptProbe(True, f"serves JavaScript defining <{ELEMENT_NAME}>")
