"""One HTTP exchange with Cronofy: allow-list check, timeouts, no redirects, a size
cap on the answer, and the mapping of every failure to one exception type.

Shared by the Scheduler API client and the OAuth helper so both behave the same.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus, urlsplit

import requests
import urllib3.exceptions

from .datacenters import check_allowed_url
from .errors import (
    BadRequestError,
    CronofyApiError,
    CronofyConnectionError,
    CronofyTimeoutError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    OutcomeUnknownError,
    PaymentRequiredError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    UnexpectedResponseError,
    UnexpectedStatusError,
    ValidationFailedError,
)
from .retry import RetryPolicy

_logger = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds
# Cronofy's answers are small JSON documents; anything bigger is refused unread.
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
USER_AGENT = "hr_recruitment_cronofy (python-requests)"


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date).
    [U] Cronofy does not document sending it; it is honoured when present."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            return None
        seconds = moment.timestamp() - now()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


class Scrubber:
    """Replaces known secrets in text taken from a response. A server (or anything in
    between) could echo what we sent; what we sent must not reach messages or logs."""

    def __init__(self, secrets: Iterable[str]):
        # The form-encoded spelling too, since token requests send form bodies.
        variants = {v for s in secrets if s for v in (s, quote_plus(s), quote(s, safe=""))}
        self._secrets = sorted(variants, key=len, reverse=True)

    def __call__(self, text: str, limit: int = 200) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text[:limit]


def _parse_field_errors(body: Any, scrub: Scrubber) -> dict[str, tuple[FieldError, ...]]:
    """``{"errors": {"<field>": [{"key", "description"}]}}``; tolerant of odd shapes
    because an error path must never fail on its own."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, dict):
        return {}
    result = {}
    for name, items in errors.items():
        entries = items if isinstance(items, list) else [items]
        result[scrub(str(name))] = tuple(
            FieldError(
                key=scrub(str(item.get("key", ""))),
                description=scrub(str(item.get("description", ""))),
            )
            if isinstance(item, dict)
            else FieldError(key="", description=scrub(str(item)))
            for item in entries
        )
    return result


def is_outcome_unknown(error: CronofyApiError) -> bool:
    """Could Cronofy have acted on a request that ended with ``error``?"""
    if error.request_not_processed:
        return False
    return isinstance(
        error, CronofyTimeoutError | CronofyConnectionError | ServerError | UnexpectedResponseError
    )


