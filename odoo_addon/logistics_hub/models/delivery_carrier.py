from odoo import _, fields, models
from odoo.exceptions import UserError


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    # The bridge to Odoo's shipping methods: a shipment the hub books with this connector's carrier is
    # recorded on the delivery under this method (stock.picking._hub_record_shipment), so Odoo's
    # tracking link, delivery slip, customer portal and reports show it like any carrier integration's.
    hub_connector_id = fields.Many2one(
        "hub.connector", string="Logistics Hub Carrier", ondelete="set null", index="btree_not_null",
        domain=[("kind", "in", ("carrier", "tms"))],
        help="Shipments the Logistics Hub books with this carrier connector are filed under this delivery "
             "method, with their tracking number as the delivery's tracking reference.",
    )


class DeliveryCarrierRateCard(models.Model):
    """A delivery method priced by the customer's Logistics Hub rate card: "Add shipping" on a quotation
    quotes what the shipment will be charged at proof of delivery (hub.charge), before Odoo's own margin
    and free-over rules."""

    _inherit = "delivery.carrier"

    delivery_type = fields.Selection(
        selection_add=[("hub_rate_card", "Logistics Hub Rate Card")], ondelete={"hub_rate_card": "set default"})

    def hub_rate_card_rate_shipment(self, order):
        if not self._match_address(order.partner_shipping_id):
            return self._hub_no_rate(_("Error: this delivery method is not available for this address."))
        card = self.env["hub.rate.card"]._hub_card_for(
            order.partner_id, fields.Date.context_today(self, order.date_order), order.company_id)
        if not card:
            return self._hub_no_rate(_("No Logistics Hub rate card applies to %s.", order.partner_id.display_name))
        if card.currency_id != order.currency_id:
            return self._hub_no_rate(_("Rate card %(card)s is in %(card_currency)s, the order in %(currency)s.",
                                       card=card.name, card_currency=card.currency_id.name,
                                       currency=order.currency_id.name))
        lines = order.order_line.filtered(lambda line: not line.is_delivery and not line.display_type)
        volume = sum(line.product_qty * line.product_id.volume for line in lines) * 1_000_000
        destination = order.partner_shipping_id
        try:
            rated = card._hub_rate(destination.country_id, destination.zip, order._get_estimated_weight(), volume,
                                   fields.Date.context_today(self))
        except UserError as error:
            return self._hub_no_rate(error.args[0])
        return {"success": True, "price": card._hub_round(rated.transport + rated.remote + rated.fuel),
                "error_message": False, "warning_message": False}

    def hub_rate_card_send_shipping(self, pickings):
        # The hub books the shipment through its carrier connectors; the tracking number reaches the
        # delivery's carrier_tracking_ref when the booking answers (stock.picking._hub_record_shipment).
        return [{
            "exact_price": self.hub_rate_card_rate_shipment(picking.sale_id)["price"] if picking.sale_id else 0.0,
            "tracking_number": False,
        } for picking in pickings]

    def hub_rate_card_get_tracking_link(self, picking):
        if self.tracking_url and picking.carrier_tracking_ref:
            return self.tracking_url.replace("<shipmenttrackingnumber>", picking.carrier_tracking_ref)
        return False

    def hub_rate_card_cancel_shipment(self, pickings):
        # a booked shipment is cancelled through the hub (exception workbench: cancel the shipment)
        pickings.write({"carrier_tracking_ref": False})

    def _hub_no_rate(self, message):
        return {"success": False, "price": 0.0, "error_message": message, "warning_message": False}
