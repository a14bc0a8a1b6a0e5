"""A local, faithful-enough Cronofy for development, demos and tests (no Odoo imports).

    from cronofy_simulator import SimulatorServer
    with SimulatorServer(port=0) as sim:
        credentials = sim.admin.seed_demo()
        ...  # point the Cronofy client at sim.base_url

See README.md for the endpoints, the admin API and the guesses made for unconfirmed behaviour.
"""

from .admin_client import SimulatorAdmin, SimulatorAdminError
from .config import SimulatorConfig
from .server import SimulatorServer
from .webhooks import sign as sign_webhook_body

__all__ = [
    "SimulatorAdmin",
    "SimulatorAdminError",
    "SimulatorConfig",
    "SimulatorServer",
    "sign_webhook_body",
]
