"""Exception types, one per meaning, so callers branch on the class and never on text.

Messages are built only from the HTTP method, the URL path, the status code and
Cronofy's error *keys*: never from request headers, request bodies or token
responses, so a secret or token cannot leak through ``str(exc)`` or a log line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


class CronofyError(Exception):
    """Base class of every error raised by this package."""


class ConfigurationError(CronofyError, ValueError):
    """The caller configured something that cannot work or is unsafe (e.g. a host
    outside the allow-list). Raised before any credential leaves the process."""


class NotificationParseError(CronofyError, ValueError):
    """A notification (or an API payload) is not what the contract describes.

    ``field`` is the dotted JSON path of the offending field (``"body"`` for
    problems with the body as a whole), so the inbox can show one clear reason.
    """

    def __init__(self, field: str, problem: str):
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class CronofyApiError(CronofyError):
    """A call to Cronofy failed. ``retryable`` says whether repeating the same
    idempotent call later may succeed; ``request_not_processed`` is True only when
    Cronofy certainly did not act on the request (safe to repeat even a create)."""

    retryable: bool = False
    request_not_processed: bool = False
    status: int | None = None
    retry_after: float | None = None

    def __init__(self, message: str, *, method: str = "", path: str = ""):
        self.method = method
        self.path = path
        where = f" ({method} {path})" if method else ""
        super().__init__(f"{message}{where}")


# --- failures without an HTTP answer -------------------------------------------------


class CronofyTimeoutError(CronofyApiError):
    """No answer in time. ``request_sent`` is False for a connect timeout (nothing
    reached Cronofy) and True for a read timeout (Cronofy may have acted)."""

    retryable = True

    def __init__(self, *, request_sent: bool, method: str = "", path: str = ""):
        self.request_sent = request_sent
        self.request_not_processed = not request_sent
        phase = "reading the response" if request_sent else "connecting"
        super().__init__(f"Timed out {phase}", method=method, path=path)


class CronofyConnectionError(CronofyApiError):
    """The connection failed. ``request_sent`` is False when no connection was ever
    established, None when it broke at an unknown moment."""

    retryable = True

    def __init__(self, *, request_sent: bool | None, method: str = "", path: str = ""):
        self.request_sent = request_sent
        self.request_not_processed = request_sent is False
        phase = "could not connect" if request_sent is False else "connection failed"
        super().__init__(f"Cronofy {phase}", method=method, path=path)


# --- HTTP answers that are errors ------------------------------------------------------


class CronofyHttpError(CronofyApiError):
    """Cronofy answered with an error status."""

    default_reason = "error"

    def __init__(self, status: int, *, method: str = "", path: str = "", detail: str = ""):
        self.status = status
        text = f"Cronofy answered {status} {self.default_reason}"
        if detail:
            text = f"{text}: {detail}"
        super().__init__(text, method=method, path=path)


class BadRequestError(CronofyHttpError):
    """400, used by Cronofy only on the OAuth token endpoints. ``error`` holds the
    OAuth error code (e.g. ``invalid_grant``: the code or refresh token is dead and
    the user must connect again)."""

    default_reason = "Bad Request"

    def __init__(self, status: int, *, error: str | None = None, **kwargs):
        self.error = error
        super().__init__(status, detail=error or "", **kwargs)


class UnauthorizedError(CronofyHttpError):
    """401: the token is not recognised. Refresh it once and try again; if the
    refreshed token is refused too, the connection must be redone."""

    default_reason = "Unauthorized"


class PaymentRequiredError(CronofyHttpError):
    """402: the Cronofy plan does not include this feature."""

    default_reason = "Payment Required"


class ForbiddenError(CronofyHttpError):
    """403: the token lacks the scope (e.g. ``organizational_unit_scheduler``)."""

    default_reason = "Forbidden"


class NotFoundError(CronofyHttpError):
    """404: unknown resource or path."""

    default_reason = "Not Found"


@dataclass(frozen=True)
class FieldError:
    """One entry of a 422 body: ``{"key": "errors.required", "description": "required"}``."""

    key: str
    description: str


class ValidationFailedError(CronofyHttpError):
    """422: Cronofy rejected parameters. ``field_errors`` maps each field to its
    ``FieldError`` tuple, as in ``{"errors": {"<field>": [{key, description}]}}``."""

    default_reason = "Unprocessable Entity"

    def __init__(self, status: int, *, field_errors: Mapping[str, tuple[FieldError, ...]], **kw):
        self.field_errors = MappingProxyType(dict(field_errors))
        # Only field names and error keys go into the message: descriptions are
        # Cronofy's prose and could in theory echo submitted values.
        summary = ", ".join(
            f"{name} ({'/'.join(e.key for e in errors) or '?'})"
            for name, errors in sorted(self.field_errors.items())
        )
        super().__init__(status, detail=summary, **kw)


class RateLimitedError(CronofyHttpError):
    """429: over the rate limit. ``retry_after`` is in seconds when Cronofy said so.
    Cronofy rejected the request, so nothing was created."""

    default_reason = "Too Many Requests"
    retryable = True
    # [U] Cronofy does not document that a 429 means the request had no effect; it is
    # the HTTP meaning of 429, so a create that got 429 is treated as safe to repeat.
    request_not_processed = True

    def __init__(self, status: int, *, retry_after: float | None = None, **kwargs):
        self.retry_after = retry_after
        detail = f"retry after {retry_after:g}s" if retry_after is not None else ""
        super().__init__(status, detail=detail, **kwargs)


class ServerError(CronofyHttpError):
    """5xx: Cronofy (or a gateway in front of it) failed. Retryable for idempotent calls."""

    default_reason = "Server Error"
    retryable = True

    def __init__(self, status: int, *, retry_after: float | None = None, **kwargs):
        self.retry_after = retry_after
        super().__init__(status, **kwargs)


class UnexpectedStatusError(CronofyHttpError):
    """Any other status, including redirects, which the client never follows."""

    default_reason = "(unexpected status)"


class UnexpectedResponseError(CronofyApiError):
    """A success status with a body that is not the documented shape."""


class OutcomeUnknownError(CronofyApiError):
    """A non-idempotent call (a create, a code exchange) failed in a way that does not
    say whether Cronofy acted on it. Do NOT repeat it blindly: reconcile first (for
    a scheduling request, look for it through the webhook or a query by id).
    ``cause`` is the underlying error."""

    def __init__(self, cause: CronofyApiError):
        self.cause = cause
        self.status = cause.status
        super().__init__(
            f"Outcome unknown, Cronofy may or may not have acted; reconcile before retrying. "
            f"Cause: {cause.__class__.__name__}: {cause}",
        )
