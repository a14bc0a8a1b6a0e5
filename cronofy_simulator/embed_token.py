"""Verification of Embed Tokens: HS256 JWTs signed with the application's embed secret (§2).

Checks: issuer is a known ``EMB_`` key, signature with that application's ``ESK_`` secret, the
expected audience, ``exp`` in the future, ``iat`` not in the future and a sane lifetime. The skew
tolerance and the longest lifetime are guesses [U] (see config).
"""

import jwt

from .clock import now as clock_now

BUTTON_AUDIENCE = "scheduler_embed"
BOOKING_PAGE_AUDIENCE = "scheduler_embed_booking_page"


class EmbedTokenError(Exception):
    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason
        self.message = message


def verify(data, token, audience, config):
    """Return (application, claims) or raise EmbedTokenError with a machine-readable reason."""
    if not token:
        raise EmbedTokenError("missing_token", "No embed token was given.")
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise EmbedTokenError("malformed", "The embed token is not a readable JWT.") from None
    if header.get("alg") != "HS256":
        raise EmbedTokenError("wrong_algorithm", "Embed tokens must be signed with HS256.")
    issuer = unverified.get("iss")
    application = next(
        (a for a in data["applications"].values() if issuer and a.get("embed_key") == issuer), None
    )
    if application is None:
        raise EmbedTokenError("unknown_issuer", "The iss claim is not a known embed key (EMB_).")
    try:
        claims = jwt.decode(
            token,
            application["embed_secret"],
            algorithms=["HS256"],
            audience=audience,
            issuer=application["embed_key"],
            leeway=config.embed_clock_skew,
            # Times are checked below against the simulated clock, not PyJWT's real one.
            options={
                "require": ["exp", "iat", "iss", "aud"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise EmbedTokenError(
            "bad_signature", "The signature does not match the embed secret."
        ) from None
    except jwt.InvalidAudienceError:
        raise EmbedTokenError("wrong_audience", f"The aud claim must be {audience!r}.") from None
    except jwt.MissingRequiredClaimError as error:
        raise EmbedTokenError("missing_claim", f"The {error.claim} claim is required.") from None
    except jwt.PyJWTError as error:
        raise EmbedTokenError("invalid", f"The embed token is invalid: {error}.") from None
    now = clock_now(data)
    issued_at, expires_at = claims.get("iat"), claims.get("exp")
    not_before = claims.get("nbf")
    if not all(isinstance(v, int | float) for v in (issued_at, expires_at)):
        raise EmbedTokenError("invalid", "iat and exp must be numbers.")
    if expires_at <= now - config.embed_clock_skew:
        raise EmbedTokenError("expired", "The embed token has expired.")
    if issued_at > now + config.embed_clock_skew:
        raise EmbedTokenError("issued_in_future", "The iat claim is in the future.")
    if not_before is not None and (
        not isinstance(not_before, int | float) or not_before > now + config.embed_clock_skew
    ):
        raise EmbedTokenError("not_yet_valid", "The nbf claim is not a number or is in the future.")
    if expires_at - issued_at > config.embed_max_lifetime:
        raise EmbedTokenError("lifetime_too_long", "exp is too far after iat.")
    return application, claims


def tenant_ou(data, application, claims):
    """The OU an embed user works in: the one linked to ``tenant_id``, or without a tenant
    claim, the application's own OU [U]. None means the tenant has not signed up yet."""
    tenant_id = claims.get("tenant_id")
    if tenant_id is None:
        return data["organizational_units"].get(application["ou_id"])
    tenant_id = str(tenant_id)
    for unit in data["organizational_units"].values():
        if tenant_id in unit.get("tenant_ids", []):
            return unit
    return None
