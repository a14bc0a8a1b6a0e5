"""Cronofy-HMAC-SHA256 verification: known answers from the contract (§3.4) and hostile headers."""

import pytest

from cronofy_protocol import compute_signature, verify_signature
from cronofy_protocol.webhook_signature import MAX_SIGNATURES_PER_HEADER

BODY = b'{"example":"well-known"}'
# Published test vectors (contract §3.4): secret -> header value for BODY.
VECTORS = [
    ("CRN_NggYusqPGLxwjw5FHOJYOqSrTPNXy8WQf14OID", "5DxentQi5YSXODEzTVv06sRwJ3pULIz1KrYv20qxEK0="),
    ("pDY0Oi7TJSP2hfNmZNkm5", "6r2/HjBkqymGegX0wOfifieeUXbbHwtV/LohHS+jv6c="),
]
SECRET_A, SIG_A = VECTORS[0]
SECRET_B, SIG_B = VECTORS[1]


@pytest.mark.parametrize(("secret", "expected"), VECTORS)
def test_known_answer_vectors(secret, expected):
    assert compute_signature(BODY, secret) == expected
    assert compute_signature(BODY, secret.encode()) == expected
    assert verify_signature(BODY, expected, [secret]) is True


def test_wrong_secret_or_changed_body_fails():
    assert verify_signature(BODY, SIG_A, [SECRET_B]) is False
    assert verify_signature(BODY + b"\n", SIG_A, [SECRET_A]) is False
    assert verify_signature(b'{"example": "well-known"}', SIG_A, [SECRET_A]) is False


def test_any_of_several_signatures_matches_during_rotation():
    header = f"{SIG_B},{SIG_A}"
    assert verify_signature(BODY, header, [SECRET_A]) is True
    assert verify_signature(BODY, header, [SECRET_B]) is True
    assert verify_signature(BODY, "bogus,also-bogus", [SECRET_A, SECRET_B]) is False


def test_any_of_several_secrets_matches():
    assert verify_signature(BODY, SIG_A, ["old-secret", SECRET_A]) is True


@pytest.mark.parametrize(
    "header",
    [
        f"  {SIG_A}  ",
        f" , ,{SIG_A}, ",
        f"bogus , {SIG_A}",
        f",,{SIG_A},,",
        f"\t{SIG_A}\t",
    ],
)
def test_header_with_spaces_and_empty_items(header):
    assert verify_signature(BODY, header, [SECRET_A]) is True


@pytest.mark.parametrize("header", [None, "", "   ", ",", " , , "])
def test_missing_or_empty_header_fails_closed(header):
    assert verify_signature(BODY, header, [SECRET_A]) is False


@pytest.mark.parametrize("secrets", [[], [""], [None], ["", None], ()])
def test_missing_secret_fails_closed(secrets):
    assert verify_signature(BODY, SIG_A, secrets) is False


def test_empty_secret_does_not_match_signature_made_with_empty_key():
    # An attacker could compute HMAC with an empty key; an unset secret must not accept it.
    forged = compute_signature(BODY, "")
    assert verify_signature(BODY, forged, [""]) is False


def test_single_secret_string_is_one_secret_not_characters():
    assert verify_signature(BODY, SIG_A, SECRET_A) is True
    # A one-character secret from iterating the string must not be used.
    assert verify_signature(BODY, compute_signature(BODY, "C"), SECRET_A) is False


def test_non_ascii_header_is_rejected_without_error():
    assert verify_signature(BODY, f"ü{SIG_A}", [SECRET_A]) is False
    assert verify_signature(BODY, "€€€,☃", [SECRET_A]) is False
    assert verify_signature(BODY, f"☃,{SIG_A}", [SECRET_A]) is True


def test_bytes_header_accepted():
    assert verify_signature(BODY, SIG_A.encode(), [SECRET_A]) is True
    assert verify_signature(BODY, b"\xff\xfe", [SECRET_A]) is False


def test_non_ascii_body_and_secret():
    body = '{"name":"Zoë Ångström ✓"}'.encode()
    secret = "sécret-☃"
    assert verify_signature(body, compute_signature(body, secret), [secret]) is True
    assert verify_signature(body, compute_signature(body, "secret"), [secret]) is False


def test_ten_megabyte_body():
    body = b"x" * (10 * 1024 * 1024)
    signature = compute_signature(body, SECRET_A)
    assert verify_signature(body, signature, [SECRET_A]) is True
    assert verify_signature(body[:-1], signature, [SECRET_A]) is False


def test_bytearray_and_memoryview_bodies():
    assert verify_signature(bytearray(BODY), SIG_A, [SECRET_A]) is True
    assert verify_signature(memoryview(BODY), SIG_A, [SECRET_A]) is True


def test_decoded_string_body_is_a_programming_error():
    with pytest.raises(TypeError):
        verify_signature(BODY.decode(), SIG_A, [SECRET_A])


def test_too_many_signatures_fail_closed():
    padding = ["bogus"] * MAX_SIGNATURES_PER_HEADER
    assert verify_signature(BODY, ",".join([*padding, SIG_A]), [SECRET_A]) is False
    assert verify_signature(BODY, ",".join([*padding[:-1], SIG_A]), [SECRET_A]) is True


def test_signature_must_match_exactly():
    assert verify_signature(BODY, SIG_A.rstrip("="), [SECRET_A]) is False
    assert verify_signature(BODY, SIG_A.lower(), [SECRET_A]) is False
    assert verify_signature(BODY, f"{SIG_A} {SIG_B}", [SECRET_A]) is False
