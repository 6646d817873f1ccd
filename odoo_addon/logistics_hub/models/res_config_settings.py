from odoo import api, fields, models

from .hub_connector import DEFAULT_SIDECAR_URL
from .hub_dashboard import DEFAULT_SLA_SECONDS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    hub_connector_count = fields.Integer(string="Active Connectors", compute="_compute_hub_counts")
    hub_attention_count = fields.Integer(string="Sync States Needing Attention", compute="_compute_hub_counts")
    hub_sidecar_url = fields.Char(
        string="Sidecar URL",
        config_parameter="logistics_hub.sidecar_url",
        default=DEFAULT_SIDECAR_URL,
        help="Where Odoo reaches the sidecar's admin API (connection tests).",
    )
    hub_sidecar_token = fields.Char(
        string="Sidecar Admin Token",
        config_parameter="logistics_hub.sidecar_token",
        groups="logistics_hub.group_hub_manager",
        help="The sidecar's HUB_ADMIN_TOKEN, sent as a bearer token.",
    )
    hub_sla_seconds = fields.Integer(
        string="Delivery SLA (seconds)",
        config_parameter="logistics_hub.sla_seconds",
        default=DEFAULT_SLA_SECONDS,
        help="An outbound event delivered later than this after it was written misses the SLA (dashboard).",
    )

    # Like base_setup's counters: without a dependency the settings form (a new record, filled by
    # onchange) never computes them and shows 0.
    @api.depends("company_id")
    def _compute_hub_counts(self):
        connectors = self.env["hub.connector"].sudo().search_count([])
        attention = self.env["hub.sync.state"].sudo().search_count([("status", "in", ("failed", "dead"))])
        for settings in self:
            settings.hub_connector_count = connectors
            settings.hub_attention_count = attention
