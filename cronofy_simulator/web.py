"""A deliberately small HTTP toolkit: request/response objects, errors and a path router.

It sits on top of ``http.server`` so the simulator needs no web framework and runs in any venv.
"""

import json
import re
from urllib.parse import parse_qs


class HttpError(Exception):
    """Raised by handlers to answer with a given response instead of a normal result."""

    def __init__(self, response):
        super().__init__(response.status)
        self.response = response


class Request:
    def __init__(self, method, path, query_string, headers, body, client_address=None):
        self.method = method
        self.path = path
        self.query_string = query_string
        self.query = {k: v[0] for k, v in parse_qs(query_string, keep_blank_values=True).items()}
        self.headers = headers  # case-insensitive mapping (http.client.HTTPMessage)
        self.body = body
        self.client_address = client_address
        self.path_params = {}
        self.route_name = None
        self.application_id = None  # set once a caller is authenticated, for the call log

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def json(self):
        """Decode a JSON object body, answering 400 for anything else."""
        if not self.body:
            raise HttpError(
                json_response({"error": "invalid_request", "message": "empty body"}, 400)
            )
        try:
            value = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise HttpError(
                json_response({"error": "invalid_request", "message": "body is not JSON"}, 400)
            ) from None
        if not isinstance(value, dict):
            raise HttpError(
                json_response({"error": "invalid_request", "message": "expected an object"}, 400)
            )
        return value

    def json_or_empty(self):
        return self.json() if self.body.strip() else {}

    def form(self):
        text = self.body.decode("utf-8", errors="replace")
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}

    def params(self):
        """JSON or form-encoded body (the token endpoint accepts both [C])."""
        content_type = (self.header("Content-Type") or "").lower()
        if "application/x-www-form-urlencoded" in content_type:
            return self.form()
        return self.json()


class Response:
    def __init__(self, status=200, body=b"", headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.headers = dict(headers or {})
        # Set by fault injection: close the socket without writing anything.
        self.drop_connection = False


def json_response(data, status=200, headers=None):
    body = json.dumps(data).encode("utf-8")
    all_headers = {"Content-Type": "application/json; charset=utf-8"}
    all_headers.update(headers or {})
    return Response(status, body, all_headers)


def empty_response(status, headers=None):
    return Response(status, b"", headers)


def validation_error(errors):
    """Cronofy's 422 shape: {"errors": {"field": [{"key": ..., "description": ...}]}} [C]."""
    return HttpError(json_response({"errors": errors}, 422))


def field_error(key, description):
    return [{"key": f"errors.{key}", "description": description}]


class Route:
    def __init__(self, method, template, name, handler):
        self.method = method
        self.template = template
        self.name = name
        self.handler = handler
        # "<name>" matches one path segment.
        pattern = re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", re.escape(template))
        self.regex = re.compile(f"^{pattern}$")


class Router:
    def __init__(self):
        self.routes = []

    def add(self, method, template, name, handler):
        self.routes.append(Route(method, template, name, handler))

    def match(self, method, path):
        """Return (route, params) or (None, allowed_methods) when only the method is wrong."""
        allowed = []
        for route in self.routes:
            found = route.regex.match(path)
            if not found:
                continue
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return route, found.groupdict()
            allowed.append(route.method)
        return None, allowed
