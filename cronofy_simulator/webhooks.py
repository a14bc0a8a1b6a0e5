"""Signed push notifications, delivered by one background thread with retries and back-off.

Signature [C DOC-PUSH-AUTH]: ``Cronofy-HMAC-SHA256`` is the base64 HMAC-SHA256 of the raw body,
keyed with each *active* client secret of the application, values joined by commas.

Delivery policy [U]: any 2xx is success; anything else (status, timeout, refused connection) is
retried after ``webhook_backoff_base * 2**(attempt-1)`` seconds (capped at
``webhook_backoff_max``), up to ``webhook_max_attempts`` attempts, then the delivery is "failed".
A single worker sends one delivery at a time, in due order, so a retry can be overtaken by later
notifications, as with any real at-least-once sender.

Whether a request's notifications go out at all is its application's ``push_notifications``
setting [U, audit U14]; the ones it silences are kept as "suppressed" deliveries for tests.
"""

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import logging
import threading
import time

import requests

from .clock import iso_utc
from .ids import new_id, new_secret
from .scheduling import view

_logger = logging.getLogger(__name__)


def sign(body, secrets):
    """Header value for ``body`` (bytes) and the given client secrets."""
    return ",".join(
        base64.b64encode(hmac.new(s.encode(), body, hashlib.sha256).digest()).decode()
        for s in secrets
    )


def active_secrets(application):
    return [s["secret"] for s in application["client_secrets"] if s["active"]]


def pushes_for(application, record):
    """Whether the application's push_notifications setting lets this request's notifications
    out (records.PUSH_NOTIFICATION_MODES; [U] audit U14)."""
    mode = application.get("push_notifications", "all")
    if mode == "none":
        return False
    if mode == "not_for_organization_connect":
        return record.get("created_with") != "access_token"
    return True


