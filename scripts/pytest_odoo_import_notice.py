"""pytest plugin loaded before pytest-odoo (``-p pytest_odoo_import_notice``).

pytest-odoo imports ``odoo.tests`` while it parses its options, before it turns
on Odoo's test mode, so Odoo logs "Importing test framework ..." as an ERROR
with a stack trace on every run. That one record is a false alarm; turning test
mode on globally instead (``--test-enable``) would make Odoo run every
module's own tests while loading the registry. So drop exactly that record and
let every other error through.
"""

import logging


class _DropTestFrameworkImportNotice(logging.Filter):
    def filter(self, record):
        return not str(record.msg).startswith("Importing test framework")


logging.getLogger("odoo.tests.common").addFilter(_DropTestFrameworkImportNotice())