class Transport:
    """Sends requests through one ``requests.Session`` (injectable, so tests and
    Odoo can point it at the simulator) and returns decoded JSON."""

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry_policy: RetryPolicy,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ):
        if not (isinstance(timeout, tuple) and len(timeout) == 2 and all(t > 0 for t in timeout)):
            raise ValueError("timeout must be a (connect, read) tuple of positive seconds")
        self.session = session if session is not None else requests.Session()
        self._owns_session = session is None
        self.timeout = timeout
        self.retry_policy = retry_policy
        self.max_response_bytes = max_response_bytes

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def call(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        headers: Mapping[str, str],
        json_body: Any = None,
        form_body: str | None = None,
        expect_body: bool = True,
        sensitive: Iterable[str] = (),
    ) -> Any:
        """Send with the retry policy. For a non-idempotent call, a failure that
        leaves the outcome unknown becomes ``OutcomeUnknownError``."""

        def attempt():
            return self.send_once(
                method,
                url,
                headers=headers,
                json_body=json_body,
                form_body=form_body,
                expect_body=expect_body,
                sensitive=sensitive,
            )

        sensitive = tuple(sensitive)  # reused by every attempt
        try:
            return self.retry_policy.run(attempt, idempotent=idempotent)
        except CronofyApiError as error:
            if not idempotent and is_outcome_unknown(error):
                raise OutcomeUnknownError(error) from error
            raise

    def send_once(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        json_body: Any = None,
        form_body: str | None = None,
        expect_body: bool = True,
        sensitive: Iterable[str] = (),
    ) -> Any:
        """One attempt. ``sensitive`` lists values sent in the body (client secret,
        codes, tokens) that must be scrubbed from anything echoed back; the bearer
        token of the Authorization header is added automatically."""
        check_allowed_url(url)
        path = urlsplit(url).path or "/"
        all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **headers}
        data = None
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            all_headers["Content-Type"] = "application/json; charset=utf-8"
        elif form_body is not None:
            data = form_body.encode("ascii")
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            response = self.session.request(
                method,
                url,
                data=data,
                headers=all_headers,
                timeout=self.timeout,
                # A redirect would carry our headers to a URL nobody checked; Cronofy's
                # API does not redirect, so any 3xx is reported instead of followed.
                allow_redirects=False,
                stream=True,
            )
        except requests.exceptions.ConnectTimeout:
            raise CronofyTimeoutError(request_sent=False, method=method, path=path) from None
        except requests.exceptions.Timeout:
            raise CronofyTimeoutError(request_sent=True, method=method, path=path) from None
        except requests.exceptions.ConnectionError as exc:
            raise CronofyConnectionError(
                request_sent=_connection_request_sent(exc), method=method, path=path
            ) from None
        except requests.exceptions.RequestException:
            # e.g. InvalidURL, ChunkedEncodingError; "from None" keeps the request
            # (and its Authorization header) out of the traceback chain.
            raise CronofyConnectionError(request_sent=None, method=method, path=path) from None
        try:
            with response:
                content = self._read_capped(response, method, path)
        except requests.exceptions.Timeout:
            raise CronofyTimeoutError(request_sent=True, method=method, path=path) from None
        except requests.exceptions.RequestException:
            raise CronofyConnectionError(request_sent=True, method=method, path=path) from None
        status = response.status_code
        _logger.debug("Cronofy %s %s -> %s", method, path, status)
        if 200 <= status < 300:
            if not expect_body:
                return None
            return _decode_json(content, method, path)
        secrets = [*sensitive, *_authorization_secrets(headers)]
        raise _error_for_status(status, content, response.headers, method, path, Scrubber(secrets))

    def _read_capped(self, response: requests.Response, method: str, path: str) -> bytes:
        chunks = []
        size = 0
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > self.max_response_bytes:
                raise UnexpectedResponseError(
                    f"Response larger than {self.max_response_bytes} bytes",
                    method=method,
                    path=path,
                )
            chunks.append(chunk)
        return b"".join(chunks)


def _authorization_secrets(headers: Mapping[str, str]) -> list[str]:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    return [value, value.partition(" ")[2]] if value else []


def _connection_request_sent(exc: requests.exceptions.ConnectionError) -> bool | None:
    """False when no connection was ever made (safe to repeat anything), None when
    the connection broke at a moment we cannot know."""
    reason = exc.args[0] if exc.args else None
    inner = getattr(reason, "reason", None)
    if isinstance(inner, urllib3.exceptions.NewConnectionError):
        return False
    return None


def _decode_json(content: bytes, method: str, path: str) -> Any:
    if not content.strip():
        raise UnexpectedResponseError(
            "Empty response body where JSON was expected", method=method, path=path
        )
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise UnexpectedResponseError(
            "Response body is not valid JSON", method=method, path=path
        ) from None


def _safe_json(content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None


_OAUTH_ERROR_CODE = re.compile(r"[a-z][a-z0-9_.]{0,63}")


def _error_for_status(
    status: int, content: bytes, headers, method: str, path: str, scrub: Scrubber
) -> CronofyApiError:
    where = {"method": method, "path": path}
    if status == 400:
        body = _safe_json(content)
        error = body.get("error") if isinstance(body, dict) else None
        # [U] the 400 body of /oauth/token is undocumented; we read RFC 6749's "error".
        # Only a short, plain code (``invalid_grant``) is kept, never free text.
        plain = isinstance(error, str) and _OAUTH_ERROR_CODE.fullmatch(error)
        return BadRequestError(status, error=scrub(error) if plain else None, **where)
    if status == 401:
        return UnauthorizedError(status, **where)
    if status == 402:
        return PaymentRequiredError(status, **where)
    if status == 403:
        return ForbiddenError(status, **where)
    if status == 404:
        return NotFoundError(status, **where)
    if status == 422:
        return ValidationFailedError(
            status, field_errors=_parse_field_errors(_safe_json(content), scrub), **where
        )
    if status == 429:
        return RateLimitedError(
            status, retry_after=parse_retry_after(headers.get("Retry-After")), **where
        )
    if 500 <= status < 600:
        return ServerError(
            status, retry_after=parse_retry_after(headers.get("Retry-After")), **where
        )
    return UnexpectedStatusError(status, **where)
