"""The simulator without its socket: shared services, routing, faults, CORS and the call log.

``SimulatorApp.dispatch`` turns a ``web.Request`` into a ``web.Response``; server.py only moves
bytes. Keeping them apart lets the whole behaviour be reasoned about in one place.
"""

import logging
import threading
import traceback
from collections import deque

from . import admin_api, admin_scenarios, candidate_pages, embed, oauth, scheduler_api, signup
from .clock import iso_utc
from .clock import now as clock_now
from .config import SimulatorConfig
from .faults import FaultRules
from .ratelimit import RateLimiter
from .state import Store
from .web import HttpError, Router, empty_response, json_response
from .webhooks import WebhookDispatcher

_logger = logging.getLogger(__name__)

ADMIN_PREFIX = "/_sim/"
CORS_PREFIX = "/embed/"
CALL_LOG_SIZE = 2000


class SimulatorApp:
    def __init__(self, config=None, state_file=None):
        self.config = config or SimulatorConfig()
        self.store = Store(state_file)
        self.faults = FaultRules()
        self.rate_limiter = RateLimiter(self.config)
        self.webhooks = WebhookDispatcher(self)
        self.listen_base_url = "http://127.0.0.1"
        self.calls = deque(maxlen=CALL_LOG_SIZE)
        self._calls_lock = threading.Lock()
        self._stopping = threading.Event()
        self.router = Router()
        for module in (
            oauth,
            scheduler_api,
            embed,
            signup,
            candidate_pages,
            admin_api,
            admin_scenarios,
        ):
            module.register(self.router, self)

    @property
    def base_url(self):
        """Where links point: the configured public URL or the address we listen on."""
        return self.config.public_base_url or self.listen_base_url

    def now(self):
        """Business time: real time plus the simulated clock's offset (clock.py)."""
        with self.store.read() as data:
            return clock_now(data)

    def start(self):
        self._stopping.clear()
        self.webhooks.start()

    def stop(self):
        self._stopping.set()
        self.webhooks.stop()

    def reset(self):
        self.webhooks.clear_queue()
        self.store.reset()
        self.faults.clear()
        self.rate_limiter.reset()
        self.clear_calls()

    def clear_calls(self):
        with self._calls_lock:
            self.calls.clear()

    def recorded_calls(self):
        with self._calls_lock:
            return list(self.calls)

    # -- dispatch --------------------------------------------------------------------------

    def dispatch(self, request):
        if request.method == "OPTIONS":
            return self._with_cors(request, empty_response(204))
        route, params = self.router.match(request.method, request.path)
        if route is None:
            if params:
                response = json_response({"error": "method_not_allowed"}, 405)
                response.headers["Allow"] = ", ".join(sorted(set(params)))
            else:
                response = json_response({"error": "not_found"}, 404)
            return self._with_cors(request, response)
        request.path_params = params
        request.route_name = route.name
        is_admin = request.path.startswith(ADMIN_PREFIX)
        response = None if is_admin else self._injected_fault(route.name)
        if response is None:
            try:
                response = route.handler(request)
            except HttpError as error:
                response = error.response
            except Exception:
                _logger.error("unhandled error on %s %s", request.method, request.path)
                traceback.print_exc()
                response = json_response({"error": "internal_error"}, 500)
        if not is_admin:
            self._record_call(request, response)
        return self._with_cors(request, response)

    def _injected_fault(self, route_name):
        rule = self.faults.take(route_name)
        if rule is None:
            return None
        if rule["fault"] == "hang":
            # Wait (interruptible by shutdown) long enough for the client to time out.
            self._stopping.wait(min(rule["seconds"], self.config.hang_max_seconds))
            return empty_response(504)
        if rule["fault"] == "disconnect":
            response = empty_response(500)
            response.drop_connection = True
            return response
        headers = {}
        if rule["retry_after"] is not None:
            headers["Retry-After"] = str(rule["retry_after"])
        return empty_response(rule["status"], headers)

    def _record_call(self, request, response):
        entry = {
            "at": iso_utc(self.now()),
            "method": request.method,
            "path": request.path,
            "route": request.route_name,
            "status": response.status,
            "application_id": request.application_id,
        }
        with self._calls_lock:
            self.calls.append(entry)

    def _with_cors(self, request, response):
        # The embed element is loaded by Odoo pages on another origin; it sends no cookies, so
        # a wildcard origin is enough.
        if request.path.startswith(CORS_PREFIX):
            response.headers.setdefault("Access-Control-Allow-Origin", "*")
            response.headers.setdefault("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            response.headers.setdefault(
                "Access-Control-Allow-Headers", "Authorization, Content-Type"
            )
            response.headers.setdefault("Access-Control-Max-Age", "600")
        return response
