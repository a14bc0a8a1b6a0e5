"""Two yardsticks for the webhook intake, with its routing options (same auth,
same methods, same database lookup; spelt out again here on purpose, so that
the probe never depends on the addon it measures):

- the empty route: the cheapest route Odoo can serve; it does nothing, answers 200;
- the floor route: the least any intake that keeps what it accepts must do: one
  INSERT of the body, committed before the 200 (Odoo commits after the handler)."""

from odoo import http
from odoo.http import request

WEBHOOK_ROUTE_OPTIONS = {
    "type": "http",
    "auth": "public",
    "methods": ["POST"],
    "csrf": False,
    "save_session": False,
}


class BenchProbe(http.Controller):
    @http.route("/hrc_bench/empty", **WEBHOOK_ROUTE_OPTIONS)
    def empty(self, **_params):
        request.httprequest.get_data(cache=True)
        return request.make_json_response({"status": "ok"})

    @http.route("/hrc_bench/floor", **WEBHOOK_ROUTE_OPTIONS)
    def floor(self, **_params):
        body = request.httprequest.get_data(cache=True)
        request.env.cr.execute(
            "INSERT INTO hrc_bench_floor_row (body) VALUES (%s)", [body.decode("utf-8")]
        )
        return request.make_json_response({"status": "ok"})
