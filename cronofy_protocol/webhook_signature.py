"""Verification of the ``Cronofy-HMAC-SHA256`` header of push notifications.

Contract §3.4: the header is Base64(HMAC-SHA256(key=client secret, msg=raw body)).
During secret rotation it holds one value per active secret, separated by commas;
the notification is authentic when any value matches any secret we hold.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

HEADER_NAME = "Cronofy-HMAC-SHA256"

# A real header holds one value per active client secret (two during a rotation).
# Anything far beyond that is hostile; refusing it bounds the work per request.
MAX_SIGNATURES_PER_HEADER = 16


def compute_signature(raw_body: bytes, secret: str | bytes) -> str:
    """The header value Cronofy sends for ``raw_body`` signed with ``secret``."""
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    digest = hmac.new(key, bytes(raw_body), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _candidate_signatures(header_value: str) -> list[bytes] | None:
    items = [item.strip() for item in header_value.split(",")]
    items = [item for item in items if item]
    if not items or len(items) > MAX_SIGNATURES_PER_HEADER:
        return None
    # Non-ASCII cannot be base64; encoding with "replace" keeps the comparison
    # constant-time and guaranteed to fail instead of raising.
    return [item.encode("ascii", "replace") for item in items]


def verify_signature(
    raw_body: bytes,
    header_value: str | bytes | None,
    secrets: Sequence[str | bytes] | str,
) -> bool:
    """True only if some signature in ``header_value`` matches ``raw_body`` under
    some secret in ``secrets``. Fails closed: no header, no usable secret or an
    empty header give False. ``raw_body`` must be the exact bytes received (a str
    would have to be re-encoded, which can change bytes, so it is a TypeError)."""
    if not isinstance(raw_body, bytes | bytearray | memoryview):
        raise TypeError("raw_body must be the raw request bytes, not a decoded string")
    if header_value is None:
        return False
    if isinstance(header_value, bytes | bytearray):
        header_value = bytes(header_value).decode("latin-1")
    if isinstance(secrets, str | bytes):
        secrets = [secrets]
    usable_secrets = [s for s in secrets if isinstance(s, str | bytes) and s]
    if not usable_secrets:
        return False
    candidates = _candidate_signatures(header_value)
    if candidates is None:
        return False
    body = bytes(raw_body)
    matched = False
    # Every pair is compared (no early exit) so timing says nothing about which
    # secret or which position matched.
    for secret in usable_secrets:
        expected = compute_signature(body, secret).encode("ascii")
        for candidate in candidates:
            matched |= hmac.compare_digest(expected, candidate)
    return matched
