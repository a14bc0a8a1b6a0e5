"""Organization Connect OAuth against a real HTTP server on loopback."""

import logging
import traceback
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from cronofy_protocol import (
    NO_RETRY,
    BadRequestError,
    ConfigurationError,
    OAuthToken,
    OrganizationConnect,
    OutcomeUnknownError,
    ServerError,
    UnexpectedResponseError,
)

CLIENT_ID = "cid_123"
CLIENT_SECRET = "CRN_client-secret-DO-NOT-LEAK-987"  # noqa: S105
ACCESS = "acc-token-DO-NOT-LEAK-111"  # noqa: S105
REFRESH = "ref-token-DO-NOT-LEAK-222"  # noqa: S105
CODE = "code-DO-NOT-LEAK-333"
NOW = 1_700_000_000.0
TOKEN_RESPONSE = {
    "token_type": "bearer",
    "access_token": ACCESS,
    "expires_in": 3600,
    "refresh_token": REFRESH,
    "scope": "organizational_unit_scheduler",
    "sub": "org_abc",
    "account_id": "acc_1",
    "linking_profile": {"provider_name": "google"},
}


@pytest.fixture
def oauth(server, fast_retry):
    return OrganizationConnect(
        CLIENT_ID,
        CLIENT_SECRET,
        api_base_url=server.url,
        app_base_url=server.url + "/app",
        retry_policy=fast_retry,
        clock=lambda: NOW,
    )


def form(req):
    return {k: v[0] for k, v in parse_qs(req.body.decode()).items()}


def test_authorization_url_on_app_host():
    url = OrganizationConnect(CLIENT_ID, CLIENT_SECRET, datacenter="uk").authorization_url(
        "signed.state-value", "https://odoo.example/cronofy/callback", locale="de"
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "app-uk.cronofy.com",
        "/oauth/authorize",
    )
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": "https://odoo.example/cronofy/callback",
        "scope": "organizational_unit_scheduler",
        "state": "signed.state-value",
        "locale": "de",
    }
    assert CLIENT_SECRET not in url


@pytest.mark.parametrize(("state", "redirect"), [("", "https://x"), (None, "https://x"), ("s", "")])
def test_authorization_url_requires_state_and_redirect(state, redirect):
    with pytest.raises(ValueError):
        OrganizationConnect(CLIENT_ID, CLIENT_SECRET).authorization_url(state, redirect)


