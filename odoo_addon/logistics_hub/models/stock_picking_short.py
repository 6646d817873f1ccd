from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"
