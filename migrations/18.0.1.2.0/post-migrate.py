"""18.0.1.2.0: the scheduling report's pre-aggregated figures, counted from the
requests already stored (the model's init() created the tables and triggers)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["cronofy.scheduling.rollup"]._rollup_rebuild()
