from collections import defaultdict

from odoo import api, fields, models
from odoo.osv import expression

from ..hub.status import WORST_FIRST, worst_status
from .hub_sync_mixin import HUB_VIEWER
from .hub_sync_state import SYNC_STATUS_SELECTION


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "hub.sync.mixin"]
    _hub_sync_fields = ("hub_sync_status", "hub_sync_summary", "hub_sync_badges",
                        "hub_order_sync_status", "hub_order_sync_badges")

    # Where the order is, for the salesperson: the order's own sync states and those of its deliveries
    # and invoices. A connector's badge shows its most alarming document, which a click opens.
    hub_order_sync_status = fields.Selection(
        SYNC_STATUS_SELECTION, string="Fulfilment Sync", compute="_compute_hub_order_sync", groups=HUB_VIEWER,
        help="Most alarming sync status of the order, its deliveries and its invoices, over all connectors.",
    )
    hub_order_sync_badges = fields.Json(
        string="Partner Sync (order, deliveries, invoices)", compute="_compute_hub_order_sync", groups=HUB_VIEWER,
        help="Per connector, the most alarming sync status of the order, its deliveries and its invoices.",
    )

    @api.depends_context("uid")
    def _compute_hub_order_sync(self):
        documents = self._hub_order_documents()
        keys = {key for keys in documents.values() for key in keys}
        states_by_key = defaultdict(list)
        if keys:
            ids_by_model = defaultdict(list)
            for res_model, res_id in keys:
                ids_by_model[res_model].append(res_id)
            domain = expression.OR([[("res_model", "=", model), ("res_id", "in", ids)] for model, ids in ids_by_model.items()])
            for state in self.env["hub.sync.state"].sudo().search(domain, order="connector_id, id"):
                states_by_key[(state.res_model, state.res_id)].append(state)
        names = self._hub_document_names(keys)
        detailed = self._hub_sees_details()
        for order in self:
            states = [state for key in documents.get(order._origin.id, ()) for state in states_by_key[key]]
            order.hub_order_sync_status = worst_status(s.status for s in states)
            order.hub_order_sync_badges = self._hub_aggregate_badges(states, names, detailed)

    def _hub_order_documents(self):
        """``{order id: [(model, id)]}``: the order, its deliveries, then its customer invoices and refunds.

        Read as superuser: a salesperson may see that the delivery of an order was sent to the
        warehouse without being allowed to open the delivery."""
        documents = {}
        for order in self.sudo():
            if not order._origin.id:
                continue
            documents[order._origin.id] = (
                [("sale.order", order._origin.id)]
                + [("stock.picking", picking_id) for picking_id in sorted(order.picking_ids.ids)]
                + [("account.move", move_id) for move_id in sorted(order.invoice_ids.ids)]
            )
        return documents

    @api.model
    def _hub_document_names(self, keys):
        ids_by_model = defaultdict(list)
        for res_model, res_id in keys:
            ids_by_model[res_model].append(res_id)
        return {
            (model, record.id): record.display_name
            for model, ids in ids_by_model.items()
            for record in self.env[model].sudo().browse(ids)
        }

    @api.model
    def _hub_aggregate_badges(self, states, names, detailed):
        """One badge per connector over the documents' states: the badge of the most alarming one (on a
        tie the newest state, the furthest step) with every document's status listed."""
        by_connector = defaultdict(list)
        for state in states:
            by_connector[state.connector_id].append(state)
        badges = []
        for connector_states in by_connector.values():
            shown = min(connector_states, key=lambda s: (WORST_FIRST.index(s.status), -s.id))
            badge = self._hub_badge(shown, detailed)
            badge.update({
                "res_model": shown.res_model,
                "res_id": shown.res_id,
                "document": names.get((shown.res_model, shown.res_id), False),
                "documents": [{
                    "res_model": s.res_model,
                    "res_id": s.res_id,
                    "name": names.get((s.res_model, s.res_id), False),
                    "status": s.status,
                    "external_ref": s.external_ref or False,
                } for s in connector_states],
            })
            badges.append(badge)
        return badges

    def action_confirm(self):
        res = super().action_confirm()
        confirmed = self.filtered(lambda order: order.state == "sale")
        confirmed._hub_emit("order.confirmed")
        confirmed._hub_process_signal("order.confirmed")
        return res

    def _action_cancel(self):
        # Partners only ever heard of confirmed orders; a dropped quotation is none of their business,
        # and only a confirmed order runs a process.
        confirmed = self.filtered(lambda order: order.state == "sale")
        res = super()._action_cancel()
        cancelled = confirmed.filtered(lambda order: order.state == "cancel")
        cancelled._hub_emit("order.cancelled")
        cancelled._hub_process_signal("order.cancelled")
        return res

    def _hub_process_signal(self, signal):
        """Tell the business processes (hub.process) of these orders that ``signal`` happened.

        An order is confirmed (or cancelled) once per process: a re-confirmed order keeps the
        occurrence key of its first confirmation, so it does not start or advance anything again.
        """
        Process = self.env["hub.process"]
        for order in self:
            Process._hub_signal(signal, order, f"{signal}:{order._name}:{order.id}")

    def _hub_event_payload(self, event_type):
        self.ensure_one()
        return {
            "order": {
                "id": self.id,
                "name": self.name,
                "partner": self._hub_partner_data(self.partner_id),
                "amount_total": self.amount_total,
                "currency": self.currency_id.name,
                "lines": [
                    {
                        "line_id": line.id,
                        "sku": line.product_id.default_code or None,
                        "product": line.product_id.name or line.name,
                        "quantity": line.product_uom_qty,
                        "uom": line.product_uom.name or None,
                        "price_unit": line.price_unit,
                    }
                    for line in self.order_line
                    if not line.display_type
                ],
            }
        }
