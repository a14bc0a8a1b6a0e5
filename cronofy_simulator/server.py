"""Real HTTP on a socket: a threading stdlib server in front of ``SimulatorApp``.

``SimulatorServer`` is also the in-process helper for tests::

    with SimulatorServer(port=0) as sim:
        sim.base_url, sim.admin.seed_demo()
"""

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .app import SimulatorApp
from .config import SimulatorConfig
from .web import Request

MAX_BODY_BYTES = 1024 * 1024


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CronofySimulator/1.0"
    # Idle keep-alive connections are closed after this many seconds.
    timeout = 30

    def _handle(self):
        app = self.server.app
        parts = urlsplit(self.path)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self.send_error(413 if length > 0 else 400)
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        request = Request(
            self.command, parts.path, parts.query, self.headers, body, self.client_address
        )
        response = app.dispatch(request)
        if response.drop_connection:
            self.close_connection = True
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        if self.server.verbose:
            sys.stderr.write(f"cronofy-sim {self.address_string()} {format % args}\n")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that gave up (timed out during a "hang" fault, closed early) is normal
        # traffic for a fault-injecting server, not an error worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class SimulatorServer:
    """Start/stop the simulator on ``host:port`` (port 0 picks a free port)."""

    def __init__(
        self, host="127.0.0.1", port=0, state_file=None, config=None, verbose=False, **settings
    ):
        self.host = host
        self.requested_port = port
        self.config = config or SimulatorConfig()
        errors = self.config.update(settings)
        if errors:
            raise ValueError(f"invalid settings: {errors}")
        self.app = SimulatorApp(self.config, state_file=state_file)
        self.verbose = verbose
        self._httpd = None
        self._thread = None

    @property
    def port(self):
        return self._httpd.server_address[1] if self._httpd else None

    @property
    def base_url(self):
        return self.app.base_url

    @property
    def admin(self):
        from .admin_client import SimulatorAdmin

        return SimulatorAdmin(self.base_url)

    def start(self):
        self._httpd = _HTTPServer((self.host, self.requested_port), _RequestHandler)
        self._httpd.app = self.app
        self._httpd.verbose = self.verbose
        # Links must name a reachable address even when listening on every interface.
        wildcard = ("", "0.0.0.0")  # noqa: S104 - compared against, not bound
        link_host = "127.0.0.1" if self.host in wildcard else self.host
        self.app.listen_base_url = f"http://{link_host}:{self.port}"
        self.app.start()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="cronofy-sim-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is None:
            return
        self.app.stop()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=2)
        self._httpd = None

    def wait(self):
        """Block the calling thread until the server stops (used by the command line)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
