"""Command line: ``python -m cronofy_simulator --host 127.0.0.1 --port 8099``.

Options ``--state-file sim.sqlite`` (survive restarts) and ``--seed demo`` (known credentials).
"""

import argparse
import json
import signal
import sys

from .config import SimulatorConfig
from .seed import SEEDS, seed_demo
from .server import SimulatorServer


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m cronofy_simulator", description="Run the local Cronofy simulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099, help="0 picks a free port")
    parser.add_argument("--state-file", help="SQLite file that keeps state across restarts")
    parser.add_argument("--seed", choices=SEEDS, help="create known demo records at start-up")
    parser.add_argument(
        "--webhook-url",
        action="append",
        default=[],
        help="webhook URL for the seeded application (repeatable)",
    )
    parser.add_argument("--public-url", help="base URL put into links, if not http://host:port")
    parser.add_argument(
        "--rate-limit-per-second", type=int, default=SimulatorConfig.rate_limit_per_second
    )
    parser.add_argument(
        "--rate-limit-per-minute", type=int, default=SimulatorConfig.rate_limit_per_minute
    )
    parser.add_argument("--access-token-ttl", type=int, default=SimulatorConfig.access_token_ttl)
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request")
    return parser.parse_args(argv)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    config = SimulatorConfig(
        rate_limit_per_second=args.rate_limit_per_second,
        rate_limit_per_minute=args.rate_limit_per_minute,
        access_token_ttl=args.access_token_ttl,
        public_base_url=args.public_url.rstrip("/") if args.public_url else None,
    )
    server = SimulatorServer(
        host=args.host,
        port=args.port,
        state_file=args.state_file,
        config=config,
        verbose=args.verbose,
    )
    server.start()
    print(f"Cronofy simulator listening on {server.base_url}", flush=True)
    if args.seed == "demo":
        with server.app.store.write() as data:
            credentials = seed_demo(data, webhook_urls=args.webhook_url)
        print("Demo credentials (API host = app host = the URL above):", flush=True)
        print(json.dumps(dict(credentials, base_url=server.base_url), indent=2), flush=True)
    # SIGTERM unwinds the main thread like Ctrl-C, so the server is stopped once, below,
    # and never from inside a signal handler interrupting the wait on the serving thread.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
