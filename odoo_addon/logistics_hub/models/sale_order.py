from odoo import models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "hub.sync.mixin"]

    def action_confirm(self):
        res = super().action_confirm()
        self.filtered(lambda order: order.state == "sale")._hub_emit("order.confirmed")
        return res

    def _action_cancel(self):
        # Partners only ever heard of confirmed orders; a dropped quotation is none of their business.
        confirmed = self.filtered(lambda order: order.state == "sale")
        res = super()._action_cancel()
        confirmed.filtered(lambda order: order.state == "cancel")._hub_emit("order.cancelled")
        return res

    def _hub_event_payload(self, event_type):
        self.ensure_one()
        return {
            "order": {
                "id": self.id,
                "name": self.name,
                "partner": self._hub_partner_data(self.partner_id),
                "amount_total": self.amount_total,
                "currency": self.currency_id.name,
                "lines": [
                    {
                        "line_id": line.id,
                        "sku": line.product_id.default_code or None,
                        "product": line.product_id.name or line.name,
                        "quantity": line.product_uom_qty,
                        "uom": line.product_uom.name or None,
                        "price_unit": line.price_unit,
                    }
                    for line in self.order_line
                    if not line.display_type
                ],
            }
        }
