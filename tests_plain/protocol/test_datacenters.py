"""Data centres, base URL overrides and the credential allow-list."""

import pytest

from cronofy_protocol import (
    ConfigurationError,
    check_allowed_url,
    get_data_center,
    is_link_of,
    link_host,
    official_data_center_of,
    resolve_endpoints,
)
from cronofy_protocol.datacenters import DATA_CENTERS


@pytest.mark.parametrize(
    ("code", "api", "app"),
    [
        ("us", "https://api.cronofy.com", "https://app.cronofy.com"),
        ("uk", "https://api-uk.cronofy.com", "https://app-uk.cronofy.com"),
        ("de", "https://api-de.cronofy.com", "https://app-de.cronofy.com"),
        ("au", "https://api-au.cronofy.com", "https://app-au.cronofy.com"),
        ("ca", "https://api-ca.cronofy.com", "https://app-ca.cronofy.com"),
        ("sg", "https://api-sg.cronofy.com", "https://app-sg.cronofy.com"),
    ],
)
def test_data_centre_hosts(code, api, app):
    endpoints = resolve_endpoints(code)
    assert (endpoints.api_base_url, endpoints.app_base_url) == (api, app)
    assert get_data_center(code.upper()).code == code


def test_exactly_six_data_centres():
    assert sorted(DATA_CENTERS) == ["au", "ca", "de", "sg", "uk", "us"]


@pytest.mark.parametrize("code", [None, "", "  "])
def test_default_is_us(code):
    assert get_data_center(code).api_host == "api.cronofy.com"


def test_unknown_data_centre():
    with pytest.raises(ConfigurationError, match="eu"):
        get_data_center("eu")


def test_base_url_override_for_simulator():
    endpoints = resolve_endpoints(
        "uk", api_base_url="http://127.0.0.1:8070/", app_base_url="http://localhost:8070/sim"
    )
    assert endpoints.api_base_url == "http://127.0.0.1:8070"
    assert endpoints.app_base_url == "http://localhost:8070/sim"


@pytest.mark.parametrize(
    "url",
    [
        "https://api.cronofy.com/v1/x",
        "https://API-UK.cronofy.com",
        "https://app-sg.cronofy.com/rts/abc?x=1",
        "http://127.0.0.1:8069",
        "https://127.0.0.5",
        "http://localhost:1234/path",
        "http://[::1]:8080/",
    ],
)
def test_allowed(url):
    assert check_allowed_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://api.cronofy.com",  # official host without TLS
        "https://api.cronofy.com.evil.example",
        "https://evil.example/api.cronofy.com",
        "https://api.cronofy.com@evil.example",
        "https://user:pw@api.cronofy.com",
        "https://api-eu.cronofy.com",
        "https://cronofy.com",
        "ftp://127.0.0.1",
        "https://10.0.0.1",
        "https://[::2]",
        "https://localhost.evil.example",
        "api.cronofy.com",
        "",
        "https://api.cronofy.com:notaport",
        "https://",
    ],
)
def test_refused(url):
    with pytest.raises(ConfigurationError):
        check_allowed_url(url)


def test_refused_message_does_not_echo_query_string():
    with pytest.raises(ConfigurationError) as info:
        check_allowed_url("https://evil.example/cb?token=SECRET123")
    assert "SECRET123" not in str(info.value)
    assert "evil.example" in str(info.value)


def test_non_string_url_refused():
    with pytest.raises(ConfigurationError):
        check_allowed_url(None)


def test_base_url_with_query_refused():
    with pytest.raises(ConfigurationError):
        resolve_endpoints(api_base_url="http://127.0.0.1:1/?a=b")


def test_override_is_also_checked():
    with pytest.raises(ConfigurationError):
        resolve_endpoints("us", api_base_url="https://attacker.example")


@pytest.mark.parametrize(
    ("url", "base", "kept"),
    [
        ("https://app.cronofy.com/rts/abc", "https://app.cronofy.com", True),
        ("https://app-de.cronofy.com/rts/abc", "https://app.cronofy.com", False),
        ("https://evil.example/rts/abc", "https://app.cronofy.com", False),
        ("http://app.cronofy.com/rts/abc", "https://app.cronofy.com", False),
        ("javascript:alert(1)", "https://app.cronofy.com", False),
        ("https://x@app.cronofy.com/rts", "https://app.cronofy.com", False),
        ("http://127.0.0.1:8099/rts/abc", "http://127.0.0.1:8099", True),
        ("http://127.0.0.1:9999/rts/abc", "http://127.0.0.1:8099", False),
        ("http://[::1/rts", "http://127.0.0.1:8099", False),
    ],
)
def test_links_are_kept_only_on_the_apps_own_host(url, base, kept):
    assert is_link_of(url, base) is kept


def test_link_host_never_raises():
    assert link_host("https://evil.example/x") == "evil.example"
    assert link_host("http://[::1/x") == "?"
    assert link_host("no host") == "?"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://api.cronofy.com", "us"),
        ("https://app-uk.cronofy.com/prefix", "uk"),
        ("https://API-DE.cronofy.com", "de"),
        ("http://127.0.0.1:8999", None),
        ("https://api.cronofy.com.evil.example", None),
        ("not a url", None),
        ("http://[::1", None),
    ],
)
def test_official_data_center_of(url, code):
    assert official_data_center_of(url) == code
