"""Scheduler API: create, query and cancel scheduling requests (contract §4)."""

from . import scheduling
from .api_auth import authenticate
from .clock import now as clock_now
from .request_spec import host_in_ou, invalid_error, parse_create_body, required_error
from .web import HttpError, empty_response, json_response, validation_error


def register(router, sim):
    router.add(
        "POST",
        "/v1/scheduling_requests",
        "scheduling_requests.create",
        lambda request: create(sim, request),
    )
    router.add(
        "POST",
        "/v1/scheduling_requests/query",
        "scheduling_requests.query",
        lambda request: query(sim, request),
    )
    router.add(
        "POST",
        "/v1/scheduling_requests/cancel",
        "scheduling_requests.cancel",
        lambda request: cancel(sim, request),
    )


def create(sim, request):
    principal = authenticate(sim, request)
    body = request.json()
    ou_id = principal["ou_id"]
    with sim.store.write() as data:
        impersonate = request.header("Cronofy-Impersonate")
        if impersonate and not host_in_ou(data, impersonate, ou_id):
            # [U] acting as an account outside the OU.
            raise HttpError(empty_response(403))
        fields = parse_create_body(body, data, ou_id, impersonate, sim.config)
        record = scheduling.create_request(
            sim,
            data,
            application_id=principal["application_id"],
            ou_id=ou_id,
            created_with=principal["via"],
            now=clock_now(data),
            **fields,
        )
        result = scheduling.view(sim.base_url, record)
    return json_response({"scheduling_request": result})


def query(sim, request):
    principal = authenticate(sim, request)
    body = request.json()
    ids = body.get("scheduling_request_ids")
    if ids is None:
        raise validation_error({"scheduling_request_ids": required_error()})
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise validation_error(
            {"scheduling_request_ids": invalid_error("must be a non-empty list of ids")}
        )
    found = []
    with sim.store.read() as data:
        for request_id in ids:
            record = data["scheduling_requests"].get(request_id)
            # Unknown ids and other OUs' requests are left out of the answer [U].
            if record is not None and record["ou_id"] == principal["ou_id"]:
                answer = scheduling.view(sim.base_url, record, sim.config.event_hosts)
                found.append({"scheduling_request": answer})
    return json_response({"scheduling_requests": found})


def cancel(sim, request):
    principal = authenticate(sim, request)
    body = request.json()
    request_id = body.get("scheduling_request_id")
    if request_id is None:
        raise validation_error({"scheduling_request_id": required_error()})
    if not isinstance(request_id, str):
        raise validation_error({"scheduling_request_id": invalid_error("must be a string")})
    with sim.store.write() as data:
        record = data["scheduling_requests"].get(request_id)
        if record is None or record["ou_id"] != principal["ou_id"]:
            raise HttpError(empty_response(404))  # [U]
        scheduling.cancel(sim, data, record, now=clock_now(data), via="api")
    return empty_response(202)
