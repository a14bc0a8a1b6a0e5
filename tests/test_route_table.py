"""Every HTTP route the addon defines or overrides, held against a reviewed table.

The routes are found in Odoo's own routing map (so a route added by a new
controller, or an override of another module's route, is found without editing
this test) and each one's type, auth, methods and CSRF setting must be the one
written here, with the reason. A new route fails this test until someone reviews
it and adds its line."""

from odoo.tests import HttpCase, tagged

MODULE_PREFIX = "odoo.addons.hr_recruitment_cronofy."

# url: (type, auth, methods, csrf, why)
REVIEWED_ROUTES = {
    "/cronofy/webhook/<string:key>": (
        "http",
        "public",
        ("POST",),
        False,
        "Cronofy's push notifications: no session, so no CSRF token; authenticated by "
        "the URL key and the HMAC signature over the raw body, checked first.",
    ),
    "/cronofy/embed/prepare": (
        "json",
        "user",
        ("POST",),
        True,
        "The recruiter's browser asks for an embed token; JSON routes are CSRF-safe "
        "(no form can post JSON cross-site); the applicant's access is checked.",
    ),
    "/cronofy/embed/request_created": (
        "json",
        "user",
        ("POST",),
        True,
        "The browser relays the request the embed created; parsed strictly, signed "
        "correlation id, links on the company's Cronofy host only.",
    ),
    "/cronofy/oauth/callback": (
        "http",
        "user",
        ("GET",),
        True,
        "Cronofy's OAuth redirect: a GET (CSRF-free), for system admins only, with a "
        "signed, expiring, single-use state bound to the admin who started it.",
    ),
}


def _defined_by_addon(rule):
    """True when this addon defines or overrides the rule's endpoint method."""
    bound = rule.endpoint.func
    name = bound.__name__
    return any(
        cls.__module__.startswith(MODULE_PREFIX) and name in cls.__dict__
        for cls in type(bound.__self__).__mro__
    )


@tagged("post_install", "-at_install")
class TestRouteTable(HttpCase):
    def _addon_rules(self):
        return {
            rule.rule: rule
            for rule in self.env["ir.http"].routing_map().iter_rules()
            if _defined_by_addon(rule)
        }

    def test_every_route_of_the_addon_is_the_reviewed_one(self):
        rules = self._addon_rules()
        self.assertEqual(
            set(rules),
            set(REVIEWED_ROUTES),
            "a route was added or removed: review it and update REVIEWED_ROUTES",
        )
        for url, (route_type, auth, methods, csrf, _why) in REVIEWED_ROUTES.items():
            with self.subTest(url):
                routing = rules[url].endpoint.routing
                self.assertEqual(routing["type"], route_type)
                self.assertEqual(routing["auth"], auth)
                self.assertEqual(tuple(routing["methods"] or ()), methods)
                self.assertEqual(routing.get("csrf", True), csrf)
                if route_type == "http" and auth == "public":
                    self.assertFalse(
                        routing.get("save_session", True), "no session for Cronofy's calls"
                    )

    def test_the_table_is_not_vacuous(self):
        # A broken filter would find nothing and compare two empty sets.
        self.assertIn("/cronofy/webhook/<string:key>", self._addon_rules())
        self.assertNotIn("/web/login", self._addon_rules())

    def test_user_routes_refuse_an_anonymous_caller(self):
        for url, (route_type, auth, _methods, _csrf, _why) in REVIEWED_ROUTES.items():
            if auth != "user":
                continue
            with self.subTest(url):
                if route_type == "json":
                    response = self.url_open(
                        url, data="{}", headers={"Content-Type": "application/json"}
                    )
                    self.assertEqual(response.status_code, 200)
                    error = response.json().get("error") or {}
                    self.assertEqual(
                        error.get("data", {}).get("name"), ("odoo.http.SessionExpiredException")
                    )
                else:
                    response = self.url_open(url, allow_redirects=False)
                    self.assertIn(response.status_code, (302, 303))
                    self.assertIn("/web/login", response.headers["Location"])
