"""18.0.1.1.0: the scheduling report's figures for the requests made before it,
from the data already stored (see _backfill_scheduling_figures)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["cronofy.scheduling.request"]._backfill_scheduling_figures()