class WebhookDispatcher:
    def __init__(self, sim):
        self.sim = sim
        self._cond = threading.Condition()
        self._queue = []  # heap of (due monotonic time, sequence, delivery id)
        self._sequence = itertools.count()
        self._in_flight = 0
        self._stopped = False
        self._thread = None
        self._session = requests.Session()
        self._session.trust_env = False  # never route loopback deliveries through a proxy

    # -- life cycle ------------------------------------------------------------------------

    def start(self):
        with self.sim.store.read() as data:
            pending = [
                d["id"] for d in data["webhook_deliveries"].values() if d["status"] == "pending"
            ]
        for delivery_id in pending:  # resume what a previous run left undelivered
            self._schedule(delivery_id, 0.0)
        self._thread = threading.Thread(target=self._run, name="cronofy-sim-webhooks", daemon=True)
        self._thread.start()

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread:
            self._thread.join(timeout=2)
        self._session.close()

    def clear_queue(self):
        with self._cond:
            self._queue.clear()
            self._cond.notify_all()

    def wait_idle(self, timeout):
        """Block until nothing is queued or being sent; False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    # -- producing -------------------------------------------------------------------------

    def notify(self, data, record, notification_type, now, omit_event_times=False):
        """Queue one notification per webhook URL of the request's application.

        Called with the store's write lock held, so the body reflects the state just written.
        ``omit_event_times`` leaves ``event.start``/``end`` out of the body (admin "notify").
        When the application's push_notifications setting silences the request, each would-be
        delivery is recorded as "suppressed" (never sent, no fault used up).
        """
        application = data["applications"].get(record["application_id"])
        if application is None:
            return []
        scheduling_request = view(self.sim.base_url, record, self.sim.config.event_hosts)
        if omit_event_times:
            scheduling_request["event"].pop("start", None)
            scheduling_request["event"].pop("end", None)
        payload = {
            "notification": {"type": notification_type, "triggered_at": iso_utc(now)},
            "scheduling_request": scheduling_request,
        }
        body = json.dumps(payload)
        pushed = pushes_for(application, record)
        created = []
        for url in application.get("webhook_urls", []):
            delivery = {
                "id": new_id("whd_"),
                "application_id": application["id"],
                "scheduling_request_id": record["id"],
                "notification_type": notification_type,
                "url": url,
                "body": body,
                "status": "pending" if pushed else "suppressed",
                "fault": None,
                "duplicate_of": None,
                "created_at": iso_utc(now),
                "attempts": [],
            }
            data["webhook_deliveries"][delivery["id"]] = delivery
            created.append(delivery)
            if pushed:
                created.extend(self._send_with_fault(data, delivery))
        return created

    def _send_with_fault(self, data, delivery):
        """Queue ``delivery`` under the next webhook fault, if any; returns any extra copies."""
        fault = self.sim.faults.take("webhook")
        kind = delivery["fault"] = fault["fault"] if fault else None
        if kind == "drop":
            delivery["status"] = "dropped"
            return []
        delay = fault["seconds"] if kind == "out_of_order" else 0.0
        self._schedule(delivery["id"], delay)
        if kind != "duplicate":
            return []
        copy = dict(delivery, id=new_id("whd_"), attempts=[], duplicate_of=delivery["id"])
        data["webhook_deliveries"][copy["id"]] = copy
        self._schedule(copy["id"], 0.0)
        return [copy]

    def _schedule(self, delivery_id, delay):
        with self._cond:
            heapq.heappush(
                self._queue, (time.monotonic() + delay, next(self._sequence), delivery_id)
            )
            self._cond.notify_all()

    # -- consuming -------------------------------------------------------------------------

    def _run(self):
        while True:
            with self._cond:
                while not self._stopped:
                    if self._queue and self._queue[0][0] <= time.monotonic():
                        break
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._cond.wait(timeout)
                if self._stopped:
                    return
                _, _, delivery_id = heapq.heappop(self._queue)
                self._in_flight += 1
            try:
                self._attempt(delivery_id)
            except Exception:  # a bug here must not kill the only delivery thread
                _logger.exception("webhook delivery %s crashed", delivery_id)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _attempt(self, delivery_id):
        config = self.sim.config
        with self.sim.store.read() as data:
            delivery = data["webhook_deliveries"].get(delivery_id)
            if delivery is None or delivery["status"] != "pending":
                return
            application = data["applications"].get(delivery["application_id"])
            secrets = active_secrets(application) if application else []
            url, body = delivery["url"], delivery["body"].encode("utf-8")
            bad_signature = delivery["fault"] == "invalid_signature"
        if bad_signature:
            secrets = [new_secret("CRN_")]
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Cronofy-HMAC-SHA256": sign(body, secrets),
            "User-Agent": "Cronofy-Simulator",
        }
        started = time.monotonic()
        attempt = {"at": iso_utc(self.sim.now()), "status_code": None, "error": None}
        try:
            response = self._session.post(
                url, data=body, headers=headers, timeout=config.webhook_timeout
            )
            attempt["status_code"] = response.status_code
            succeeded = 200 <= response.status_code < 300
        except requests.RequestException as error:
            attempt["error"] = f"{type(error).__name__}: {error}"[:300]
            succeeded = False
        attempt["duration_ms"] = round((time.monotonic() - started) * 1000)
        retry_delay = None
        with self.sim.store.write() as data:
            delivery = data["webhook_deliveries"].get(delivery_id)
            if delivery is None:  # state was reset meanwhile
                return
            delivery["attempts"].append(attempt)
            if succeeded:
                delivery["status"] = "delivered"
            elif len(delivery["attempts"]) >= config.webhook_max_attempts:
                delivery["status"] = "failed"
            else:
                retry_delay = min(
                    config.webhook_backoff_max,
                    config.webhook_backoff_base * 2 ** (len(delivery["attempts"]) - 1),
                )
        if retry_delay is not None:
            self._schedule(delivery_id, retry_delay)
