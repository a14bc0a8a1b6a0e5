"""End to end: the real ``cronofy_protocol`` client against the real ``cronofy_simulator``.

Everything goes over loopback HTTP: the Scheduler API client and Organization Connect talk to
the simulator, the candidate's actions go through its booking pages, and its signed webhooks
reach a local receiver. Nothing is mocked; the simulator's admin API only sets the scene
(faults, clock, secrets) and shows what the client really sent (``/_sim/calls``).
"""

import html
import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from cronofy_protocol import (
    NO_RETRY,
    SIGNATURE_HEADER,
    BadRequestError,
    CronofyConnectionError,
    CronofyTimeoutError,
    ForbiddenError,
    NotificationType,
    OrganizationConnect,
    OutcomeUnknownError,
    RetryPolicy,
    SchedulerClient,
    ServerError,
    UnauthorizedError,
    ValidationFailedError,
    build_embed_token,
    embedded_sign_up_url,
    parse_notification,
    recipient,
    verify_signature,
)

TEMPLATE = "sgr_demo_interview_30"
REDIRECT_URI = "http://127.0.0.1:8069/cronofy/oauth/callback"
CORRELATION_ID = "hr.applicant:7"
TENANT_ID = "db-1f0c/company-1"


def _instant(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _scheduler(sim, token, session, retry_policy=NO_RETRY, **options):
    return SchedulerClient(
        token, base_url=sim.base_url, session=session, retry_policy=retry_policy, **options
    )


def _oauth(sim, demo, session, retry_policy=NO_RETRY):
    return OrganizationConnect(
        demo["client_id"],
        demo["client_secret"],
        api_base_url=sim.base_url,
        app_base_url=sim.base_url,
        session=session,
        retry_policy=retry_policy,
    )


def _statuses(sim, route):
    return [call["status"] for call in sim.admin.calls(route=route)]


def _full_spec(summary="Technical interview", minutes=45):
    return {
        "recipients": [recipient("grace@example.com", "Grace Hopper")],
        "event": {"summary": summary, "duration": {"minutes": minutes}},
        "host_group": {
            "members": [{"sub": "acc_demo_sam"}, {"sub": "acc_demo_alex"}],
            "required": 1,
        },
    }


def _form(page_html, form_id):
    """(action, hidden fields, [(button name, value)]) of the form ``form_id``."""
    form = re.search(
        rf"<form method='post' action='([^']*)' id='{form_id}'>(.*?)</form>", page_html, re.S
    )
    assert form, f"no form {form_id!r} in the page"
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(
            r"<input type='hidden' name='([^']*)' value='([^']*)'>", form.group(2)
        )
    }
    buttons = [
        (name, html.unescape(value))
        for name, value in re.findall(
            r"<button type='submit' name='([^']*)' value='([^']*)'", form.group(2)
        )
    ]
    return html.unescape(form.group(1)), fields, buttons


# -- Scheduler API -----------------------------------------------------------------------------


def test_create_from_template_query_and_cancel(sim, demo, session, fast_retry):
    client = _scheduler(sim, demo["client_secret"], session, fast_retry)

    created = client.create_from_template(TEMPLATE, [recipient("ada@example.com", "Ada Lovelace")])
    request_id = created.scheduling_request_id
    assert request_id.startswith("srq_")
    assert created.slot_selection == "pending"
    assert (created.summary, created.duration_minutes) == ("Screening call", 30)
    assert created.primary_select_url.startswith(sim.base_url + "/rts/")
    # A pending request carries only view_url, as in Cronofy's documented create answer.
    assert created.recipient_operations.view_url == created.primary_select_url
    assert created.recipient_operations.decline_url is None
    assert [(r.email, r.display_name, r.slot_selector) for r in created.recipients] == [
        ("ada@example.com", "Ada Lovelace", True)
    ]
    stored = sim.admin.scheduling_request(request_id)
    assert stored["_sim"]["template_sub"] == TEMPLATE
    assert stored["_sim"]["application_id"] == demo["application_id"]

    (queried,) = client.query_scheduling_requests([request_id, "srq_unknown"])
    assert queried.scheduling_request_id == request_id
    assert queried.slot_selection == "pending"
    assert client.query_scheduling_requests([]) == ()

    client.cancel_scheduling_request(request_id)
    (cancelled,) = client.query_scheduling_requests([request_id])
    assert cancelled.slot_selection == "cancelled"
    client.cancel_scheduling_request(request_id)  # a second cancel is accepted quietly
    assert _statuses(sim, "scheduling_requests.cancel") == [202, 202]


