"""Point the demo database's main company at the local Cronofy simulator.

Run by scripts/run inside ``odoo-bin shell`` (``env`` is given), with the
simulator's base URL in HRC_SIMULATOR_URL. It configures the company's Cronofy
connection with the simulator's demo credentials unless an admin has entered
real ones (a connection whose API URL is not loopback is left alone), then tells
the simulator where to deliver its push notifications and runs Test connection, so
the first screen shows the real status. ``web.base.url`` is set to this run's
port (HRC_HTTP_PORT) unless it names a public address. Prints lines starting with
"Cronofy:" saying what it did.
"""

import os
import sys
from urllib.parse import urlsplit

sys.path.insert(0, os.environ["HRC_REPO_ROOT"])
from cronofy_simulator import SimulatorAdmin  # noqa: E402 - the path is set just above

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def uses_real_cronofy(connection):
    configured = connection.client_id or connection.has_client_secret
    api_host = urlsplit(connection.api_base_url or "").hostname
    return bool(configured) and api_host not in LOOPBACK_HOSTS


def point_base_url_at_this_run(env, port):
    """The webhook URL the simulator calls must reach this run's Odoo."""
    params = env["ir.config_parameter"].sudo()
    current = urlsplit(params.get_param("web.base.url") or "").hostname
    if current in LOOPBACK_HOSTS or not current:
        params.set_param("web.base.url", f"http://localhost:{port}")


def wire(env, simulator_url, port):
    admin = SimulatorAdmin(simulator_url)
    demo = admin.seed_demo()
    company = env.ref("base.main_company")
    connection = env["cronofy.connection"]._for_company(company)
    point_base_url_at_this_run(env, port)
    if uses_real_cronofy(connection):
        print(f"Cronofy: {company.name} uses real credentials; the simulator is not wired in.")
        return
    connection.write(
        {
            "datacenter": demo["data_center"],
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "embed_public_key": demo["embed_key"],
            "embed_secret": demo["embed_secret"],
            "api_access_mode": "internal_application",
            "internal_app_client_secret": demo["client_secret"],
            "api_base_url": simulator_url,
            "app_base_url": simulator_url,
        }
    )
    # The embed carries this company's tenant; link it to the demo OU as the
    # embedded sign-up would.
    units = {unit["id"]: unit for unit in admin.organizational_units()}
    if connection.tenant_id not in units[demo["organizational_unit_id"]]["tenant_ids"]:
        admin.link_tenant(demo["organizational_unit_id"], connection.tenant_id)
    admin.set_webhook_urls(demo["application_id"], [connection.webhook_url])
    env.cr.commit()  # pylint: disable=invalid-commit - a one-off set-up script, not a request
    print(
        f"Cronofy: {company.name} wired to the simulator at {simulator_url}; "
        f"notifications go to {connection.webhook_url}"
    )
    # Test connection commits its result in a cursor of its own (after the commit
    # above, so it does not wait for this transaction's row lock).
    problems = connection._test_connection()
    env.cr.rollback()  # a fresh snapshot, which sees what the test committed
    connection.invalidate_recordset()
    status = dict(connection._fields["state"]._description_selection(env))[connection.state]
    print(f"Cronofy: Test connection says {status}" + (f": {problems}" if problems else ""))


wire(env, os.environ["HRC_SIMULATOR_URL"], os.environ.get("HRC_HTTP_PORT", "8069"))  # noqa: F821
