from odoo import _, models
from odoo.exceptions import UserError

from ..hub.envelope import iso_utc


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "hub.sync.mixin"]

    def _action_done(self):
        res = super()._action_done()
        self.filtered(
            lambda picking: picking.state == "done" and picking.picking_type_code == "outgoing"
        )._hub_emit("picking.done")
        return res

    def _hub_emit_ready(self):
        """Emit picking.ready once per delivery, the first time it is fully ready to ship."""
        ready = self.filtered(lambda p: p.picking_type_code == "outgoing" and p.state == "assigned")
        if not ready or not self.env["hub.route"]._hub_connectors_for("picking.ready"):
            return
        announced = set(self.env["hub.event"].sudo().search([
            ("direction", "=", "out"),
            ("event_type", "=", "picking.ready"),
            ("res_model", "=", self._name),
            ("res_id", "in", ready.ids),
        ]).mapped("res_id"))
        ready.filtered(lambda p: p.id not in announced)._hub_emit("picking.ready")

    def _hub_event_payload(self, event_type):
        self.ensure_one()
        return {
            "picking": {
                "id": self.id,
                "name": self.name,
                "origin": self.origin or None,
                "scheduled_date": iso_utc(self.scheduled_date),
                "partner": self._hub_partner_data(self.partner_id),
                "lines": [
                    {
                        "move_id": move.id,
                        "sku": move.product_id.default_code or None,
                        "product": move.product_id.name,
                        "quantity": move.product_uom_qty,
                        "uom": move.product_uom.name or None,
                    }
                    for move in self.move_ids
                    if move.state != "cancel"
                ],
            }
        }

    # ------------------------------------------------------------------
    # Partner callbacks (hub.event.hub_apply_inbound)
    # ------------------------------------------------------------------

    def _hub_match_lines(self, lines):
        """``[(move, quantity)]`` for callback lines: by move id, else by SKU (product reference)."""
        self.ensure_one()
        open_moves = self.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        matched = []
        for line in lines:
            if line["move_id"]:
                move = open_moves.filtered(lambda m: m.id == line["move_id"])
            else:
                move = open_moves.filtered(
                    lambda m: m.product_id.default_code == line["sku"] and m not in [pair[0] for pair in matched]
                )[:1]
            if not move:
                raise UserError(_(
                    "Line %(line)s matches no open move of picking %(picking)s.",
                    line=line["move_id"] or line["sku"], picking=self.name,
                ))
            matched.append((move, line["quantity"]))
        return matched

    def _hub_apply_picked(self, lines):
        self.ensure_one()
        if not lines:
            self.move_ids.filtered(lambda m: m.state not in ("done", "cancel")).picked = True
            return
        for move, quantity in self._hub_match_lines(lines):
            move.quantity = quantity
            move.picked = True

    def _hub_apply_shipped(self, lines):
        """Validate the picking as the partner shipped it, without backorder.

        Lines, when given, are the shipped content: moves they do not list ship what was picked
        before, or nothing. Without lines, moves not picked before ship their full demand.
        """
        self.ensure_one()
        if self.state == "done":
            return
        open_moves = self.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        listed = self.env["stock.move"]
        for move, quantity in self._hub_match_lines(lines):
            move.quantity = quantity
            listed |= move
        for move in open_moves - listed:
            if not move.picked:
                move.quantity = 0 if lines else move.product_uom_qty
        open_moves.picked = True
        self.with_context(
            skip_backorder=True,
            picking_ids_not_to_backorder=self.ids,
            skip_sms=True,
            skip_expired=True,
        ).button_validate()
        if self.state != "done":
            raise UserError(_("Picking %s could not be validated.", self.name))
