"""The embed element in a real headless Chromium, loaded cross-origin from another loopback port.

Skipped when no Chromium is installed (Debian's ``chromium`` package provides it).
"""

import functools
import html
import json
import re
import shutil
import subprocess
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

HOST_PAGE = """<!DOCTYPE html><html><body><div id="out">none</div>
<cronofy-scheduler-button embed-token="{token}" correlation-id="applicant-9"
  recipient-email="ada@example.com" recipient-name="{name}" event-summary="Interview"
  event-duration-minutes="45"></cronofy-scheduler-button>
<script type="module">
import "{base_url}/embed/scheduler-embed.js";
const out = document.getElementById("out");
const button = document.querySelector("cronofy-scheduler-button");
document.body.addEventListener("cronofyschedulerrequestcreated", (event) => {{
  out.textContent = "EVENT " + JSON.stringify(event.detail.scheduling_request);
}});
button.querySelector(".cronofy-sim-open").click();
for (let i = 0; i < 50 && !button.querySelector(".cronofy-sim-create"); i++) {{
  await new Promise((resolve) => setTimeout(resolve, 100));
}}
button.querySelector(".cronofy-sim-duration").value = "60";
button.querySelector(".cronofy-sim-create").click();
</script></body></html>"""


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_element_creates_request_and_dispatches_event(sim, demo, tmp_path):
    now = int(time.time())
    token = jwt.encode(
        {"iss": demo["embed_key"], "iat": now, "exp": now + 3600, "aud": "scheduler_embed"},
        demo["embed_secret"],
        algorithm="HS256",
    )
    (tmp_path / "index.html").write_text(
        HOST_PAGE.format(token=token, base_url=sim.base_url, name=html.escape("Ada <b>"))
    )
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    page_server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=page_server.serve_forever, daemon=True).start()
    try:
        result = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--virtual-time-budget=8000",
                "--dump-dom",
                f"http://127.0.0.1:{page_server.server_address[1]}/index.html",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        page_server.shutdown()
        page_server.server_close()
    found = re.search(r'<div id="out">EVENT (.*?)</div>', result.stdout)
    assert found, result.stdout[-2000:] + result.stderr[-2000:]
    (request,) = sim.admin.scheduling_requests()
    assert request["_sim"]["created_via"] == "embed"
    assert request["duration"] == {"minutes": 60}
    assert request["event"]["metadata"]["scheduler"]["correlation_id"] == "applicant-9"
    assert request["recipients"][0]["display_name"] == "Ada <b>"
    assert html.unescape(found.group(1)).startswith(
        '{"scheduling_request_id":"' + request["scheduling_request_id"]
    )
    # The event detail is a pending request: only view_url among the links.
    detail = json.loads(html.unescape(found.group(1)))
    assert detail["recipient_operations"] == {"view_url": request["primary_select_url"]}
