"""The table of the floor route: one row per POST, nothing else on it."""

from odoo import fields, models


class HrcBenchFloorRow(models.Model):
    _name = "hrc.bench.floor.row"
    _description = "Benchmark probe: one row per floor-route POST"
    _log_access = False

    body = fields.Text()
