"""The ``state`` of an Organization Connect authorization: signed, expiring, single-use.

``state`` travels through the admin's browser and Cronofy and comes back on the
callback, so it must prove it was issued here, for whom, and not too long ago.
The caller supplies the signing function (Odoo: an HMAC keyed with the database
secret, so no key is handled here) and stores the nonce to make the state single
use; this module encodes, signs, checks the signature in constant time, parses
and checks the expiry, none of which needs a database.
"""

from __future__ import annotations

import base64
import enum
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

# Long enough to log in to Cronofy and approve, short enough that a leaked
# authorize URL is soon worthless.
STATE_LIFETIME = timedelta(minutes=10)

StateSigner = Callable[[str], str]


class StateProblem(enum.Enum):
    FORGED = "forged"  # not signed with this signer, or altered since
    MALFORMED = "malformed"  # signed, but not a payload this module issued
    EXPIRED = "expired"  # older than its lifetime


class OAuthStateError(Exception):
    """The ``state`` of a callback cannot be trusted. ``problem`` says why;
    ``str()`` is a sentence for the admin (the caller may pass a translated one)."""

    def __init__(self, problem: StateProblem, message: str | None = None):
        super().__init__(message or f"OAuth state refused: {problem.value}")
        self.problem = problem


@dataclass(frozen=True)
class AuthorizationState:
    """Who started the authorization, for which company, with which nonce."""

    company_id: int
    user_id: int
    nonce: str


def new_state_nonce() -> str:
    """A fresh single-use nonce to store beside the state it is signed into."""
    return secrets.token_urlsafe(24)


def issue_oauth_state(
    company_id: int,
    user_id: int,
    nonce: str,
    sign: StateSigner,
    *,
    lifetime: timedelta = STATE_LIFETIME,
    clock: Callable[[], float] = time.time,
) -> str:
    """A signed state for ``OrganizationConnect.authorization_url``."""
    return sign_oauth_state(
        {
            "company_id": company_id,
            "user_id": user_id,
            "nonce": nonce,
            "expires": int(clock() + lifetime.total_seconds()),
        },
        sign,
    )


def sign_oauth_state(payload: Mapping[str, Any], sign: StateSigner) -> str:
    """``<base64url JSON>.<signature of that text>``; keys sorted so the same
    payload always gives the same state."""
    body = base64.urlsafe_b64encode(json.dumps(payload, sort_keys=True).encode()).decode()
    return f"{body}.{sign(body)}"


def verify_oauth_state(
    state: str | None, sign: StateSigner, *, clock: Callable[[], float] = time.time
) -> AuthorizationState:
    """The payload of a state ``sign`` signed, unexpired; else ``OAuthStateError``.
    The signature is checked before anything is decoded, so an attacker's bytes are
    never parsed. The nonce is returned, not checked: the caller consumes it."""
    body, _sep, signature = (state if isinstance(state, str) else "").rpartition(".")
    expected = sign(body) if body else ""
    # Compared as bytes: compare_digest refuses non-ASCII text, which a forged
    # state may well contain.
    if not body or not signature or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise OAuthStateError(StateProblem.FORGED)
    try:
        payload = json.loads(base64.urlsafe_b64decode(body.encode()))
        company_id = int(payload["company_id"])
        user_id = int(payload["user_id"])
        expires = int(payload["expires"])
        nonce = str(payload["nonce"])
    except (ValueError, TypeError, KeyError):
        raise OAuthStateError(StateProblem.MALFORMED) from None
    if clock() > expires:
        raise OAuthStateError(StateProblem.EXPIRED)
    return AuthorizationState(company_id=company_id, user_id=user_id, nonce=nonce)
