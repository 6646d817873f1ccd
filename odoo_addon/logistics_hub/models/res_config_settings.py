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
    # What the sidecar's replicas last said (hub_sidecar.heartbeat, read by hub.dashboard).
    hub_sidecar_state = fields.Selection(
        [("live", "Running"), ("silent", "Silent"), ("stopped", "Stopped"), ("never", "Never started"), ("unknown", "Unknown")],
        string="Sidecar Status", compute="_compute_hub_sidecar",
    )
    hub_sidecar_message = fields.Char(string="Sidecar", compute="_compute_hub_sidecar")
    hub_sidecar_last_beat = fields.Datetime(string="Last Heartbeat", compute="_compute_hub_sidecar")
    hub_sidecar_version = fields.Char(string="Sidecar Version", compute="_compute_hub_sidecar")
    hub_sidecar_replicas = fields.Integer(string="Running Replicas", compute="_compute_hub_sidecar")
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

    @api.depends("company_id")
    def _compute_hub_sidecar(self):
        status = self.env["hub.dashboard"]._hub_sidecar_status()
        for settings in self:
            settings.hub_sidecar_state = status["state"]
            settings.hub_sidecar_message = status["message"]
            settings.hub_sidecar_last_beat = status["last_beat_at"]
            settings.hub_sidecar_version = status["version"]
            settings.hub_sidecar_replicas = status["live_replicas"]
