"""A thin requests-based client for the ``/_sim/`` admin API, for pytest and Odoo tests alike.

Every method returns the decoded JSON answer and raises ``SimulatorAdminError`` on a non-2xx
status, so a test fails where the set-up went wrong rather than later.
"""

import requests


class SimulatorAdminError(Exception):
    def __init__(self, response):
        self.status_code = response.status_code
        try:
            self.body = response.json()
        except ValueError:
            self.body = response.text
        super().__init__(
            f"{response.request.method} {response.url} -> {self.status_code}: {self.body}"
        )


class SimulatorAdmin:
    def __init__(self, base_url, timeout=10):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False  # the simulator is on loopback: never use a proxy

    def _call(self, method, path, json=None, params=None, timeout=None):
        response = self.session.request(
            method,
            f"{self.base_url}/_sim{path}",
            json=json,
            params=params,
            timeout=timeout or self.timeout,
        )
        if not response.ok:
            raise SimulatorAdminError(response)
        return response.json()

    # general
    def health(self):
        return self._call("GET", "/health")

    def reset(self):
        return self._call("POST", "/reset")

    def config(self):
        return self._call("GET", "/config")

    def configure(self, **settings):
        return self._call("PATCH", "/config", json=settings)

    def seed_demo(self, webhook_urls=None):
        return self._call("POST", "/seed/demo", json={"webhook_urls": webhook_urls or []})

    def state(self):
        return self._call("GET", "/state")

    # the simulated clock
    def clock(self):
        """``{"now": ISO, "offset_seconds": n}``: the simulator's business time."""
        return self._call("GET", "/clock")

    def advance_clock(self, seconds):
        """Move business time forward (negative: back) by ``seconds``."""
        return self._call("POST", "/clock", json={"advance_seconds": seconds})

    def set_clock(self, instant):
        """Make business time read ``instant`` (ISO 8601, e.g. ``2030-01-01T09:00:00Z``) now."""
        return self._call("POST", "/clock", json={"set": instant})

    def reset_clock(self):
        """Back to real time."""
        return self._call("POST", "/clock", json={"reset": True})

    # applications, OUs, hosts, templates
    def create_application(self, **spec):
        return self._call("POST", "/applications", json=spec)

    def applications(self):
        return self._call("GET", "/applications")["applications"]

    def application(self, application_id):
        return self._call("GET", f"/applications/{application_id}")

    def update_application(self, application_id, **changes):
        return self._call("PATCH", f"/applications/{application_id}", json=changes)

    def set_webhook_urls(self, application_id, urls):
        return self.update_application(application_id, webhook_urls=list(urls))

    def set_push_notifications(self, application_id, mode):
        """``"all"``, ``"none"`` or ``"not_for_organization_connect"`` (README, Guess 17)."""
        return self.update_application(application_id, push_notifications=mode)

    def add_client_secret(self, application_id, secret=None):
        body = {"secret": secret} if secret else {}
        return self._call("POST", f"/applications/{application_id}/client_secrets", json=body)

    def deactivate_client_secret(self, application_id, secret):
        return self._call(
            "POST",
            f"/applications/{application_id}/client_secrets/deactivate",
            json={"secret": secret},
        )

    def create_organizational_unit(self, **spec):
        return self._call("POST", "/organizational_units", json=spec)

    def organizational_units(self):
        return self._call("GET", "/organizational_units")["organizational_units"]

    def link_tenant(self, ou_id, tenant_id):
        units = {u["id"]: u for u in self.organizational_units()}
        tenant_ids = list(units[ou_id]["tenant_ids"]) + [str(tenant_id)]
        return self._call(
            "PATCH", f"/organizational_units/{ou_id}", json={"tenant_ids": tenant_ids}
        )

    def create_host(self, **spec):
        return self._call("POST", "/hosts", json=spec)

    def hosts(self):
        return self._call("GET", "/hosts")["hosts"]

    def update_host(self, sub, **changes):
        return self._call("PATCH", f"/hosts/{sub}", json=changes)

    def create_template(self, **spec):
        return self._call("POST", "/templates", json=spec)

    def templates(self):
        return self._call("GET", "/templates")["templates"]

    # scheduling requests and candidate actions
    def scheduling_requests(self, slot_selection=None, correlation_id=None):
        params = {
            k: v
            for k, v in {"slot_selection": slot_selection, "correlation_id": correlation_id}.items()
            if v
        }
        return self._call("GET", "/scheduling_requests", params=params)["scheduling_requests"]

    def scheduling_request(self, request_id):
        return self._call("GET", f"/scheduling_requests/{request_id}")

    def slots(self, request_id):
        return self._call("GET", f"/scheduling_requests/{request_id}/slots")["slots"]

    def _action(self, request_id, action, start=None, correlation_id=None, metadata=None):
        body = {}
        if start is not None:
            body["start"] = start
        if correlation_id is not None:
            body["correlation_id"] = correlation_id
        if metadata:
            body["metadata"] = metadata
        return self._call("POST", f"/scheduling_requests/{request_id}/{action}", json=body)

    def choose(self, request_id, start=None, correlation_id=None, metadata=None):
        """Candidate picks ``start`` (ISO UTC) or, without it, the first free slot."""
        return self._action(request_id, "choose", start, correlation_id, metadata)

    def reschedule(self, request_id, start=None, correlation_id=None, metadata=None):
        return self._action(request_id, "reschedule", start, correlation_id, metadata)

    def decline(self, request_id):
        return self._action(request_id, "decline")

    def cancel(self, request_id):
        """Host cancels (same effect as the Scheduler API's cancel, without credentials)."""
        return self._action(request_id, "cancel")

    # what the real Cronofy may do where the contract is unsure (admin_scenarios.py)
    def book_now(
        self,
        recipients,
        template=None,
        start=None,
        correlation_id=None,
        metadata=None,
        application_id=None,
        **body,
    ):
        """Create a request already booked (Book Now) and send its "created" notification.

        ``template`` is a template sub; ``body`` takes any other API create field (``event``,
        ``host``...). Without ``start`` the first free slot is booked."""
        body = dict(body, recipients=list(recipients))
        extras = {
            "template": {"sub": template} if template else None,
            "start": start,
            "correlation_id": correlation_id,
            "metadata": metadata,
            "application_id": application_id,
        }
        body.update({k: v for k, v in extras.items() if v is not None})
        return self._call("POST", "/scheduling_requests/book_now", json=body)

    def notify(self, request_id, notification_type, omit_event_times=False):
        """Send a signed notification of any ``type``; returns the deliveries it created."""
        body = {"type": notification_type, "omit_event_times": omit_event_times}
        return self._call("POST", f"/scheduling_requests/{request_id}/notify", json=body)[
            "deliveries"
        ]

    def force_slot_selection(self, request_id, slot_selection, drop_event_times=False):
        """Put any ``slot_selection`` value on the request (no notification is sent)."""
        body = {"slot_selection": slot_selection, "drop_event_times": drop_event_times}
        return self._call("PATCH", f"/scheduling_requests/{request_id}", json=body)

    # OAuth
    def authorize(self, client_id, redirect_uri, state=None, ou_id=None, scope=None):
        body = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "ou_id": ou_id,
        }
        if scope:
            body["scope"] = scope
        return self._call("POST", "/oauth/authorize", json=body)

    def tokens(self):
        return self._call("GET", "/oauth/tokens")["tokens"]

    def expire_tokens(self, access_token=None):
        body = {"access_token": access_token} if access_token else {}
        return self._call("POST", "/oauth/tokens/expire", json=body)

    # webhooks, faults, calls
    def deliveries(self, scheduling_request_id=None, status=None):
        params = {
            k: v
            for k, v in {"scheduling_request_id": scheduling_request_id, "status": status}.items()
            if v
        }
        return self._call("GET", "/webhooks/deliveries", params=params)["deliveries"]

    def wait_for_webhooks(self, timeout=10):
        """Block until no webhook is queued or in flight; returns False on timeout."""
        answer = self._call(
            "POST", "/webhooks/wait", json={"timeout": timeout}, timeout=timeout + self.timeout
        )
        return answer["idle"]

    def add_fault(self, target, fault, count=1, **options):
        return self._call(
            "POST", "/faults", json={"target": target, "fault": fault, "count": count, **options}
        )

    def faults(self):
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self):
        return self._call("DELETE", "/faults")

    def calls(self, route=None):
        return self._call("GET", "/calls", params={"route": route} if route else None)["calls"]

    def clear_calls(self):
        return self._call("DELETE", "/calls")
