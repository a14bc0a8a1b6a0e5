"""Fixtures for the end-to-end suite: the real ``cronofy_protocol`` client against the real
simulator over loopback HTTP, and a webhook receiver, all on ports the OS picks. No mocks."""

import pytest
import requests

from cronofy_protocol import RetryPolicy
from cronofy_simulator import SimulatorServer
from cronofy_simulator.webhook_receiver import WebhookReceiver


@pytest.fixture
def receiver():
    instance = WebhookReceiver()
    yield instance
    instance.close()


@pytest.fixture
def sim():
    # Short webhook back-off so deliveries are prompt; the API limits are set per test.
    with SimulatorServer(
        port=0, webhook_backoff_base=0.05, webhook_backoff_max=0.2, webhook_timeout=2.0
    ) as server:
        yield server


@pytest.fixture
def demo(sim, receiver):
    return sim.admin.seed_demo(webhook_urls=[receiver.url])


@pytest.fixture
def session():
    """Never let an environment proxy get between the client and loopback."""
    instance = requests.Session()
    instance.trust_env = False
    yield instance
    instance.close()


@pytest.fixture
def fast_retry():
    """The default policy's rules with short back-off, so a retry costs milliseconds (a
    Retry-After from the server still wins)."""
    return RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, max_total_seconds=10.0)
