from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    hub_notify_short_shipment = fields.Boolean(related="company_id.hub_notify_short_shipment", readonly=False)