def test_exchange_code(server, oauth):
    server.add(200, TOKEN_RESPONSE, headers={"Cache-Control": "no-store"})
    token = oauth.exchange_code(CODE, "https://odoo.example/cb")
    assert token.access_token == ACCESS
    assert token.refresh_token == REFRESH
    assert token.expires_at == datetime.fromtimestamp(NOW + 3600, UTC)
    assert token.scope == "organizational_unit_scheduler"
    assert (token.sub, token.account_id) == ("org_abc", "acc_1")
    assert token.extra["linking_profile"]["provider_name"] == "google"
    assert "access_token" not in token.extra and "refresh_token" not in token.extra
    (req,) = server.received
    assert (req.method, req.path) == ("POST", "/oauth/token")
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in req.headers
    assert form(req) == {
        "grant_type": "authorization_code",
        "code": CODE,
        "redirect_uri": "https://odoo.example/cb",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


def test_refresh_keeps_old_refresh_token_when_none_returned(server, oauth):
    server.add(200, {"token_type": "Bearer", "access_token": "new", "expires_in": 60})
    token = oauth.refresh(REFRESH)
    assert (token.access_token, token.refresh_token) == ("new", REFRESH)
    assert form(server.received[0]) == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


def test_refresh_is_retried(server, oauth, fake_time):
    server.add(503)
    server.add(200, TOKEN_RESPONSE)
    assert oauth.refresh(REFRESH).access_token == ACCESS
    assert len(server.received) == 2 and len(fake_time.sleeps) == 1


def test_refresh_invalid_grant(server, oauth):
    server.add(400, {"error": "invalid_grant", "error_description": f"bad {REFRESH}"})
    with pytest.raises(BadRequestError) as info:
        oauth.refresh(REFRESH)
    assert info.value.error == "invalid_grant"
    assert REFRESH not in str(info.value)
    assert len(server.received) == 1


def test_exchange_not_retried_when_outcome_unknown(server, oauth):
    server.add(500)
    with pytest.raises(OutcomeUnknownError) as info:
        oauth.exchange_code(CODE, "https://odoo.example/cb")
    assert isinstance(info.value.cause, ServerError)
    assert len(server.received) == 1


def test_revoke(server, oauth):
    server.add(200)
    assert oauth.revoke(REFRESH) is None
    (req,) = server.received
    assert req.path == "/oauth/token/revoke"
    assert req.json() == {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "token": REFRESH}


@pytest.mark.parametrize(
    "answer",
    [
        [],
        {"token_type": "bearer"},
        {"access_token": ""},
        {"access_token": "a", "token_type": "mac"},
        {"access_token": "a", "refresh_token": 5},
        {"access_token": "a", "expires_in": "3600"},
        {"access_token": "a", "expires_in": -1},
        {"access_token": "a", "expires_in": True},
    ],
)
def test_bad_token_responses(server, oauth, answer):
    server.add(200, answer)
    with pytest.raises(UnexpectedResponseError):
        oauth.refresh(REFRESH)


def test_token_without_expiry_and_odd_optional_fields(server, oauth):
    server.add(200, {"access_token": "a", "scope": 5, "sub": ["x"]})
    token = oauth.refresh(REFRESH)
    assert token.expires_at is None and token.scope is None and token.sub is None
    assert token.expires_within() is False


def test_expires_within():
    at = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    token = OAuthToken(access_token="a", refresh_token=None, expires_at=at, scope=None)
    assert token.expires_within(now=at - timedelta(minutes=6)) is False
    assert token.expires_within(now=at - timedelta(minutes=4)) is True
    assert token.expires_within(timedelta(0), now=at) is True
    assert token.expires_within() is False  # 2030 is far away


def test_repr_never_shows_tokens_or_secret(server, oauth):
    server.add(200, TOKEN_RESPONSE)
    token = oauth.exchange_code(CODE, "https://odoo.example/cb")
    assert ACCESS not in repr(token) and REFRESH not in repr(token)
    assert CLIENT_SECRET not in repr(oauth)


@pytest.mark.parametrize(
    "answer",
    [
        dict(status=400, body={"error": CLIENT_SECRET}),
        dict(status=422, body={"errors": {"code": [{"key": CODE, "description": CLIENT_SECRET}]}}),
        dict(status=401),
        dict(drop=True),
    ],
)
def test_secrets_never_in_errors_or_logs(server, caplog, answer):
    caplog.set_level(logging.DEBUG)
    client = OrganizationConnect(
        CLIENT_ID, CLIENT_SECRET, api_base_url=server.url, retry_policy=NO_RETRY
    )
    server.add(**answer)
    with pytest.raises(Exception) as info:
        client.exchange_code(CODE, "https://odoo.example/cb")
    printed = (
        "".join(traceback.format_exception(info.value)) + repr(info.value) + str(vars(info.value))
    )
    for secret in (CLIENT_SECRET, CODE):
        assert secret not in printed
        assert secret not in caplog.text


@pytest.mark.parametrize(
    ("client_id", "secret"), [("", CLIENT_SECRET), (CLIENT_ID, ""), (CLIENT_ID, None)]
)
def test_missing_credentials(client_id, secret):
    with pytest.raises(ConfigurationError):
        OrganizationConnect(client_id, secret)


def test_foreign_token_host_refused():
    with pytest.raises(ConfigurationError):
        OrganizationConnect(CLIENT_ID, CLIENT_SECRET, api_base_url="https://login.evil.example")


def test_argument_validation(oauth, server):
    for call in (
        lambda: oauth.exchange_code("", "https://x"),
        lambda: oauth.refresh(""),
        lambda: oauth.revoke(""),
    ):
        with pytest.raises(ValueError):
            call()
    assert server.received == []
    oauth.close()
