"""The Embedded Scheduler's Embed Token (a JWT) and the embedded sign-up URL.

Contract §2: HS256 signed with the Embed Secret (``ESK_...``, not the OAuth client
secret), claims ``iss`` (the ``EMB_...`` public key), ``iat``, ``exp``, ``aud``,
``jti`` and optionally ``tenant_id`` / ``tenant_name``. A fresh token per page view.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

import jwt

from .datacenters import resolve_endpoints
from .errors import ConfigurationError

AUDIENCE_SCHEDULER = "scheduler_embed"
AUDIENCE_BOOKING_PAGE = "scheduler_embed_booking_page"
AUDIENCES = frozenset({AUDIENCE_SCHEDULER, AUDIENCE_BOOKING_PAGE})

# [C] the documented example uses iat + 4 h. [U] Cronofy does not document a
# maximum; we refuse longer lifetimes so a leaked token is short-lived anyway.
DEFAULT_LIFETIME = timedelta(hours=4)
MAX_LIFETIME = timedelta(hours=4)

ALGORITHM = "HS256"


def build_embed_token(
    public_key: str,
    embed_secret: str,
    *,
    audience: str = AUDIENCE_SCHEDULER,
    lifetime: timedelta = DEFAULT_LIFETIME,
    tenant_id: str | None = None,
    tenant_name: str | None = None,
    now: Callable[[], float] = time.time,
    new_jti: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> str:
    """Sign a new Embed Token. ``now`` and ``new_jti`` are injectable for tests."""
    if not public_key or not isinstance(public_key, str):
        raise ConfigurationError("The embed public key (EMB_...) is missing")
    if not embed_secret or not isinstance(embed_secret, str):
        raise ConfigurationError("The embed secret (ESK_...) is missing")
    if audience not in AUDIENCES:
        raise ConfigurationError(f"Unknown embed token audience {audience!r}")
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ConfigurationError(f"Embed token lifetime must be above 0 and at most {MAX_LIFETIME}")
    issued_at = int(now())
    claims: dict[str, object] = {
        "iss": public_key,
        "iat": issued_at,
        "exp": issued_at + int(lifetime.total_seconds()),
        "aud": audience,
        "jti": new_jti(),
    }
    # [U] no user claim (sub/email) is documented, so none is sent: the recruiter is
    # identified by their own Cronofy login inside the embed.
    # tenant_id must be stable (it ties the tenant to its Organizational Unit), so it
    # is passed as a string exactly as given and never derived here.
    if tenant_id is not None:
        if not str(tenant_id).strip():
            raise ConfigurationError("tenant_id must not be blank")
        claims["tenant_id"] = str(tenant_id)
    if tenant_name is not None and str(tenant_name).strip():
        claims["tenant_name"] = str(tenant_name)
    return jwt.encode(claims, embed_secret, algorithm=ALGORITHM)


def decode_embed_token(
    token: str, embed_secret: str, *, audience: str = AUDIENCE_SCHEDULER, leeway: float = 0
) -> dict:
    """Verify and decode a token (for the simulator and tests). Raises
    ``jwt.InvalidTokenError`` subclasses on a bad signature, audience or expiry."""
    return jwt.decode(
        token,
        embed_secret,
        algorithms=[ALGORITHM],
        audience=audience,
        leeway=leeway,
        options={"require": ["iss", "iat", "exp", "aud", "jti"]},
    )


def embedded_sign_up_url(
    embed_token: str,
    *,
    datacenter: str | None = None,
    app_base_url: str | None = None,
) -> str:
    """``{app_host}/sign_up?style=embedded&embedded_authtoken=<token>``.

    [U] This URL comes from the integration guide (DESIGN.md) and is not found in
    Cronofy's public docs (contract §1.5, open question 4); the path and the two
    parameter names are kept in this one function so they are easy to change.
    """
    if not embed_token:
        raise ConfigurationError("An embed token is required for the sign-up URL")
    base = resolve_endpoints(datacenter, app_base_url=app_base_url).app_base_url
    query = urlencode({"style": "embedded", "embedded_authtoken": embed_token})
    return f"{base}/sign_up?{query}"
