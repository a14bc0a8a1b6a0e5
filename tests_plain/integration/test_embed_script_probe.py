"""The Embedded Scheduler script probe against real HTTP: the simulator's own
module, and what a wrong URL looks like (not found, a web page, not https)."""

from cronofy_protocol import probe_embed_script


def test_the_simulators_module_defines_the_element(sim, session):
    probe = probe_embed_script(sim.base_url + "/embed/scheduler-embed.js", session=session)
    assert probe.ok, probe.detail


def test_a_missing_script_says_which_status(sim, session):
    probe = probe_embed_script(sim.base_url + "/embed/no-such-script.js", session=session)
    assert not probe.ok
    assert "answered HTTP 404" in probe.detail


def test_a_web_page_is_refused_for_its_media_type(sim, session):
    probe = probe_embed_script(sim.base_url + "/_sim/health", session=session)
    assert not probe.ok
    assert "media type" in probe.detail


def test_plain_http_off_loopback_and_credentials_in_the_url_are_refused(session):
    assert not probe_embed_script("http://example.com/x.js", session=session).ok
    assert not probe_embed_script("https://user@example.com/x.js", session=session).ok
    assert "https" in probe_embed_script("ftp://example.com/x.js", session=session).detail


def test_an_unreachable_host_is_a_sentence_not_an_exception(session):
    probe = probe_embed_script("http://127.0.0.1:9/x.js", session=session)
    assert not probe.ok
    assert "could not be reached" in probe.detail
