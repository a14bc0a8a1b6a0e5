"""Fault injection: make the next N calls to an endpoint (or N webhook deliveries) misbehave.

A rule is a dict such as::

    {"target": "scheduling_requests.create", "fault": "status", "status": 429,
     "retry_after": 2, "count": 1}

``target`` is a route name (see README), ``*`` for every non-admin route, or ``webhook``.
HTTP faults: ``status`` (answer with ``status``; ``Retry-After`` when ``retry_after`` is given),
``hang`` (wait ``seconds`` then answer 504, so a client times out first) and ``disconnect``
(close the connection without answering). Webhook faults: ``drop``, ``duplicate``,
``out_of_order`` (hold the delivery ``seconds`` so later ones overtake it) and
``invalid_signature``.
"""

import itertools
import threading

HTTP_FAULTS = {"status", "hang", "disconnect"}
WEBHOOK_FAULTS = {"drop", "duplicate", "out_of_order", "invalid_signature"}


class FaultRules:
    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []
        self._ids = itertools.count(1)

    def add(self, spec):
        """Validate and store a rule. Returns (rule, errors)."""
        errors = {}
        target = spec.get("target")
        fault = spec.get("fault")
        count = spec.get("count", 1)
        if not isinstance(target, str) or not target:
            errors["target"] = "required: a route name, '*' or 'webhook'"
        if target == "webhook":
            if fault not in WEBHOOK_FAULTS:
                errors["fault"] = f"one of {sorted(WEBHOOK_FAULTS)} for webhook targets"
        elif fault not in HTTP_FAULTS:
            errors["fault"] = f"one of {sorted(HTTP_FAULTS)} for route targets"
        if fault == "status":
            status = spec.get("status")
            if not isinstance(status, int) or not 400 <= status <= 599:
                errors["status"] = "required: an HTTP error status (400-599)"
        if "retry_after" in spec and spec["retry_after"] is not None:
            if not isinstance(spec["retry_after"], int) or spec["retry_after"] < 0:
                errors["retry_after"] = "must be a non-negative integer"
        if "seconds" in spec and not isinstance(spec["seconds"], int | float):
            errors["seconds"] = "must be a number"
        if not isinstance(count, int) or count < 1:
            errors["count"] = "must be a positive integer"
        if errors:
            return None, errors
        rule = {
            "id": next(self._ids),
            "target": target,
            "fault": fault,
            "remaining": count,
            "status": spec.get("status"),
            "retry_after": spec.get("retry_after"),
            "seconds": float(spec.get("seconds", 1.0 if fault == "out_of_order" else 30.0)),
            "triggered": 0,
        }
        with self._lock:
            self._rules.append(rule)
        return dict(rule), {}

    def take(self, target):
        """Consume one use of the first rule matching ``target`` (route name or 'webhook')."""
        with self._lock:
            for rule in self._rules:
                if rule["remaining"] <= 0:
                    continue
                if rule["target"] == target or (rule["target"] == "*" and target != "webhook"):
                    rule["remaining"] -= 1
                    rule["triggered"] += 1
                    return dict(rule)
        return None

    def list(self):
        with self._lock:
            return [dict(rule) for rule in self._rules]

    def clear(self):
        with self._lock:
            self._rules.clear()
