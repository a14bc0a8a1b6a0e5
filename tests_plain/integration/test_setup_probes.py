"""The probes behind Test connection (issue 16) against the real simulator over HTTP:
the client credentials at the token endpoint (RFC 6749 5.2 error codes) and the
embed credentials at the embed element's context endpoint."""

from cronofy_protocol import (
    NO_RETRY,
    ClientCheck,
    EmbedCheck,
    OrganizationConnect,
    build_embed_token,
    embed_context_checkable,
    probe_embed_context,
)

REDIRECT_URI = "http://127.0.0.1:8069/cronofy/oauth/callback"


def _probe(sim, session, client_id, client_secret):
    oauth = OrganizationConnect(
        client_id,
        client_secret,
        api_base_url=sim.base_url,
        app_base_url=sim.base_url,
        session=session,
        retry_policy=NO_RETRY,
    )
    return oauth.probe_client_credentials(REDIRECT_URI)


def test_right_client_credentials_are_accepted(sim, demo, session):
    probe = _probe(sim, session, demo["client_id"], demo["client_secret"])
    assert probe.outcome == ClientCheck.ACCEPTED
    assert probe.detail == "invalid_grant"
    # The made-up code was refused and granted nothing.
    assert [c["status"] for c in sim.admin.calls(route="oauth.token")] == [400]


def test_a_wrong_secret_or_id_is_rejected(sim, demo, session):
    for client_id, secret in (
        (demo["client_id"], "CRN_wrong_secret_000000000000000000000"),
        ("unknown_client_id", demo["client_secret"]),
    ):
        probe = _probe(sim, session, client_id, secret)
        assert probe.outcome == ClientCheck.REJECTED
        assert probe.detail == "invalid_client"
        assert "CRN_wrong" not in repr(probe)


def test_an_unreachable_token_endpoint_is_unknown_and_says_so(session):
    oauth = OrganizationConnect(
        "id",
        "CRN_x",
        api_base_url="http://127.0.0.1:9",
        app_base_url="http://127.0.0.1:9",
        session=session,
        retry_policy=NO_RETRY,
    )
    probe = oauth.probe_client_credentials(REDIRECT_URI)
    assert probe.outcome == ClientCheck.UNKNOWN
    assert probe.unreachable


def test_a_server_error_is_unknown_not_rejected(sim, demo, session):
    sim.admin.add_fault("oauth.token", "status", count=1, status=503)
    probe = _probe(sim, session, demo["client_id"], demo["client_secret"])
    assert probe.outcome == ClientCheck.UNKNOWN
    assert probe.unreachable


def test_embed_context_accepts_the_pair_and_names_the_unit(sim, demo, session):
    tenant = "odoo-probe-tenant"
    sim.admin.link_tenant(demo["organizational_unit_id"], tenant)
    token = build_embed_token(demo["embed_key"], demo["embed_secret"], tenant_id=tenant)
    probe = probe_embed_context(sim.base_url, token, session=session)
    assert probe.outcome == EmbedCheck.ACCEPTED
    assert probe.organizational_unit == "Demo Recruiting"
    unlinked = build_embed_token(demo["embed_key"], demo["embed_secret"], tenant_id="other")
    assert probe_embed_context(sim.base_url, unlinked, session=session).organizational_unit is None


def test_embed_context_tells_a_wrong_key_from_a_wrong_secret(sim, demo, session):
    wrong_secret = build_embed_token(demo["embed_key"], "ESK_wrong_secret_000000000000000000")
    probe = probe_embed_context(sim.base_url, wrong_secret, session=session)
    assert (probe.outcome, probe.reason) == (EmbedCheck.REJECTED, "bad_signature")
    wrong_key = build_embed_token("EMB_unknown", demo["embed_secret"])
    probe = probe_embed_context(sim.base_url, wrong_key, session=session)
    assert (probe.outcome, probe.reason) == (EmbedCheck.REJECTED, "unknown_issuer")


def test_cronofys_own_hosts_are_not_checkable(session):
    assert not embed_context_checkable("https://app.cronofy.com")
    probe = probe_embed_context("https://app.cronofy.com", "token", session=session)
    assert probe.outcome == EmbedCheck.NOT_CHECKABLE
    assert embed_context_checkable("http://127.0.0.1:8099")


def test_an_unreachable_simulator_is_unreachable(session):
    probe = probe_embed_context("http://127.0.0.1:9", "token", session=session)
    assert probe.outcome == EmbedCheck.UNREACHABLE
