"""OAuth2 Organization Connect (contract §5.1/§5.2) with authlib's RFC 6749 helpers.

authlib builds the authorize URL and the form bodies; the HTTP exchange goes through
our ``Transport`` so tokens get the same allow-list, timeouts, error types and
retry rules as every other call. The caller owns ``state`` (sign it and give it an
expiry) and stores the returned tokens; ``OAuthToken.expires_at`` tells it when to
refresh before use.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request

from .datacenters import resolve_endpoints
from .errors import (
    BadRequestError,
    ConfigurationError,
    CronofyApiError,
    UnauthorizedError,
    UnexpectedResponseError,
)
from .notifications import EMPTY, freeze
from .retry import DEFAULT_RETRY_POLICY, RetryPolicy
from .transport import DEFAULT_TIMEOUT, Transport

ORGANIZATION_SCOPE = "organizational_unit_scheduler"
AUTHORIZE_PATH = "/oauth/authorize"  # on the app host
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path, on the API host
REVOKE_PATH = "/oauth/token/revoke"  # on the API host
DEFAULT_REFRESH_MARGIN = timedelta(minutes=5)
_SECRET_FIELDS = frozenset({"access_token", "refresh_token"})
# A code no authorization server can have issued (the credentials probe sends it).
PROBE_CODE = "odoo-credentials-check-not-a-code"
# RFC 6749 5.2: every token error but ``invalid_client`` (and the malformed-request
# ``invalid_request``) is reached only after the client authenticated.
CLIENT_AUTHENTICATED_ERRORS = frozenset(
    {"invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope"}
)


class ClientCheck(enum.Enum):
    ACCEPTED = "accepted"  # the token endpoint knows this client id and secret
    REJECTED = "rejected"  # invalid_client: the id or the secret is wrong
    UNKNOWN = "unknown"  # the answer says nothing about the credentials


@dataclass(frozen=True)
class ClientCredentialsProbe:
    """What the token endpoint said about the client id and secret. ``detail`` is
    the OAuth error code or the failure, never a secret."""

    outcome: ClientCheck
    detail: str
    # True when no HTTP answer came (unreachable, timeout, 5xx): try again later.
    unreachable: bool = False


@dataclass(frozen=True)
class OAuthToken:
    """A token response. ``repr`` never shows the tokens.

    ``sub``/``account_id`` are kept when present; [U] whether an Organization Connect
    response identifies the OU is undocumented, so every other non-secret field is
    kept in ``extra`` (e.g. ``linking_profile``, ``userinfo``)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None
    scope: str | None
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    sub: str | None = None
    account_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: EMPTY, hash=False)

    def expires_within(
        self, margin: timedelta = DEFAULT_REFRESH_MARGIN, *, now: datetime | None = None
    ) -> bool:
        """True when the token is expired or will be within ``margin``: refresh first.
        A token without a known expiry is never reported as expiring."""
        if self.expires_at is None:
            return False
        return (now or datetime.now(UTC)) + margin >= self.expires_at