def test_create_from_a_full_spec_and_as_an_impersonated_host(sim, demo, session):
    client = _scheduler(sim, demo["client_secret"], session)
    created = client.create_scheduling_request(_full_spec())
    assert (created.summary, created.duration_minutes) == ("Technical interview", 45)
    stored = sim.admin.scheduling_request(created.scheduling_request_id)
    assert stored["_sim"]["host_subs"] == ["acc_demo_sam", "acc_demo_alex"]
    assert stored["_sim"]["created_via"] == "api"

    spec = {key: value for key, value in _full_spec().items() if key != "host_group"}
    as_sam = _scheduler(sim, demo["client_secret"], session, impersonate="acc_demo_sam")
    created = as_sam.create_scheduling_request(spec)
    assert sim.admin.scheduling_request(created.scheduling_request_id)["_sim"]["host_subs"] == [
        "acc_demo_sam"
    ]
    outsider = _scheduler(sim, demo["client_secret"], session, impersonate="acc_elsewhere")
    with pytest.raises(ForbiddenError):
        outsider.create_scheduling_request(spec)


def test_a_bad_token_is_unauthorized_and_not_retried(sim, demo, session, fast_retry):
    client = _scheduler(sim, "CRN_not_a_real_secret_000000000000", session, fast_retry)
    with pytest.raises(UnauthorizedError) as refused:
        client.query_scheduling_requests(["srq_anything"])
    assert refused.value.status == 401
    assert "CRN_not_a_real_secret" not in str(refused.value)
    assert _statuses(sim, "scheduling_requests.query") == [401]


def test_validation_errors_come_back_per_field(sim, demo, session):
    client = _scheduler(sim, demo["client_secret"], session)
    with pytest.raises(ValidationFailedError) as unknown_template:
        client.create_from_template("sgr_unknown", [recipient("ada@example.com")])
    assert unknown_template.value.status == 422
    assert [e.key for e in unknown_template.value.field_errors["template.sub"]] == [
        "errors.not_found"
    ]

    incomplete = {"recipients": [recipient("ada@example.com")], "event": {"summary": "Hi"}}
    with pytest.raises(ValidationFailedError) as missing:
        client.create_scheduling_request(incomplete)
    errors = missing.value.field_errors
    assert [e.key for e in errors["event.duration.minutes"]] == ["errors.required"]
    assert [e.key for e in errors["host"]] == ["errors.required"]
    assert "event.duration.minutes (errors.required)" in str(missing.value)
    assert sim.admin.scheduling_requests() == []


def test_query_waits_as_long_as_retry_after_says(sim, demo, session):
    sim.admin.configure(rate_limit_per_second=1, rate_limit_per_minute=0)
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        time.sleep(seconds)

    policy = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, sleep=sleep)
    client = _scheduler(sim, demo["client_secret"], session, policy)
    for _ in range(2):
        assert client.query_scheduling_requests(["srq_unknown"]) == ()
    # The second call was refused with Retry-After: 1 and repeated once that had passed.
    assert _statuses(sim, "scheduling_requests.query") == [200, 429, 200]
    assert len(slept) == 1 and slept[0] >= 1.0


def test_a_create_refused_with_429_is_repeated(sim, demo, session, fast_retry):
    sim.admin.add_fault("scheduling_requests.create", "status", status=429, retry_after=0)
    client = _scheduler(sim, demo["client_secret"], session, fast_retry)
    created = client.create_from_template(TEMPLATE, [recipient("ada@example.com")])
    assert _statuses(sim, "scheduling_requests.create") == [429, 200]
    assert [r["scheduling_request_id"] for r in sim.admin.scheduling_requests()] == [
        created.scheduling_request_id
    ]


