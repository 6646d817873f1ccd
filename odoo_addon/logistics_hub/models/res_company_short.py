from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    hub_notify_short_shipment = fields.Boolean(
        string="Tell customers about short shipments",
        default=False,
        help="When a warehouse ships fewer units than ordered, mail the customer which products ship later "
        "or were cancelled (template: Logistics Hub: short shipment).",
    )
