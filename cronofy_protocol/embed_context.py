"""Does the Scheduler accept an embed token signed with these embed credentials?

The Embedded Scheduler element asks its own origin who an embed token is for before
it shows anything. [U] Cronofy documents neither that call nor any server-side way
to check an embed key and secret, so the probe is made only where the element's
origin is a local simulator (a loopback app host), whose ``GET /embed/v1/context``
answers 200 with the Organizational Unit the token's tenant is linked to, or 401
with the reason (``unknown_issuer``: the ``EMB_`` key is unknown; ``bad_signature``:
the ``ESK_`` secret does not match it). With Cronofy's own hosts the answer is
"cannot be checked from here": the first Scheduler a recruiter opens proves them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from .datacenters import check_allowed_url, is_loopback

CONTEXT_PATH = "/embed/v1/context"
TIMEOUT = (5.0, 15.0)
_REASON_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz_")


class EmbedCheck(enum.Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNREACHABLE = "unreachable"
    NOT_CHECKABLE = "not_checkable"


@dataclass(frozen=True)
class EmbedContextProbe:
    outcome: EmbedCheck
    # The server's machine-readable reason for a refusal (``bad_signature``), or
    # what failed; never the token.
    reason: str = ""
    # The name of the Organizational Unit the tenant is linked to, when accepted.
    organizational_unit: str | None = None


def embed_context_checkable(app_base_url: str) -> bool:
    """True when the element's origin can be asked (a local simulator)."""
    host = (urlsplit(app_base_url or "").hostname or "").lower()
    return bool(host) and is_loopback(host)


def probe_embed_context(
    app_base_url: str, embed_token: str, *, session: requests.Session | None = None
) -> EmbedContextProbe:
    if not embed_context_checkable(app_base_url):
        return EmbedContextProbe(EmbedCheck.NOT_CHECKABLE)
    url = app_base_url.rstrip("/") + CONTEXT_PATH
    check_allowed_url(url)
    http = session or requests.Session()
    try:
        response = http.get(
            url,
            headers={"Authorization": f"Bearer {embed_token}", "Accept": "application/json"},
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        body = _json_or_none(response)
    except requests.RequestException as error:
        return EmbedContextProbe(EmbedCheck.UNREACHABLE, type(error).__name__)
    finally:
        if session is None:
            http.close()
    if response.status_code == 200 and isinstance(body, dict):
        unit = body.get("organizational_unit")
        name = unit.get("name") if isinstance(unit, dict) else None
        return EmbedContextProbe(EmbedCheck.ACCEPTED, "", name if isinstance(name, str) else None)
    if response.status_code == 401:
        reason = body.get("error") if isinstance(body, dict) else None
        plain = isinstance(reason, str) and 0 < len(reason) <= 40 and set(reason) <= _REASON_CHARS
        return EmbedContextProbe(EmbedCheck.REJECTED, reason if plain else "refused")
    return EmbedContextProbe(EmbedCheck.UNREACHABLE, f"HTTP {response.status_code}")


def _json_or_none(response: requests.Response):
    try:
        return response.json()
    except ValueError:
        return None
