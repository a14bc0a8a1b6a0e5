"""Plain-Python Cronofy protocol: every byte exchanged with Cronofy, no Odoo imports.

Imported as ``odoo.addons.hr_recruitment_cronofy.cronofy_protocol`` in Odoo and as
top-level ``cronofy_protocol`` in the plain tests, so modules here use relative
imports only.
"""

from .datacenters import (
    DATA_CENTERS,
    DataCenter,
    Endpoints,
    check_allowed_url,
    get_data_center,
    resolve_endpoints,
)
from .embed_token import (
    AUDIENCE_BOOKING_PAGE,
    AUDIENCE_SCHEDULER,
    build_embed_token,
    decode_embed_token,
    embedded_sign_up_url,
)
from .errors import (
    BadRequestError,
    ConfigurationError,
    CronofyApiError,
    CronofyConnectionError,
    CronofyError,
    CronofyHttpError,
    CronofyTimeoutError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    NotificationParseError,
    OutcomeUnknownError,
    PaymentRequiredError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    UnexpectedResponseError,
    UnexpectedStatusError,
    ValidationFailedError,
)
from .moments import Moment
from .notifications import (
    DEFAULT_MAX_BODY_BYTES,
    EventDetails,
    NotificationType,
    Recipient,
    RecipientOperations,
    SchedulerMetadata,
    SchedulingRequest,
    SchedulingRequestNotification,
    dedupe_key,
    parse_notification,
    parse_notification_payload,
    parse_scheduling_request,
    thaw,
)
from .oauth import ORGANIZATION_SCOPE, OAuthToken, OrganizationConnect
from .retry import DEFAULT_RETRY_POLICY, NO_RETRY, RetryPolicy
from .scheduler_api import SchedulerClient, recipient
from .webhook_signature import HEADER_NAME as SIGNATURE_HEADER
from .webhook_signature import compute_signature, verify_signature

__all__ = [
    "AUDIENCE_BOOKING_PAGE",
    "AUDIENCE_SCHEDULER",
    "DATA_CENTERS",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_RETRY_POLICY",
    "NO_RETRY",
    "ORGANIZATION_SCOPE",
    "SIGNATURE_HEADER",
    "BadRequestError",
    "ConfigurationError",
    "CronofyApiError",
    "CronofyConnectionError",
    "CronofyError",
    "CronofyHttpError",
    "CronofyTimeoutError",
    "DataCenter",
    "Endpoints",
    "EventDetails",
    "FieldError",
    "ForbiddenError",
    "Moment",
    "NotFoundError",
    "NotificationParseError",
    "NotificationType",
    "OAuthToken",
    "OrganizationConnect",
    "OutcomeUnknownError",
    "PaymentRequiredError",
    "RateLimitedError",
    "Recipient",
    "RecipientOperations",
    "RetryPolicy",
    "SchedulerClient",
    "SchedulerMetadata",
    "SchedulingRequest",
    "SchedulingRequestNotification",
    "ServerError",
    "UnauthorizedError",
    "UnexpectedResponseError",
    "UnexpectedStatusError",
    "ValidationFailedError",
    "build_embed_token",
    "check_allowed_url",
    "compute_signature",
    "decode_embed_token",
    "dedupe_key",
    "embedded_sign_up_url",
    "get_data_center",
    "parse_notification",
    "parse_notification_payload",
    "parse_scheduling_request",
    "recipient",
    "resolve_endpoints",
    "thaw",
    "verify_signature",
]
