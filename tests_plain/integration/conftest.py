"""Fixtures for the end-to-end suite: the real ``cronofy_protocol`` client against the real
simulator over loopback HTTP, and a webhook receiver, all on ports the OS picks. No mocks."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from cronofy_protocol import RetryPolicy
from cronofy_simulator import SimulatorServer


class WebhookReceiver:
    """Records every POST (raw body bytes and headers) and answers 200."""

    def __init__(self):
        self.received = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.received.append({"headers": self.headers, "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cronofy/webhook"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def wait_for(self, count, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.01)
        raise AssertionError(f"expected {count} webhooks, got {len(self.received)}")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    instance = WebhookReceiver()
    yield instance
    instance.close()


@pytest.fixture
def sim():
    # Short webhook back-off so deliveries are prompt; the API limits are set per test.
    with SimulatorServer(
        port=0, webhook_backoff_base=0.05, webhook_backoff_max=0.2, webhook_timeout=2.0
    ) as server:
        yield server


@pytest.fixture
def demo(sim, receiver):
    return sim.admin.seed_demo(webhook_urls=[receiver.url])


@pytest.fixture
def session():
    """Never let an environment proxy get between the client and loopback."""
    instance = requests.Session()
    instance.trust_env = False
    yield instance
    instance.close()


@pytest.fixture
def fast_retry():
    """The default policy's rules with short back-off, so a retry costs milliseconds (a
    Retry-After from the server still wins)."""
    return RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, max_total_seconds=10.0)
