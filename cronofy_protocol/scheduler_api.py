"""Client for Cronofy's Scheduler API (Scheduling Requests), contract §4."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests

from .datacenters import resolve_endpoints
from .errors import (
    ConfigurationError,
    NotificationParseError,
    OutcomeUnknownError,
    UnexpectedResponseError,
)
from .notifications import SchedulingRequest, parse_scheduling_request
from .retry import DEFAULT_RETRY_POLICY, RetryPolicy
from .transport import DEFAULT_TIMEOUT, Transport

IMPERSONATE_HEADER = "Cronofy-Impersonate"
CREATE_PATH = "/v1/scheduling_requests"
QUERY_PATH = "/v1/scheduling_requests/query"
CANCEL_PATH = "/v1/scheduling_requests/cancel"


def recipient(email: str, display_name: str | None = None, *, slot_selector: bool = True) -> dict:
    """A ``recipients[]`` entry. ``slot_selector`` is required by Cronofy (§4.3)."""
    if not isinstance(email, str) or not email.strip():
        raise ValueError("A recipient needs an email address")
    entry: dict[str, Any] = {"email": email.strip(), "slot_selector": slot_selector}
    if display_name:
        entry["display_name"] = display_name
    return entry


class SchedulerClient:
    """Scheduling Requests on behalf of one Organizational Unit.

    ``bearer_token`` is an Organization Connect access token or an Internal
    Application's client secret (§4.1). ``impersonate`` (``acc_...``) sends
    ``Cronofy-Impersonate`` so that account becomes the host. A 401 raises
    ``UnauthorizedError``: refresh the token once, build a new client, try again.
    """

    def __init__(
        self,
        bearer_token: str,
        *,
        datacenter: str | None = None,
        base_url: str | None = None,
        impersonate: str | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    ):
        if not isinstance(bearer_token, str) or not bearer_token.strip():
            raise ConfigurationError("A Cronofy bearer token is required")
        if any(c in bearer_token for c in "\r\n"):
            raise ConfigurationError("The Cronofy bearer token contains a line break")
        if impersonate is not None and (
            not impersonate.strip() or any(c in impersonate for c in "\r\n")
        ):
            raise ConfigurationError("Cronofy-Impersonate must be a non-empty account id")
        self.base_url = resolve_endpoints(datacenter, api_base_url=base_url).api_base_url
        self._bearer_token = bearer_token.strip()
        self.impersonate = impersonate
        self._transport = Transport(session=session, timeout=timeout, retry_policy=retry_policy)

    def __repr__(self) -> str:
        return f"<SchedulerClient {self.base_url} token=*** impersonate={self.impersonate!r}>"

    def __enter__(self) -> SchedulerClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Close the session if this client created it (an injected one is the caller's)."""
        self._transport.close()

    # -- operations ---------------------------------------------------------------------

    def create_scheduling_request(self, body: Mapping[str, Any]) -> SchedulingRequest:
        """``POST /v1/scheduling_requests`` with a full specification (§4.2).

        Never retried blindly: only a 429 or a connection that was never opened is
        repeated. When Cronofy may have created it anyway, ``OutcomeUnknownError``
        is raised: reconcile (webhook / query by id) instead of creating again.
        """
        if not isinstance(body, Mapping) or not body:
            raise ValueError("The scheduling request body must be a non-empty mapping")
        # [U] Cronofy documents no Idempotency-Key and no client-chosen id for
        # scheduling requests, so none is sent and duplicates are avoided by not
        # repeating a create whose outcome is unknown.
        answer = self._post(CREATE_PATH, dict(body), idempotent=False)
        try:
            return self._parse_single(answer)
        except UnexpectedResponseError as error:
            # Cronofy said yes but we cannot read what it created: same as unknown.
            raise OutcomeUnknownError(error) from None

    def create_from_template(
        self,
        template_id: str,
        recipients: Sequence[Mapping[str, Any]],
        *,
        extra: Mapping[str, Any] | None = None,
    ) -> SchedulingRequest:
        """Create from a Scheduling Template (``sgr_...``, §4.3). ``recipients``
        are mappings such as ``recipient(email, name)`` returns; ``extra`` adds
        other top-level body keys as they are."""
        if not isinstance(template_id, str) or not template_id.strip():
            raise ValueError("A template id (sgr_...) is required")
        if isinstance(recipients, Mapping | str) or not recipients:
            raise ValueError("At least one recipient is required")
        body: dict[str, Any] = dict(extra or {})
        body["template"] = {"sub": template_id.strip()}
        body["recipients"] = [dict(r) for r in recipients]
        return self.create_scheduling_request(body)

    def query_scheduling_requests(self, ids: Sequence[str]) -> tuple[SchedulingRequest, ...]:
        """``POST /v1/scheduling_requests/query`` (§4.4). Idempotent, so retried.
        An empty ``ids`` returns ``()`` without calling Cronofy."""
        if isinstance(ids, str):
            raise TypeError("ids must be a sequence of ids, not a single string")
        ids = [i for i in ids]
        if not all(isinstance(i, str) and i for i in ids):
            raise ValueError("Every scheduling request id must be a non-empty string")
        if not ids:
            return ()
        # [U] no documented maximum number of ids per query; callers batch if needed.
        answer = self._post(QUERY_PATH, {"scheduling_request_ids": ids}, idempotent=True)
        items = answer.get("scheduling_requests") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise UnexpectedResponseError(
                "Query response has no scheduling_requests list", path=QUERY_PATH
            )
        return tuple(
            self._parse_single(item, f"scheduling_requests[{index}].scheduling_request")
            for index, item in enumerate(items)
        )

    def cancel_scheduling_request(self, scheduling_request_id: str) -> None:
        """``POST /v1/scheduling_requests/cancel`` → 202 with no body (§4.5).
        Retried as idempotent. [U] whether cancelling an already-cancelled request
        answers 202 or an error is undocumented; a 404/422 is raised as such."""
        if not isinstance(scheduling_request_id, str) or not scheduling_request_id.strip():
            raise ValueError("A scheduling request id is required")
        self._post(
            CANCEL_PATH,
            {"scheduling_request_id": scheduling_request_id},
            idempotent=True,
            expect_body=False,
        )

    # -- plumbing -----------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._bearer_token}"}
        if self.impersonate:
            headers[IMPERSONATE_HEADER] = self.impersonate
        return headers

    def _post(self, path: str, body: Any, *, idempotent: bool, expect_body: bool = True) -> Any:
        return self._transport.call(
            "POST",
            self.base_url + path,
            idempotent=idempotent,
            headers=self._headers(),
            json_body=body,
            expect_body=expect_body,
        )

    @staticmethod
    def _parse_single(answer: Any, path: str = "scheduling_request") -> SchedulingRequest:
        """``{"scheduling_request": {...}}`` → ``SchedulingRequest``."""
        inner = answer.get("scheduling_request") if isinstance(answer, dict) else None
        try:
            return parse_scheduling_request(inner, path)
        except NotificationParseError as exc:
            raise UnexpectedResponseError(
                f"Unexpected response shape at {exc.field}: {exc.problem}"
            ) from None
