"""Cronofy push notifications: verify, store, answer. Nothing else.

Order matters and is the point of this controller:
0. any method but POST → 405 (werkzeug answers most; Odoo adds OPTIONS to every
   route for CORS, so that one reaches us and is refused here);
1. unknown or malformed company key → 404 (one body for every 404, nothing read;
   keys and secrets come from a per-process cache, so a key that is not one of
   ours never reaches the database);
2. body over 1 MiB → 413 (at most 1 MiB + 1 byte is ever read);
3. ``Cronofy-HMAC-SHA256`` checked over the exact raw bytes against every active
   client secret, in constant time, failing closed → 401, nothing stored;
4. malformed JSON → 400, nothing stored;
5. one statement: the connection and key re-checked in the database (404 if it
   is gone), the inbox row (a duplicate delivery is a no-op) and the processing
   cron's trigger; 200 with a tiny body, after the commit.
Signed content the parser refuses is stored as failed with the parser's reason:
a valid notification is never lost. Answers never say why beyond the status.
"""

import logging
import re

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from ..cronofy_protocol import NotificationParseError, verify_signature
from ..cronofy_protocol.notifications import DEFAULT_MAX_BODY_BYTES, decode_json_body
from ..cronofy_protocol.webhook_signature import HEADER_NAME
from ..models.cronofy_notification import KEPT_HEADERS, RecipientGone

_logger = logging.getLogger(__name__)

MAX_BODY_BYTES = DEFAULT_MAX_BODY_BYTES
# The shape of the keys cronofy.connection generates (secrets.token_urlsafe).
WEBHOOK_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,128}")


def _answer(http_status, **data):
    return request.make_json_response(data, status=http_status)


def _read_body():
    """The raw body, or None when it is over MAX_BODY_BYTES. werkzeug stops
    reading past ``max_content_length`` (also for chunked bodies without a
    Content-Length), and caches the bytes, so the retry Odoo makes after a
    serialization failure sees the same body."""
    httprequest = request.httprequest
    httprequest.max_content_length = MAX_BODY_BYTES
    try:
        return httprequest.get_data(cache=True)
    except RequestEntityTooLarge:
        return None


class CronofyWebhookController(http.Controller):
    @http.route(
        "/cronofy/webhook/<string:key>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def cronofy_webhook(self, key, **_params):
        httprequest = request.httprequest
        if httprequest.method != "POST":
            response = _answer(405, status="method_not_allowed")
            response.headers["Allow"] = "POST"
            return response
        recipient = WEBHOOK_KEY_PATTERN.fullmatch(key or "") and request.env[
            "cronofy.connection"
        ]._webhook_recipient(key)
        if not recipient:
            return _answer(404, status="not_found")
        connection_id, secrets = recipient
        declared = httprequest.content_length
        if declared is not None and declared > MAX_BODY_BYTES:
            return _answer(413, status="too_large")
        raw_body = _read_body()
        if raw_body is None or len(raw_body) > MAX_BODY_BYTES:
            return _answer(413, status="too_large")
        signature = httprequest.headers.get(HEADER_NAME)
        if not verify_signature(raw_body, signature, secrets):
            connection = request.env["cronofy.connection"].sudo().browse(connection_id).exists()
            if not connection:
                return _recipient_gone()
            connection._count_rejected_webhook(
                "invalid" if signature else "missing", httprequest.remote_addr, len(raw_body)
            )
            _logger.warning(
                "Cronofy webhook refused for company %s: %s signature (%s bytes from %s)",
                connection.company_id.id,
                "invalid" if signature else "missing",
                len(raw_body),
                httprequest.remote_addr,
            )
            return _answer(401, status="unauthorized")
        try:
            payload = decode_json_body(raw_body, max_body_bytes=MAX_BODY_BYTES)
        except NotificationParseError:
            return _answer(400, status="bad_request")
        # (NUL is the one character a jsonb column refuses.)
        headers = {
            name: httprequest.headers[name].replace("\x00", "")
            for name in KEPT_HEADERS
            if name in httprequest.headers
        }
        try:
            request.env["cronofy.notification"].sudo()._store(
                connection_id, raw_body, payload, headers, key=key
            )
        except RecipientGone:
            return _recipient_gone()
        return _answer(200, status="accepted")


def _recipient_gone():
    """The cached key named a connection the database no longer has with it: the
    same 404 as any unknown key, and a fresh map for the next request."""
    request.env.registry.clear_cache()
    return _answer(404, status="not_found")
