"""The signed, expiring ``state`` of an Organization Connect authorization."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from cronofy_protocol import (
    STATE_LIFETIME,
    AuthorizationState,
    OAuthStateError,
    StateProblem,
    issue_oauth_state,
    new_state_nonce,
    sign_oauth_state,
    verify_oauth_state,
)

NOW = 1_700_000_000.0
KEY = b"test-key-not-a-database-secret"


def sign(body):
    return hmac.new(KEY, body.encode(), hashlib.sha256).hexdigest()


def sign_with_other_key(body):
    return hmac.new(b"another key", body.encode(), hashlib.sha256).hexdigest()


def issue(**overrides):
    values = {"company_id": 3, "user_id": 7, "nonce": "n0nce", "sign": sign, "clock": lambda: NOW}
    values.update(overrides)
    return issue_oauth_state(
        values.pop("company_id"), values.pop("user_id"), values.pop("nonce"), **values
    )


def problem_of(state, signer=sign, now=NOW):
    with pytest.raises(OAuthStateError) as caught:
        verify_oauth_state(state, signer, clock=lambda: now)
    return caught.value.problem


def test_issued_state_verifies_to_who_and_which_nonce():
    state = issue()
    assert verify_oauth_state(state, sign, clock=lambda: NOW + 1) == AuthorizationState(
        company_id=3, user_id=7, nonce="n0nce"
    )


def test_state_is_json_body_and_signature_of_that_body():
    state = issue()
    body, signature = state.rsplit(".", 1)
    assert signature == sign(body)
    assert json.loads(base64.urlsafe_b64decode(body)) == {
        "company_id": 3,
        "expires": int(NOW + STATE_LIFETIME.total_seconds()),
        "nonce": "n0nce",
        "user_id": 7,
    }


def test_same_payload_signs_the_same_whatever_the_key_order():
    one = sign_oauth_state({"a": 1, "b": 2}, sign)
    other = sign_oauth_state({"b": 2, "a": 1}, sign)
    assert one == other


def test_expires_after_its_lifetime_and_not_before():
    state = issue(lifetime=timedelta(minutes=10))
    assert verify_oauth_state(state, sign, clock=lambda: NOW + 600).nonce == "n0nce"
    assert problem_of(state, now=NOW + 601) is StateProblem.EXPIRED


@pytest.mark.parametrize(
    "alter",
    [
        lambda body, sig: f"{body}.{('0' if sig[0] != '0' else '1') + sig[1:]}",
        lambda body, sig: f"{body[:-2]}AA.{sig}",
        lambda body, sig: body,
        lambda body, sig: f".{sig}",
        lambda body, sig: f"{body}.",
        lambda body, sig: f"{body}.{sig}é",
    ],
    ids=["signature", "body", "no-signature", "no-body", "empty-signature", "non-ascii"],
)
def test_altered_state_is_forged(alter):
    body, signature = issue().rsplit(".", 1)
    assert problem_of(alter(body, signature)) is StateProblem.FORGED


@pytest.mark.parametrize("state", ["", None, "garbage", 42])
def test_missing_or_junk_state_is_forged(state):
    assert problem_of(state) is StateProblem.FORGED


def test_state_signed_with_another_key_is_forged():
    assert problem_of(issue(sign=sign_with_other_key)) is StateProblem.FORGED


@pytest.mark.parametrize(
    "payload",
    [
        {"company_id": 3, "user_id": 7, "nonce": "n"},  # no expiry
        {"company_id": "three", "user_id": 7, "nonce": "n", "expires": NOW + 60},
        ["company_id", 3],
    ],
    ids=["missing-key", "not-a-number", "not-an-object"],
)
def test_signed_but_unreadable_payload_is_malformed(payload):
    assert problem_of(sign_oauth_state(payload, sign)) is StateProblem.MALFORMED


def test_signed_body_that_is_not_base64_json_is_malformed():
    body = "not json at all"
    assert problem_of(f"{body}.{sign(body)}") is StateProblem.MALFORMED


def test_error_carries_the_caller_message_or_a_default():
    assert "forged" in str(OAuthStateError(StateProblem.FORGED))
    error = OAuthStateError(StateProblem.EXPIRED, "Start again")
    assert (str(error), error.problem) == ("Start again", StateProblem.EXPIRED)


def test_nonces_are_fresh_and_url_safe():
    nonces = {new_state_nonce() for _ in range(50)}
    assert len(nonces) == 50
    assert all(len(nonce) >= 32 and "." not in nonce for nonce in nonces)
