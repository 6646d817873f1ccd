import logging

from odoo import api, models

from ..hub.envelope import iso_utc

_logger = logging.getLogger(__name__)


class HubChargeExternal(models.Model):
    """Charges of customers billed by an external billing engine (policy ``external``).

    Each such charge is written to the outbox as ``charge.billable`` in the transaction that makes it, for
    every connector routed for that event (a Billing connector, usually the REST adapter with a mapping),
    so it is delivered, retried and dead-lettered like any event, and its sync status shows on the charge.
    The engine's answer, read by the mapping's ``reference`` (its invoice number), comes back as the
    result's ``external_ref`` and is written on the charge (hub.sync.state._hub_apply_result_effects).
    Odoo never invoices these charges itself, so the customer is billed once, by the engine.
    """

    _name = "hub.charge"
    _inherit = ["hub.charge", "hub.sync.mixin"]

    @api.model_create_multi
    def create(self, vals_list):
        charges = super().create(vals_list)
        charges.filtered(
            lambda c: c.partner_id.commercial_partner_id.hub_billing_policy == "external"
        )._hub_emit("charge.billable")
        return charges

    def _hub_event_payload(self, event_type):
        self.ensure_one()
        picking = self.picking_id
        customer = self.partner_id
        return {
            "charge": {
                "id": self.id,
                "key": self.occurrence_key,
                "type": self.charge_type,
                "milestone": self.milestone,
                "milestone_at": iso_utc(self.milestone_at),
                "amount": self.amount,
                "currency": self.currency_id.name,
                "description": self.description or None,
                "corrects": self.corrects_charge_id.occurrence_key or None,
                "shipment": {
                    "id": picking.id, "name": picking.name, "tracking_number": picking.hub_tracking_number or None,
                },
                "order": self.order_id.name or None,
                "customer": {
                    "id": customer.id, "ref": customer.ref or None, "vat": customer.vat or None,
                    **self._hub_partner_data(customer),
                },
            }
        }

    def _hub_billed_externally(self, external_ref):
        """The engine invoiced the charge as ``external_ref``. The first number stays: a later, different
        one (a re-send as a new request that the engine did not recognise) is logged for finance, not
        written over the number the customer may already hold."""
        for charge in self:
            if not charge.external_invoice_ref:
                charge.external_invoice_ref = external_ref
            elif charge.external_invoice_ref != external_ref:
                _logger.warning(
                    "hub: charge %s is on external invoice %s; the engine now also answered %s (kept %s)",
                    charge.occurrence_key, charge.external_invoice_ref, external_ref, charge.external_invoice_ref,
                )

    def _hub_sent_to_engine(self):
        """The charges among these that were sent to a billing engine (they have a sync state)."""
        if not self:
            return self
        states = self.env["hub.sync.state"].sudo().search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)])
        return self.browse(set(states.mapped("res_id")))
