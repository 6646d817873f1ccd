import math

from odoo import _, api, fields, models
from odoo.exceptions import UserError

CHARGE_TYPES = [
    ("transport", "Transport"),
    ("remote_area", "Remote Area"),
    ("fuel", "Fuel Surcharge"),
    ("detention", "Detention"),
    ("redelivery", "Re-delivery"),
    ("return", "Return"),
]
MILESTONES = [
    ("delivered", "Proof of Delivery"),
    ("detention", "Waiting at Delivery"),
    ("delivery_failed", "Failed Delivery"),
    ("returned", "Return Received"),
    ("correction", "Correction"),
]
# The components of the price at proof of delivery, in the order hub/rating.py composes them.
POD_COMPONENTS = ("transport", "remote_area", "fuel")


class HubCharge(models.Model):
    """One amount owed by a customer for one milestone of one shipment.

    Exactly once: ``occurrence_key`` names the (shipment, milestone, charge type) or the partner's event
    behind it and is unique, and every milestone charges in the transaction that applies it, so a
    duplicated, replayed or re-applied callback finds its charge already there. An invoiced charge is
    never edited: a correction is another charge (milestone Correction) for the difference.
    """

    _name = "hub.charge"
    _description = "Logistics Hub Charge"
    _order = "milestone_at desc, id desc"
    _rec_name = "description"

    occurrence_key = fields.Char(required=True, readonly=True, index=True, copy=False)
    picking_id = fields.Many2one("stock.picking", string="Shipment", required=True, ondelete="restrict",
                                 readonly=True, index=True)
    order_id = fields.Many2one("sale.order", string="Order", readonly=True, index="btree_not_null")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True, index=True,
                                 help="Invoiced to: the order's invoice address.")
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    rate_card_id = fields.Many2one("hub.rate.card", readonly=True, ondelete="restrict")
    charge_type = fields.Selection(CHARGE_TYPES, required=True, readonly=True)
    milestone = fields.Selection(MILESTONES, required=True, readonly=True)
    milestone_at = fields.Datetime(required=True, readonly=True, help="When the milestone happened.")
    description = fields.Char(readonly=True, help="How the amount was found: lane, weights, rates.")
    amount = fields.Monetary(readonly=True)
    cost_amount = fields.Monetary(
        string="Carrier Cost", readonly=True,
        help="What the carrier booking cost (transport only), in the charge's currency when the booking was.",
    )
    margin = fields.Monetary(compute="_compute_margin", store=True)
    corrects_charge_id = fields.Many2one("hub.charge", string="Corrects", readonly=True, ondelete="restrict")
    invoice_line_id = fields.Many2one("account.move.line", readonly=True, copy=False, ondelete="set null",
                                      index="btree_not_null")
    invoice_id = fields.Many2one(related="invoice_line_id.move_id", string="Invoice", store=True)
    external_invoice_ref = fields.Char(
        string="External Invoice", readonly=True, copy=False, index="btree_not_null",
        help="The invoice number the external billing engine answered for this charge (customers billed by an "
             "external engine, hub_charge_external.py).")
    state = fields.Selection(
        [("to_invoice", "To Invoice"), ("invoiced", "Invoiced")], compute="_compute_state", store=True, index=True,
    )

    _sql_constraints = [
        ("occurrence_unique", "UNIQUE(occurrence_key)", "A milestone is charged once."),
    ]

    @api.depends("amount", "cost_amount")
    def _compute_margin(self):
        for charge in self:
            charge.margin = charge.amount - charge.cost_amount

    @api.depends("invoice_line_id", "invoice_line_id.parent_state", "external_invoice_ref")
    def _compute_state(self):
        for charge in self:
            invoiced = charge.external_invoice_ref or (
                charge.invoice_line_id and charge.invoice_line_id.parent_state != "cancel")
            charge.state = "invoiced" if invoiced else "to_invoice"

    # ------------------------------------------------------------------
    # Charging at milestones (stock_picking_billing.py)
    # ------------------------------------------------------------------

    @api.model
    def _hub_card(self, picking, on_date):
        """The rate card for a shipment, none when the customer is not billed by rate card; UserError when
        the order is in another currency than the card."""
        customer = (picking.sale_id.partner_id or picking.partner_id).commercial_partner_id
        card = self.env["hub.rate.card"]._hub_card_for(
            customer, on_date, picking.company_id, service_level=picking.hub_carrier_service or None)
        order_currency = picking.sale_id.currency_id
        if card and order_currency and order_currency != card.currency_id:
            raise UserError(_(
                "%(picking)s is not charged: order %(order)s is in %(order_currency)s and rate card %(card)s in "
                "%(card_currency)s.", picking=picking.name, order=picking.sale_id.name,
                order_currency=order_currency.name, card=card.name, card_currency=card.currency_id.name,
            ))
        return card

    @api.model
    def _hub_new(self, picking, card, key, charge_type, milestone, at, amount, description, cost=0.0):
        """A charge, unless its occurrence was charged before (then nothing)."""
        if not card.currency_id.round(amount) or self.sudo().search_count([("occurrence_key", "=", key)]):
            return self.browse()
        order = picking.sale_id
        return self.sudo().create({
            "occurrence_key": key,
            "picking_id": picking.id,
            "order_id": order.id,
            "partner_id": (order.partner_invoice_id or picking.partner_id.commercial_partner_id).id,
            "company_id": picking.company_id.id,
            "currency_id": card.currency_id.id,
            "rate_card_id": card.id,
            "charge_type": charge_type,
            "milestone": milestone,
            "milestone_at": at,
            "amount": card.currency_id.round(amount),
            "cost_amount": card.currency_id.round(cost),
            "description": description,
        })

    @api.model
    def _hub_unrated(self, picking, key, error):
        """A shipment the hub cannot price is an exception for finance, never a zero-price invoice."""
        self.env["hub.exception"]._hub_raise(
            "not_rated", picking, picking.hub_carrier_connector_id, occurrence_key=f"billing:{key}",
            description=str(error.args[0] if error.args else error),
            correlation_id=picking.hub_shipment_event_id.correlation_id or None,
        )

    @api.model
    def _hub_charge_delivery(self, picking):
        """Transport, remote area and fuel at proof of delivery, and detention when the vehicle's arrival
        is known; what was charged before stays as it is."""
        if picking.picking_type_code != "outgoing" or picking.hub_shipment_status != "delivered":
            return self.browse()
        at = picking.hub_delivered_at or fields.Datetime.now()
        key = f"pod:{picking.id}"
        try:
            card = self._hub_card(picking, at.date())
            if not card:
                return self.browse()
            charges = self.browse()
            if not self.sudo().search_count([("occurrence_key", "=", f"{key}:transport")]):
                charges |= self._hub_charge_pod(picking, card, key, at)
            charges |= self._hub_charge_detention(picking, card, at)
        except UserError as error:
            self._hub_unrated(picking, key, error)
            return self.browse()
        return charges

    @api.model
    def _hub_shipment_measures(self, picking):
        """Weight (kg) and volume (cm³) of a shipment as billed: the delivery's shipping weight, else its
        products'; the volume of its products (product volume is in m³)."""
        weight = picking._hub_weight_kg("shipment.delivered")
        volume = sum(
            move.quantity * move.product_id.volume
            for move in picking.move_ids.filtered(lambda m: m.state == "done")
        ) * 1_000_000
        return weight, volume

    @api.model
    def _hub_pod_components(self, picking, card, at):
        """What proof of delivery charges, as ``{charge_type: (amount, description)}``."""
        weight, volume = self._hub_shipment_measures(picking)
        destination = picking.partner_id
        rated = card._hub_rate(destination.country_id, destination.zip, weight, volume, at.date(),
                               distance_km=picking.hub_distance_km or None)
        billed = (f"{rated.billable_weight:g} kg billed (actual {weight:g} kg, dimensional "
                  f"{rated.dimensional_weight:g} kg)")
        minimum = _(", minimum %s applied", rated.transport) if rated.minimum_applied else ""
        return {
            "transport": (rated.transport, f"{picking.name}: {rated.lane.name}, {billed}{minimum}"),
            "remote_area": (rated.remote, f"{picking.name}: remote area {destination.zip or ''}"),
            "fuel": (card._hub_round(rated.fuel),
                     f"{picking.name}: fuel {rated.fuel_percent:g}% of {rated.transport + rated.remote:.2f}"),
        }

    @api.model
    def _hub_charge_pod(self, picking, card, key, at):
        components = self._hub_pod_components(picking, card, at)
        # the booked carrier cost beside the price, when booked in the card's currency
        cost = picking.hub_shipping_cost if picking.hub_shipping_currency == card.currency_id.name else 0.0
        charges = self.browse()
        for charge_type in POD_COMPONENTS:
            amount, description = components[charge_type]
            charges |= self._hub_new(picking, card, f"{key}:{charge_type}", charge_type, "delivered", at, amount,
                                     description, cost=cost if charge_type == "transport" else 0.0)
        return charges

    @api.model
    def _hub_charge_detention(self, picking, card, delivered_at):
        """Waiting at the delivery address: from the vehicle's arrival (the TMS's ARRIVED) to the proof of
        delivery, per started hour beyond the card's free time; once per shipment, whichever of the two
        reports arrives last."""
        if not card.detention_hourly_rate:
            return self.browse()
        arrivals = picking.hub_tracking_event_ids.filtered(lambda e: e.carrier_status == "ARRIVED" and e.occurred_at)
        if not arrivals:
            return self.browse()
        arrived = min(arrivals.mapped("occurred_at"))
        waited = (delivered_at - arrived).total_seconds() / 60
        hours = math.ceil((waited - card.detention_free_minutes) / 60) if waited > card.detention_free_minutes else 0
        return self._hub_new(
            picking, card, f"detention:{picking.id}", "detention", "detention", delivered_at,
            hours * card.detention_hourly_rate,
            f"{picking.name}: waited {waited:.0f} min from arrival, {card.detention_free_minutes} free: "
            f"{hours} h x {card.detention_hourly_rate:.2f}")

    @api.model
    def _hub_charge_failed_delivery(self, picking, tracking_event):
        key = f"redelivery:{picking.id}:{tracking_event.event_uid}"
        try:
            card = self._hub_card(picking, tracking_event.occurred_at.date())
        except UserError as error:
            self._hub_unrated(picking, key, error)
            return self.browse()
        if not card:
            return self.browse()
        return self._hub_new(
            picking, card, key, "redelivery", "delivery_failed", tracking_event.occurred_at, card.redelivery_fee,
            f"{picking.name}: delivery failed ({tracking_event.reason or tracking_event.carrier_status or '-'})")

    @api.model
    def _hub_charge_return(self, return_picking):
        """The return fee, charged on the delivery the goods came back from."""
        delivery = return_picking.move_ids.origin_returned_move_id.picking_id[:1] or return_picking.return_id
        if not delivery:
            return self.browse()
        at = return_picking.date_done or fields.Datetime.now()
        key = f"return:{return_picking.id}"
        try:
            card = self._hub_card(delivery, at.date())
        except UserError as error:
            self._hub_unrated(delivery, key, error)
            return self.browse()
        if not card:
            return self.browse()
        return self._hub_new(delivery, card, key, "return", "returned", at, card.return_fee,
                             f"{delivery.name}: return {return_picking.name} received")

    @api.model
    def _hub_correct_delivery(self, picking):
        """Rate a delivered shipment again with what Odoo holds now (e.g. a weight the carrier corrected):
        one Correction charge per component for the difference to what was charged, nothing when equal.
        Running it twice charges nothing more."""
        charged = self.sudo().search([("picking_id", "=", picking.id), ("charge_type", "in", POD_COMPONENTS),
                                      ("milestone", "in", ("delivered", "correction"))])
        pod = charged.filtered(lambda c: c.milestone == "delivered")
        if not pod:
            raise UserError(_("%s has no charge at proof of delivery to correct.", picking.name))
        card = pod[0].rate_card_id
        expected = self._hub_pod_components(picking, card, picking.hub_delivered_at or fields.Datetime.now())
        now = fields.Datetime.now()
        corrections = len(charged - pod)
        fresh = self.browse()
        for charge_type in POD_COMPONENTS:
            amount, description = expected[charge_type]
            already = sum(charged.filtered(lambda c: c.charge_type == charge_type).mapped("amount"))
            difference = card.currency_id.round(amount - already)
            if card.currency_id.is_zero(difference):
                continue
            corrections += 1
            correction = self._hub_new(
                picking, card, f"correction:{picking.id}:{corrections}", charge_type, "correction", now, difference,
                _("Correction of %(before).2f to %(after).2f: %(description)s", before=already, after=amount,
                  description=description))
            correction.corrects_charge_id = pod.filtered(lambda c: c.charge_type == charge_type)[:1]
            fresh |= correction
        return fresh
