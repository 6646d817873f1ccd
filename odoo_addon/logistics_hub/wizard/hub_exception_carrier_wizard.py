from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..hub.incidents import CARRIER_ADAPTERS


class HubExceptionCarrierWizard(models.TransientModel):
    """Book a delivery of an exception with a carrier a person chooses, bypassing routes."""

    _name = "hub.exception.carrier.wizard"
    _description = "Logistics Hub: Choose Another Carrier"

    exception_id = fields.Many2one("hub.exception", required=True, ondelete="cascade", readonly=True)
    picking_id = fields.Many2one(related="exception_id.picking_id")
    failed_connector_id = fields.Many2one(related="exception_id.connector_id", string="Failed Connector")
    allowed_connector_ids = fields.Many2many("hub.connector", compute="_compute_allowed_connector_ids")
    connector_id = fields.Many2one(
        "hub.connector", string="Carrier", required=True, domain="[('id', 'in', allowed_connector_ids)]",
    )

    @api.depends("exception_id")
    def _compute_allowed_connector_ids(self):
        for wizard in self:
            wizard.allowed_connector_ids = wizard._hub_carriers()

    def _hub_carriers(self):
        """Active carrier connectors, except the one that failed."""
        self.ensure_one()
        return self.env["hub.connector"].search([
            ("adapter", "in", CARRIER_ADAPTERS),
            ("id", "!=", self.exception_id.connector_id.id),
        ])

    def action_confirm(self):
        self.ensure_one()
        exception = self.exception_id
        exception._hub_check_actionable()
        if self.connector_id not in self._hub_carriers():
            raise UserError(_("%s is not an active carrier other than the one that failed.", self.connector_id.name))
        picking = exception.picking_id
        if not picking:
            raise UserError(_("Exception %s is not about a delivery.", exception.name))
        HubEvent = self.env["hub.event"]
        correlation_id = exception.correlation_id or exception.event_id.correlation_id
        if correlation_id:
            HubEvent = HubEvent.with_context(hub_correlation_id=correlation_id)
        event = HubEvent._hub_emit_to(self.connector_id, "picking.done", picking)
        exception.sudo().write({"state": "in_progress", "event_id": event.id})
        message = _("Booking requested with %(carrier)s instead (event %(event)s).",
                    carrier=self.connector_id.name, event=event.uuid)
        exception.message_post(body=message)
        picking.sudo().message_post(body=message)
        return {"type": "ir.actions.act_window_close"}
