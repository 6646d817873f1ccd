from odoo import models


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "hub.sync.mixin"]

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted.filtered(
            lambda move: move.state == "posted" and move.move_type in ("out_invoice", "out_refund")
        )._hub_emit("invoice.posted")
        return posted

    def _hub_sync_parents(self):
        return [self.sudo().line_ids.sale_line_ids.order_id]

    def _hub_event_payload(self, event_type):
        self.ensure_one()
        return {
            "invoice": {
                "id": self.id,
                "name": self.name,
                "move_type": self.move_type,
                "partner": self._hub_partner_data(self.partner_id),
                "amount_total": self.amount_total,
                "currency": self.currency_id.name,
                "invoice_origin": self.invoice_origin or None,
            }
        }
