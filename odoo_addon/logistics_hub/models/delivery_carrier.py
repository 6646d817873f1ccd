from odoo import fields, models


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
