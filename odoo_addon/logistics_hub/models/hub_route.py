from odoo import api, fields, models

EVENT_TYPE_SELECTION = [
    ("order.confirmed", "Order confirmed"),
    ("order.cancelled", "Order cancelled"),
    ("picking.ready", "Delivery ready"),
    ("picking.done", "Delivery done"),
    ("invoice.posted", "Invoice posted"),
]


class HubRoute(models.Model):
    _name = "hub.route"
    _description = "Logistics Hub Route"
    _order = "connector_id, event_type"

    connector_id = fields.Many2one("hub.connector", required=True, ondelete="cascade", index=True)
    event_type = fields.Selection(EVENT_TYPE_SELECTION, required=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "connector_event_unique",
            "UNIQUE(connector_id, event_type)",
            "A connector has at most one route per event type.",
        ),
    ]

    @api.depends("connector_id.name", "event_type")
    def _compute_display_name(self):
        labels = dict(self._fields["event_type"]._description_selection(self.env))
        for route in self:
            route.display_name = f"{route.connector_id.name} / {labels.get(route.event_type, '')}"

    @api.model
    def _hub_connectors_for(self, event_type):
        """Active connectors an event type is routed to."""
        routes = self.sudo().search([("event_type", "=", event_type), ("connector_id.active", "=", True)])
        return routes.connector_id
