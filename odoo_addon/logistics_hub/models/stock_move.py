from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_assign(self, force_qty=False):
        res = super()._action_assign(force_qty=force_qty)
        # A picking's state is computed from its moves: reservation is where it becomes ready.
        self.picking_id._hub_emit_ready_at_commit()
        return res
