"""Uninstall the addon from a harness database and check nothing of it remains.

Run with the harness virtualenv:
    python uninstall_check.py ODOO_SRC CONFIG DBNAME MODULE
Odoo's log goes to stderr (the caller greps it for errors and warnings).
"""

import sys


def main(odoo_src, config_path, db_name, module_name):
    sys.path.insert(0, odoo_src)
    import odoo  # noqa: PLC0415 - Odoo is only importable once ODOO_SRC is on the path

    odoo.tools.config.parse_config(["-c", config_path, "-d", db_name, "--log-level=info"])
    registry = odoo.modules.registry.Registry.new(db_name)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        module = env["ir.module.module"].search([("name", "=", module_name)])
        if module.state != "installed":
            print(f"{module_name} is {module.state!r}, expected 'installed'")
            return 1
        module.button_immediate_uninstall()
    registry = odoo.modules.registry.Registry(db_name)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        module = env["ir.module.module"].search([("name", "=", module_name)])
        leftovers = env["ir.model.data"].search_count([("module", "=", module_name)])
        print(f"{module_name} state after uninstall: {module.state}; xml ids left: {leftovers}")
        if module.state != "uninstalled" or leftovers:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
