from odoo import models

# The milestone a posted customer document is for the business processes (hub/process_signals.py).
PROCESS_SIGNALS = {"out_invoice": "invoice.posted", "out_refund": "refund.posted"}


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "hub.sync.mixin"]

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        customer_moves = posted.filtered(
            lambda move: move.state == "posted" and move.move_type in ("out_invoice", "out_refund")
        )
        customer_moves._hub_emit("invoice.posted")
        Process = self.env["hub.process"]
        for move in customer_moves:
            # A move reset to draft and posted again keeps its occurrence key: processes take it once.
            signal = PROCESS_SIGNALS[move.move_type]
            Process._hub_signal(signal, move, f"{signal}:{move._name}:{move.id}")
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
