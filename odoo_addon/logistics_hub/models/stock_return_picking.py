from odoo import models


class StockReturnPicking(models.TransientModel):
    _inherit = "stock.return.picking"

    def _create_return(self):
        """A customer return created from a delivery authorises the return: the milestone that starts
        its return-to-refund process (hub.process), in the transaction that creates the return picking.
        A return of a receipt (to a vendor) is no customer's return."""
        new_picking = super()._create_return()
        if self.picking_id.picking_type_code == "outgoing":
            self.env["hub.process"]._hub_signal(
                "return.authorised", new_picking, f"return.authorised:{new_picking._name}:{new_picking.id}",
                data={"returned_picking": self.picking_id.name},
            )
        return new_picking
