from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    hub_connector_count = fields.Integer(string="Active Connectors", compute="_compute_hub_counts")
    hub_attention_count = fields.Integer(string="Sync States Needing Attention", compute="_compute_hub_counts")

    def _compute_hub_counts(self):
        connectors = self.env["hub.connector"].sudo().search_count([])
        attention = self.env["hub.sync.state"].sudo().search_count([("status", "in", ("failed", "dead"))])
        for settings in self:
            settings.hub_connector_count = connectors
            settings.hub_attention_count = attention