def test_a_create_is_not_repeated_after_a_server_error(sim, demo, session, fast_retry):
    sim.admin.add_fault("scheduling_requests.create", "status", status=500)
    client = _scheduler(sim, demo["client_secret"], session, fast_retry)
    with pytest.raises(OutcomeUnknownError) as unknown:
        client.create_from_template(TEMPLATE, [recipient("ada@example.com")])
    assert isinstance(unknown.value.cause, ServerError)
    assert unknown.value.status == 500
    assert _statuses(sim, "scheduling_requests.create") == [500]  # exactly one attempt

    # The same policy does repeat an idempotent query after a 5xx.
    sim.admin.add_fault("scheduling_requests.query", "status", status=503)
    assert client.query_scheduling_requests(["srq_unknown"]) == ()
    assert _statuses(sim, "scheduling_requests.query") == [503, 200]


def test_a_create_whose_connection_drops_is_outcome_unknown(sim, demo, session, fast_retry):
    sim.admin.add_fault("scheduling_requests.create", "disconnect")
    client = _scheduler(sim, demo["client_secret"], session, fast_retry)
    with pytest.raises(OutcomeUnknownError) as unknown:
        client.create_from_template(TEMPLATE, [recipient("ada@example.com")])
    assert isinstance(unknown.value.cause, CronofyConnectionError)
    assert unknown.value.cause.request_sent is None
    assert len(sim.admin.calls(route="scheduling_requests.create")) == 1


def test_a_hanging_server_gives_a_read_timeout_after_sending(sim, demo, session, fast_retry):
    timeout = (2.0, 0.4)
    sim.admin.add_fault("scheduling_requests.query", "hang", seconds=3)
    client = _scheduler(sim, demo["client_secret"], session, NO_RETRY, timeout=timeout)
    with pytest.raises(CronofyTimeoutError) as timed_out:
        client.query_scheduling_requests(["srq_unknown"])
    assert timed_out.value.request_sent is True
    assert timed_out.value.request_not_processed is False

    sim.admin.add_fault("scheduling_requests.create", "hang", seconds=3)
    client = _scheduler(sim, demo["client_secret"], session, fast_retry, timeout=timeout)
    with pytest.raises(OutcomeUnknownError) as unknown:
        client.create_from_template(TEMPLATE, [recipient("ada@example.com")])
    assert isinstance(unknown.value.cause, CronofyTimeoutError)
    assert unknown.value.cause.request_sent is True

    # An idempotent query is simply tried again.
    sim.admin.add_fault("scheduling_requests.query", "hang", seconds=3)
    assert client.query_scheduling_requests(["srq_unknown"]) == ()


# -- OAuth2 Organization Connect ---------------------------------------------------------------


