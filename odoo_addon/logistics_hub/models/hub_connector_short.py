from odoo import fields, models

SHORT_SHIPMENT_POLICY_SELECTION = [
    ("backorder", "Keep the rest as a backorder"),
    ("cancel", "Cancel the rest"),
]


class HubConnector(models.Model):
    _inherit = "hub.connector"

    # What happens to the units a warehouse reports it did not ship. Either way the short quantity is
    # recorded and a planner gets an exception: nothing an order asked for disappears silently.
    short_shipment_policy = fields.Selection(
        SHORT_SHIPMENT_POLICY_SELECTION,
        string="Short Shipments",
        required=True,
        default="backorder",
        tracking=True,
        help="When this partner ships fewer units than a delivery asks for: keep the rest as a backorder "
        "(Odoo's standard backorder, to be shipped later), or cancel the rest.",
    )
