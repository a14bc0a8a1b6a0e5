"""Helpers shared by the simulator tests (imported through conftest's sys.path entry)."""

import base64
import hashlib
import hmac
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def api_headers(token):
    return {"Authorization": f"Bearer {token}"}


def create_from_template(http, sim, token, template="sgr_demo_interview_30", **recipient):
    recipient = {
        "email": "ada@example.com",
        "display_name": "Ada",
        "slot_selector": True,
        **recipient,
    }
    response = http.post(
        f"{sim.base_url}/v1/scheduling_requests",
        json={"template": {"sub": template}, "recipients": [recipient]},
        headers=api_headers(token),
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()["scheduling_request"]


def expected_signatures(body, secrets):
    return [
        base64.b64encode(hmac.new(s.encode(), body, hashlib.sha256).digest()).decode()
        for s in secrets
    ]


class WebhookReceiver:
    """A tiny HTTP server that records every POST and answers with scripted statuses."""

    def __init__(self):
        self.received = []
        self.statuses = []  # consumed first; 200 afterwards
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.received.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cronofy/webhook"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

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