def _consent(session, authorization_url):
    """What the admin's browser does: open the consent page, pick the OU, press Allow."""
    page = session.get(authorization_url, timeout=5)
    assert page.status_code == 200, page.text
    action, fields, _ = _form(page.text, "cronofy-sim-consent")
    ou_id = re.search(r"<option value='([^']+)'", page.text).group(1)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorization_url))
    answer = session.post(
        origin + action,
        data={**fields, "ou_id": ou_id, "decision": "allow"},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def _connected_token(sim, demo, oauth):
    code = sim.admin.authorize(demo["client_id"], REDIRECT_URI, state="s")["code"]
    return oauth.exchange_code(code, REDIRECT_URI)


def test_connect_through_the_consent_page_then_use_and_refresh(sim, demo, session, fast_retry):
    oauth = _oauth(sim, demo, session, fast_retry)
    url = oauth.authorization_url("signed-state-1", REDIRECT_URI)
    assert url.startswith(sim.base_url + "/oauth/authorize?")
    callback = _consent(session, url)
    assert callback["state"] == "signed-state-1"

    token = oauth.exchange_code(callback["code"], REDIRECT_URI)
    assert token.sub == demo["organizational_unit_id"]
    assert token.scope == "organizational_unit_scheduler"
    assert token.refresh_token
    expected_expiry = datetime.now(UTC) + timedelta(hours=1)
    assert abs(token.expires_at - expected_expiry) < timedelta(seconds=10)
    assert not token.expires_within()
    assert token.access_token not in repr(token)

    api = _scheduler(sim, token.access_token, session, fast_retry)
    created = api.create_from_template(TEMPLATE, [recipient("ada@example.com")])
    assert (
        sim.admin.scheduling_request(created.scheduling_request_id)["_sim"][
            "organizational_unit_id"
        ]
        == (demo["organizational_unit_id"])
    )

    refreshed = oauth.refresh(token.refresh_token)
    assert refreshed.access_token != token.access_token
    assert refreshed.refresh_token == token.refresh_token
    (queried,) = _scheduler(sim, refreshed.access_token, session).query_scheduling_requests(
        [created.scheduling_request_id]
    )
    assert queried.scheduling_request_id == created.scheduling_request_id


def test_an_expired_token_is_refused_until_refreshed(sim, demo, session, fast_retry):
    oauth = _oauth(sim, demo, session, fast_retry)
    token = _connected_token(sim, demo, oauth)
    assert _scheduler(sim, token.access_token, session).query_scheduling_requests(["srq_x"]) == ()

    simulated_now = _instant(sim.admin.advance_clock(2 * 3600)["now"])
    assert token.expires_within(timedelta(0), now=simulated_now)
    with pytest.raises(UnauthorizedError):
        _scheduler(sim, token.access_token, session).query_scheduling_requests(["srq_x"])

    refreshed = oauth.refresh(token.refresh_token)
    assert _scheduler(sim, refreshed.access_token, session).query_scheduling_requests(["x"]) == ()


def test_revoking_cuts_off_the_api_and_the_refresh_token(sim, demo, session, fast_retry):
    oauth = _oauth(sim, demo, session, fast_retry)
    token = _connected_token(sim, demo, oauth)
    oauth.revoke(token.refresh_token)
    with pytest.raises(UnauthorizedError):
        _scheduler(sim, token.access_token, session).query_scheduling_requests(["srq_x"])
    with pytest.raises(BadRequestError) as refused:
        oauth.refresh(token.refresh_token)
    assert refused.value.error == "invalid_grant"
    assert token.refresh_token not in str(refused.value)


def test_a_reused_code_is_refused_and_kills_its_grant(sim, demo, session, fast_retry):
    oauth = _oauth(sim, demo, session, fast_retry)
    code = sim.admin.authorize(demo["client_id"], REDIRECT_URI, state="s")["code"]
    token = oauth.exchange_code(code, REDIRECT_URI)
    with pytest.raises(BadRequestError) as reused:
        oauth.exchange_code(code, REDIRECT_URI)
    assert reused.value.error == "invalid_grant"
    assert code not in str(reused.value)
    assert _statuses(sim, "oauth.token") == [200, 400]  # a 400 is final, never repeated
    with pytest.raises(UnauthorizedError):
        _scheduler(sim, token.access_token, session).query_scheduling_requests(["srq_x"])

    wrong_secret = OrganizationConnect(
        demo["client_id"], "CRN_wrong", api_base_url=sim.base_url, session=session
    )
    fresh = sim.admin.authorize(demo["client_id"], REDIRECT_URI, state="s")["code"]
    with pytest.raises(BadRequestError) as unknown_client:
        wrong_secret.exchange_code(fresh, REDIRECT_URI)
    assert unknown_client.value.error == "invalid_client"


# -- Embedded sign-up --------------------------------------------------------------------------


def _sign_up(session, sim, token, name="Rita Recruiter"):
    url = embedded_sign_up_url(token, app_base_url=sim.base_url)
    assert url.startswith(sim.base_url + "/sign_up?style=embedded&embedded_authtoken=")
    page = session.get(url, timeout=5)
    if page.status_code != 200:
        return page
    action, fields, _ = _form(page.text, "cronofy-sim-signup")
    return session.post(
        sim.base_url + action,
        data={**fields, "name": name, "email": "rita@example.com", "tzid": "Europe/Paris"},
        timeout=5,
    )


def test_an_embed_token_signs_up_and_links_the_tenant(sim, demo, session):
    token = build_embed_token(
        demo["embed_key"], demo["embed_secret"], tenant_id=TENANT_ID, tenant_name="Globex"
    )
    done = _sign_up(session, sim, token)
    assert done.status_code == 200, done.text
    assert "id='cronofy-sim-signup-done'" in done.text
    (unit,) = [u for u in sim.admin.organizational_units() if TENANT_ID in u["tenant_ids"]]
    assert unit["name"] == "Globex"
    assert unit["created_via"] == "embedded_sign_up"

    # The same token now works in the embed element's own calls, inside that OU.
    context = session.get(
        f"{sim.base_url}/embed/v1/context",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert context.status_code == 200, context.text
    assert unit["id"] in context.text

    # A colleague signing up with a fresh token for the same tenant joins that OU.
    again = build_embed_token(demo["embed_key"], demo["embed_secret"], tenant_id=TENANT_ID)
    assert _sign_up(session, sim, again, name="Colleague").status_code == 200
    assert [u["id"] for u in sim.admin.organizational_units() if TENANT_ID in u["tenant_ids"]] == [
        unit["id"]
    ]


def test_embed_tokens_with_a_wrong_secret_or_out_of_time_are_refused(sim, demo, session):
    forged = build_embed_token(
        demo["embed_key"], "ESK_not_the_secret_0000000000000000000000", tenant_id=TENANT_ID
    )
    refused = _sign_up(session, sim, forged)
    assert refused.status_code == 401
    assert refused.headers["X-Cronofy-Sim-Error"] == "bad_signature"

    token = build_embed_token(demo["embed_key"], demo["embed_secret"], tenant_id=TENANT_ID)
    sim.admin.advance_clock(5 * 3600)  # past the default 4 h lifetime
    expired = _sign_up(session, sim, token)
    assert expired.status_code == 401
    assert expired.headers["X-Cronofy-Sim-Error"] == "expired"
    assert not [u for u in sim.admin.organizational_units() if TENANT_ID in u["tenant_ids"]]


# -- Webhooks ----------------------------------------------------------------------------------


def _candidate(session, sim, link, form_id, slot_index=None):
    """Open the candidate's link, then submit its form (picking the slot at ``slot_index``)."""
    page = session.get(link, timeout=5)
    assert page.status_code == 200, page.text
    action, fields, buttons = _form(page.text, form_id)
    if slot_index is not None:
        name, value = buttons[slot_index]
        fields[name] = value
    answer = session.post(sim.base_url + action, data=fields, allow_redirects=False, timeout=5)
    assert answer.status_code == 303, answer.text
    return fields


def _deliveries(sim, receiver, count):
    assert sim.admin.wait_for_webhooks()
    return receiver.wait_for(count)


def test_webhooks_verify_parse_and_dedupe(sim, demo, receiver, session, fast_retry):
    old_secret = demo["client_secret"]
    client = _scheduler(sim, old_secret, session, fast_retry)
    first = client.create_from_template(TEMPLATE, [recipient("ada@example.com", "Ada")])
    link_tail = f"correlation_id={CORRELATION_ID}"

    # 1. The candidate picks a time through the link carrying the correlation id.
    chosen = _candidate(
        session, sim, f"{first.primary_select_url}?{link_tail}", "cronofy-sim-slot-form", 0
    )
    assert chosen["correlation_id"] == CORRELATION_ID
    (delivery,) = _deliveries(sim, receiver, 1)
    header = delivery["headers"][SIGNATURE_HEADER]
    assert "," not in header
    assert verify_signature(delivery["body"], header, [old_secret])
    notification = parse_notification(delivery["body"])
    assert notification.known_type is NotificationType.TIME_CHOSEN
    assert notification.scheduling_request.scheduling_request_id == first.scheduling_request_id
    assert notification.correlation_id == CORRELATION_ID
    event = notification.scheduling_request.event
    assert event.start.time == _instant(chosen["start"])
    assert event.end.time - event.start.time == timedelta(minutes=30)
    assert event.start.tzid == "Europe/London"
    # The reschedule and decline links appear once a time is chosen.
    links = notification.scheduling_request.recipient_operations
    notifications = [notification]

    # 2. Secret rotation: a second active secret means two signatures in the header.
    new_secret = "CRN_rotated_client_secret_00000000002"
    sim.admin.add_client_secret(demo["application_id"], new_secret)
    rescheduled = _candidate(
        session,
        sim,
        f"{links.reschedule_url}&{link_tail}",
        "cronofy-sim-slot-form",
        1,
    )
    delivery = _deliveries(sim, receiver, 2)[1]
    header = delivery["headers"][SIGNATURE_HEADER]
    assert len(header.split(",")) == 2
    for secrets in ([old_secret], [new_secret], [old_secret, new_secret], new_secret):
        assert verify_signature(delivery["body"], header, secrets)
    assert not verify_signature(delivery["body"], header, ["CRN_some_other_secret"])
    assert not verify_signature(delivery["body"] + b" ", header, [old_secret, new_secret])
    notification = parse_notification(delivery["body"])
    assert notification.known_type is NotificationType.RESCHEDULED
    assert notification.correlation_id == CORRELATION_ID
    assert notification.scheduling_request.event.start.time == _instant(rescheduled["start"])
    assert rescheduled["start"] != chosen["start"]
    notifications.append(notification)

    # 3. Decline, delivered twice (duplicate fault): both copies give the same dedupe key.
    sim.admin.add_fault("webhook", "duplicate")
    _candidate(
        session,
        sim,
        f"{links.decline_url}&{link_tail}",
        "cronofy-sim-decline-form",
    )
    copies = _deliveries(sim, receiver, 4)[2:]
    assert copies[0]["body"] == copies[1]["body"]
    parsed_copies = [parse_notification(copy["body"]) for copy in copies]
    for copy in copies:
        assert verify_signature(copy["body"], copy["headers"][SIGNATURE_HEADER], [new_secret])
    assert parsed_copies[0].dedupe_key == parsed_copies[1].dedupe_key
    declined = parsed_copies[0]
    assert declined.known_type is NotificationType.DECLINED
    assert declined.correlation_id == CORRELATION_ID
    assert declined.scheduling_request.slot_selection == "declined"
    assert declined.scheduling_request.event.start is None
    notifications.append(declined)

    # 4. The old secret is retired; the host cancels a second request through the API.
    sim.admin.deactivate_client_secret(demo["application_id"], old_secret)
    client = _scheduler(sim, new_secret, session, fast_retry)
    second = client.create_scheduling_request(_full_spec())
    sim.admin.choose(second.scheduling_request_id, correlation_id="hr.applicant:8")
    client.cancel_scheduling_request(second.scheduling_request_id)
    later = _deliveries(sim, receiver, 6)[4:]
    for delivery in later:
        header = delivery["headers"][SIGNATURE_HEADER]
        assert "," not in header
        assert verify_signature(delivery["body"], header, [old_secret, new_secret])
        assert not verify_signature(delivery["body"], header, [old_secret])
    parsed = [parse_notification(delivery["body"]) for delivery in later]
    assert [n.known_type for n in parsed] == [
        NotificationType.TIME_CHOSEN,
        NotificationType.CANCELLED,
    ]
    assert {n.correlation_id for n in parsed} == {"hr.applicant:8"}
    assert {n.scheduling_request.scheduling_request_id for n in parsed} == {
        second.scheduling_request_id
    }
    booked = sim.admin.scheduling_request(second.scheduling_request_id)["_sim"]
    assert parsed[0].scheduling_request.event.start.time == _instant(booked["start"])
    assert parsed[0].scheduling_request.event.start.tzid == booked["tzid"]
    assert parsed[1].scheduling_request.slot_selection == "cancelled"
    notifications.extend(parsed)

    # Distinct notifications never share a dedupe key, and triggered_at is the simulator's now.
    assert len({n.dedupe_key for n in notifications}) == len(notifications) == 5
    for n in notifications:
        assert abs(n.triggered_at - datetime.now(UTC)) < timedelta(minutes=1)
