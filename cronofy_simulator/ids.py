"""Identifier and secret generation with Cronofy's prefixes (contract §7)."""

import secrets
import string

_ALPHANUM = string.ascii_letters + string.digits


def new_id(prefix, nbytes=12):
    return f"{prefix}{secrets.token_hex(nbytes)}"


def new_secret(prefix="", length=32):
    return prefix + "".join(secrets.choice(_ALPHANUM) for _ in range(length))


def new_link_token(length=8):
    # Candidate links look like /rts/LOiwlKXQ: short, mixed-case, unguessable enough for a demo.
    return new_secret(length=length)
