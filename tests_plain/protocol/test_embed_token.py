"""Embed Token (HS256 JWT) and the embedded sign-up URL."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from cronofy_protocol import (
    AUDIENCE_BOOKING_PAGE,
    AUDIENCE_SCHEDULER,
    ConfigurationError,
    build_embed_token,
    decode_embed_token,
    embedded_sign_up_url,
)

PUBLIC_KEY = "EMB_public123"
SECRET = "ESK_embed-secret-for-tests-0123456789abcdef"  # noqa: S105
NOW = 1_700_000_000


def build(**kwargs):
    kwargs.setdefault("now", lambda: NOW)
    return build_embed_token(PUBLIC_KEY, SECRET, **kwargs)


def test_claims_and_header():
    token = build(new_jti=lambda: "jti-1", tenant_id="db-uuid:1", tenant_name="Globex")
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "HS256"
    claims = jwt.decode(
        token,
        SECRET,
        algorithms=["HS256"],
        audience="scheduler_embed",
        options={"verify_exp": False},
    )
    assert claims == {
        "iss": PUBLIC_KEY,
        "iat": NOW,
        "exp": NOW + 4 * 3600,
        "aud": "scheduler_embed",
        "jti": "jti-1",
        "tenant_id": "db-uuid:1",
        "tenant_name": "Globex",
    }


def test_signed_with_embed_secret_only():
    token = build()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token,
            "another-secret-0123456789abcdef-xyz",
            algorithms=["HS256"],
            audience=AUDIENCE_SCHEDULER,
        )


def test_fresh_jti_each_time():
    ids = {jwt.decode(build(), options={"verify_signature": False})["jti"] for _ in range(20)}
    assert len(ids) == 20


def test_optional_tenant_claims_absent_by_default():
    claims = jwt.decode(build(), options={"verify_signature": False})
    assert "tenant_id" not in claims and "tenant_name" not in claims


def test_tenant_id_int_is_stringified_and_blank_name_skipped():
    claims = jwt.decode(build(tenant_id=7, tenant_name="  "), options={"verify_signature": False})
    assert claims["tenant_id"] == "7"
    assert "tenant_name" not in claims


def test_non_ascii_tenant_name():
    claims = jwt.decode(
        build(tenant_name="Société Générale ✓"), options={"verify_signature": False}
    )
    assert claims["tenant_name"] == "Société Générale ✓"


def test_blank_tenant_id_refused():
    with pytest.raises(ConfigurationError):
        build(tenant_id=" ")


def test_booking_page_audience():
    token = build(audience=AUDIENCE_BOOKING_PAGE)
    claims = decode_embed_token(token, SECRET, audience=AUDIENCE_BOOKING_PAGE, leeway=10**10)
    assert claims["aud"] == "scheduler_embed_booking_page"
    with pytest.raises(jwt.InvalidAudienceError):
        decode_embed_token(token, SECRET, audience=AUDIENCE_SCHEDULER, leeway=10**10)


def test_custom_shorter_lifetime():
    claims = jwt.decode(build(lifetime=timedelta(minutes=30)), options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 1800


@pytest.mark.parametrize(
    "lifetime", [timedelta(hours=4, seconds=1), timedelta(0), timedelta(seconds=-5)]
)
def test_lifetime_bounds(lifetime):
    with pytest.raises(ConfigurationError):
        build(lifetime=lifetime)


def test_real_clock_token_verifies_now():
    token = build_embed_token(PUBLIC_KEY, SECRET)
    assert decode_embed_token(token, SECRET)["iss"] == PUBLIC_KEY


def test_expired_token_rejected_by_decoder():
    token = build(lifetime=timedelta(minutes=1))
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_embed_token(token, SECRET)


@pytest.mark.parametrize(
    ("public_key", "secret", "audience"),
    [
        ("", SECRET, AUDIENCE_SCHEDULER),
        (PUBLIC_KEY, "", AUDIENCE_SCHEDULER),
        (PUBLIC_KEY, SECRET, "other"),
    ],
)
def test_bad_arguments(public_key, secret, audience):
    with pytest.raises(ConfigurationError) as info:
        build_embed_token(public_key, secret, audience=audience)
    assert SECRET not in str(info.value)


def test_sign_up_url_per_data_centre():
    url = embedded_sign_up_url("a.b.c", datacenter="de")
    assert url == "https://app-de.cronofy.com/sign_up?style=embedded&embedded_authtoken=a.b.c"


def test_sign_up_url_on_simulator_and_token_round_trip():
    token = build_embed_token(PUBLIC_KEY, SECRET, tenant_id="t1")
    url = embedded_sign_up_url(token, app_base_url="http://127.0.0.1:8070/")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "127.0.0.1:8070", "/sign_up")
    query = parse_qs(parts.query)
    assert query["style"] == ["embedded"]
    assert decode_embed_token(query["embedded_authtoken"][0], SECRET)["tenant_id"] == "t1"


def test_sign_up_url_refuses_foreign_host_and_empty_token():
    with pytest.raises(ConfigurationError):
        embedded_sign_up_url("a.b.c", app_base_url="https://evil.example")
    with pytest.raises(ConfigurationError):
        embedded_sign_up_url("")