class OrganizationConnect:
    """Authorize, exchange, refresh and revoke for one Cronofy application."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        datacenter: str | None = None,
        api_base_url: str | None = None,
        app_base_url: str | None = None,
        scope: str = ORGANIZATION_SCOPE,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        clock: Callable[[], float] = time.time,
    ):
        if not client_id or not isinstance(client_id, str):
            raise ConfigurationError("The Cronofy client id is missing")
        if not client_secret or not isinstance(client_secret, str):
            raise ConfigurationError("The Cronofy client secret is missing")
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self.endpoints = resolve_endpoints(
            datacenter, api_base_url=api_base_url, app_base_url=app_base_url
        )
        self._clock = clock
        self._transport = Transport(session=session, timeout=timeout, retry_policy=retry_policy)

    def __repr__(self) -> str:
        api = self.endpoints.api_base_url
        return f"<OrganizationConnect client_id={self.client_id!r} secret=*** {api}>"

    def close(self) -> None:
        self._transport.close()

    def authorization_url(
        self, state: str, redirect_uri: str, *, scope: str | None = None, **extra_params: str
    ) -> str:
        """The URL to send the admin's browser to. ``state`` is required: the caller
        signs it (with an expiry) and checks it on the callback."""
        if not state or not isinstance(state, str):
            raise ValueError("A state value is required (sign it, and check it on return)")
        if not redirect_uri:
            raise ValueError("A redirect_uri is required")
        return prepare_grant_uri(
            self.endpoints.app_base_url + AUTHORIZE_PATH,
            client_id=self.client_id,
            response_type="code",
            redirect_uri=redirect_uri,
            scope=scope or self.scope,
            state=state,
            **extra_params,
        )

    def exchange_code(self, code: str, redirect_uri: str) -> OAuthToken:
        """Trade the callback's ``code`` for tokens. A code works once, so this is
        not retried after an ambiguous failure (``OutcomeUnknownError``): start the
        authorization again instead."""
        if not code:
            raise ValueError("An authorization code is required")
        body = self._code_exchange_body(code, redirect_uri)
        return self._token_call(body, idempotent=False, sensitive=(code,))

    def _code_exchange_body(self, code: str, redirect_uri: str) -> str:
        return prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=redirect_uri,
            client_id=self.client_id,
            client_secret=self._client_secret,
        )

    def refresh(self, refresh_token: str) -> OAuthToken:
        """New access token. Retried as idempotent. [U] Cronofy's example returns the
        same refresh token; when a response has none, the one sent is kept."""
        if not refresh_token:
            raise ValueError("A refresh token is required")
        body = prepare_token_request(
            "refresh_token",
            refresh_token=refresh_token,
            client_id=self.client_id,
            client_secret=self._client_secret,
        )
        return self._token_call(
            body, idempotent=True, sensitive=(refresh_token,), previous_refresh_token=refresh_token
        )

    def probe_client_credentials(self, redirect_uri: str) -> ClientCredentialsProbe:
        """Ask the token endpoint to exchange a code that cannot exist. An
        authorization server authenticates the client before it looks at the code
        (RFC 6749 4.1.3, 5.2), so ``invalid_client`` means a wrong id or secret and
        ``invalid_grant`` a known client whose code was refused. [U] Cronofy's error
        body is undocumented (contract 5.1): any other answer is ``UNKNOWN``.
        Nothing is granted, so nothing needs revoking."""
        body = self._code_exchange_body(PROBE_CODE, redirect_uri)
        try:
            self._transport.call(
                "POST",
                self.endpoints.api_base_url + TOKEN_PATH,
                idempotent=True,
                headers={},
                form_body=body,
                sensitive=(self._client_secret,),
            )
        except BadRequestError as error:
            code = error.error or ""
            if code == "invalid_client":
                return ClientCredentialsProbe(ClientCheck.REJECTED, code)
            if code in CLIENT_AUTHENTICATED_ERRORS:
                return ClientCredentialsProbe(ClientCheck.ACCEPTED, code)
            return ClientCredentialsProbe(
                ClientCheck.UNKNOWN, f"HTTP 400 {code or 'without an OAuth error code'}"
            )
        except UnauthorizedError:
            # RFC 6749 5.2 allows 401 for invalid_client (HTTP authentication schemes).
            return ClientCredentialsProbe(ClientCheck.REJECTED, "HTTP 401")
        except CronofyApiError as error:
            unreachable = error.retryable or error.status is None
            return ClientCredentialsProbe(ClientCheck.UNKNOWN, str(error), unreachable)
        return ClientCredentialsProbe(ClientCheck.UNKNOWN, "a made-up code was accepted")

    def revoke(self, token: str) -> None:
        """Revoke a refresh or access token (disconnect). JSON body as documented."""
        if not token:
            raise ValueError("A token is required")
        self._transport.call(
            "POST",
            self.endpoints.api_base_url + REVOKE_PATH,
            idempotent=True,
            headers={},
            json_body={
                "client_id": self.client_id,
                "client_secret": self._client_secret,
                "token": token,
            },
            expect_body=False,
        )

    def _token_call(
        self,
        form_body: str,
        *,
        idempotent: bool,
        sensitive: tuple[str, ...],
        previous_refresh_token: str | None = None,
    ) -> OAuthToken:
        # [C] the token endpoint accepts form encoding; authlib builds that body.
        answer = self._transport.call(
            "POST",
            self.endpoints.api_base_url + TOKEN_PATH,
            idempotent=idempotent,
            headers={},
            form_body=form_body,
            sensitive=(self._client_secret, *sensitive),
        )
        return self._parse_token(answer, previous_refresh_token)

    def _parse_token(self, answer: Any, previous_refresh_token: str | None) -> OAuthToken:
        def fail(problem: str):
            return UnexpectedResponseError(
                f"Token response {problem}", method="POST", path=TOKEN_PATH
            )

        if not isinstance(answer, dict):
            raise fail("is not an object")
        access_token = answer.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise fail("has no access_token")
        token_type = answer.get("token_type", "bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise fail("is not a bearer token")
        refresh_token = answer.get("refresh_token") or previous_refresh_token
        if refresh_token is not None and not isinstance(refresh_token, str):
            raise fail("has a refresh_token that is not a string")
        expires_in = answer.get("expires_in")
        expires_at = None
        if expires_in is not None:
            if (
                isinstance(expires_in, bool)
                or not isinstance(expires_in, int | float)
                or expires_in < 0
            ):
                raise fail("has an invalid expires_in")
            expires_at = datetime.fromtimestamp(self._clock() + expires_in, UTC)
        scope = answer.get("scope")
        sub = answer.get("sub")
        account_id = answer.get("account_id")
        return OAuthToken(
            access_token=access_token,
            refresh_token=refresh_token,
            expires_at=expires_at,
            scope=scope if isinstance(scope, str) else None,
            token_type="bearer",  # noqa: S106 - checked above, not a secret
            sub=sub if isinstance(sub, str) else None,
            account_id=account_id if isinstance(account_id, str) else None,
            extra=freeze({k: v for k, v in answer.items() if k not in _SECRET_FIELDS}),
        )
