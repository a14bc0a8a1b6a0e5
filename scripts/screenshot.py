"""Take README screenshots of a running Odoo as a given user, in headless Chromium.

    python scripts/screenshot.py URL_PATH OUTPUT.png [--login recruiter --password recruiter]
        [--base http://localhost:8069] [--width 1280 --height 800] [--wait 4]
        [--click CSS_SELECTOR ...]

Logs in over HTTP, hands the session cookie to Chromium through the DevTools
protocol (websocket-client), opens the page and saves a PNG.
"""

import argparse
import base64
import json
import re
import shutil
import subprocess
import tempfile
import time
from urllib.parse import urlsplit

import requests
import websocket


def odoo_session(base, login, password):
    session = requests.Session()
    page = session.get(f"{base}/web/login", timeout=30)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    session.post(
        f"{base}/web/login",
        data={"login": login, "password": password, "csrf_token": csrf},
        timeout=30,
    )
    return session.cookies.get("session_id")


class DevTools:
    def __init__(self, ws_url):
        self.socket = websocket.create_connection(ws_url, timeout=60)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})


def on_first_match(tools, selector, action, verb):
    """Run the JavaScript ``action`` on ``el``, the first element matching ``selector``."""
    done = tools.call(
        "Runtime.evaluate",
        expression=f"(el => el ? ({action}, true) : false)"
        f"(document.querySelector({json.dumps(selector)}))",
        returnByValue=True,
    )
    if not done.get("result", {}).get("value"):
        raise SystemExit(f"nothing to {verb} matches {selector!r}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("output")
    parser.add_argument("--base", default="http://localhost:8069")
    parser.add_argument("--login", default="recruiter")
    parser.add_argument("--password", default="recruiter")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--wait", type=float, default=4.0)
    parser.add_argument(
        "--click",
        action="append",
        default=[],
        help="click the first element matching this CSS selector, then wait again "
        "(repeatable: e.g. open a dialog before the shot)",
    )
    parser.add_argument(
        "--scroll",
        help="scroll the first element matching this CSS selector into view before the shot",
    )
    args = parser.parse_args()

    session_id = odoo_session(args.base, args.login, args.password)
    profile = tempfile.mkdtemp(prefix="hrc-shot-")
    browser = subprocess.Popen(  # noqa: S603 - fixed argument list, local browser
        [
            shutil.which("chromium") or "chromium",
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=9333",
            f"--window-size={args.width},{args.height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                targets = requests.get("http://127.0.0.1:9333/json", timeout=2).json()
                page = next(t for t in targets if t["type"] == "page")
                break
            except (requests.ConnectionError, StopIteration):
                time.sleep(0.2)
        tools = DevTools(page["webSocketDebuggerUrl"])
        host = urlsplit(args.base).hostname
        tools.call("Network.enable")
        tools.call("Network.setCookie", name="session_id", value=session_id, domain=host, path="/")
        tools.call(
            "Emulation.setDeviceMetricsOverride",
            width=args.width,
            height=args.height,
            deviceScaleFactor=1,
            mobile=False,
        )
        tools.call("Page.navigate", url=f"{args.base}{args.path}")
        time.sleep(args.wait)
        for selector in args.click:
            on_first_match(tools, selector, "el.click()", "click")
            time.sleep(args.wait)
        if args.scroll:
            on_first_match(tools, args.scroll, "el.scrollIntoView({block: 'center'})", "scroll to")
            time.sleep(1.0)
        shot = tools.call("Page.captureScreenshot", format="png")
        with open(args.output, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))
    finally:
        browser.terminate()
        browser.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
