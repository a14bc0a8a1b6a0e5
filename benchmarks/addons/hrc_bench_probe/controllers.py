"""The cheapest route Odoo can serve with the webhook's routing options: same
auth, same methods, same database lookup; it does nothing and answers 200."""

from odoo import http
from odoo.http import request


class BenchProbe(http.Controller):
    @http.route(
        "/hrc_bench/empty",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def empty(self, **_params):
        request.httprequest.get_data(cache=True)
        return request.make_json_response({"status": "ok"})
