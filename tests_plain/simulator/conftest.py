"""Fixtures for the simulator's tests: a live simulator and a live webhook receiver, both on
loopback ports chosen by the OS. Everything goes over real HTTP."""

import sys
from pathlib import Path

import pytest
import requests

from cronofy_simulator import SimulatorServer

# --import-mode=importlib does not put test folders on sys.path; the helpers module needs it.
sys.path.insert(0, str(Path(__file__).parent))

from cronofy_simulator.webhook_receiver import WebhookReceiver  # noqa: E402


@pytest.fixture
def sim():
    # Small back-off and timeouts keep retry tests fast.
    with SimulatorServer(
        port=0, webhook_backoff_base=0.05, webhook_backoff_max=0.2, webhook_timeout=2.0
    ) as server:
        yield server


@pytest.fixture
def demo(sim):
    return sim.admin.seed_demo()


@pytest.fixture
def http():
    session = requests.Session()
    session.trust_env = False
    yield session
    session.close()


@pytest.fixture
def receiver():
    instance = WebhookReceiver()
    yield instance
    instance.close()
