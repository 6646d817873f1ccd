from odoo import _, models


class StockPicking(models.Model):
    """Charges at the milestones of a shipment, in the transaction that applies the milestone
    (hub.charge): a duplicated or replayed callback stores no tracking event, so it charges nothing."""

    _inherit = "stock.picking"

    def _hub_bill_tracking(self, stored):
        """Newly stored tracking events: a failed delivery charges a re-delivery, the proof of delivery
        (or a late arrival report once delivered) the transport and detention; then per-shipment
        customers are invoiced."""
        self.ensure_one()
        Charge = self.env["hub.charge"]
        charges = Charge.browse()
        for tracking_event in stored.filtered(lambda e: e.status == "delivery_failed"):
            charges |= Charge._hub_charge_failed_delivery(self, tracking_event)
        if self.hub_shipment_status == "delivered":
            charges |= Charge._hub_charge_delivery(self)
        if charges:
            Charge._hub_invoice_by_policy(self)
        return charges

    def _action_done(self):
        res = super()._action_done()
        Charge = self.env["hub.charge"]
        for picking in self.filtered(lambda p: p.state == "done" and self.env["hub.process"]._hub_is_return(p)):
            charged = Charge._hub_charge_return(picking)
            if charged:
                Charge._hub_invoice_by_policy(charged.picking_id)
        return res

    def action_hub_rate_again(self):
        """Rate the delivered shipment again with its current weight and destination; the difference to
        what was charged becomes a correction charge (an invoiced charge is never edited)."""
        self.env["hub.event"]._hub_check_manager(_("Only Logistics Hub managers may rate a shipment again."))
        self.ensure_one()
        corrections = self.env["hub.charge"]._hub_correct_delivery(self)
        if corrections:
            self.env["hub.charge"]._hub_invoice_by_policy(self)
        message = _("Rated again: %s correction charge(s).", len(corrections)) if corrections \
            else _("Rated again: the charges already match.")
        self.message_post(body=message)
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"message": message, "type": "info", "sticky": False}}

    def action_hub_view_charges(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "hub.charge",
            "name": _("Charges of %s", self.name),
            "view_mode": "list,form",
            "domain": [("picking_id", "=", self.id)],
        }
