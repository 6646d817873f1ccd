import logging

from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_repr, float_round, plaintext2html

_logger = logging.getLogger(__name__)

SHIPPED_TYPES = ("fulfilment.shipped", "fulfilment.packed")


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _hub_apply_shipped(self, lines):
        """Validate the picking as the partner shipped it, and never lose what it did not ship.

        A full shipment (or more than ordered) is validated as before. A short one is validated for
        what shipped; the rest stays on Odoo's standard backorder (backorder_id), or is cancelled when
        the connector's policy says so (or the operation type never backorders). Either way the short
        lines are recorded on the order's process and in both chatters, a planner gets an exception,
        and the customer is told when the company wants it.
        """
        self.ensure_one()
        if self.state == "done":
            return super()._hub_apply_shipped(lines)
        shipped = self._hub_shipped_quantities(lines)
        short = [
            (move, move.product_uom_qty, quantity) for move, quantity in shipped.items()
            if float_compare(quantity, move.product_uom_qty, precision_rounding=move.product_uom.rounding) < 0
        ]
        if not short:
            return super()._hub_apply_shipped(lines)
        message = self._hub_shipped_message()
        if message.connector_id.short_shipment_policy == "cancel":
            # The original validation cancels whatever did not ship.
            super()._hub_apply_shipped(lines)
        else:
            self._hub_validate_keeping_backorder(shipped)
        self._hub_record_short_shipment(short, message)

    def _hub_shipped_quantities(self, lines):
        """``{move: quantity}`` the partner shipped for each open move, by the rules of the original
        ``_hub_apply_shipped``: listed moves ship their line's quantity; the others what was picked
        before, else nothing when lines are given and their full demand when none are."""
        self.ensure_one()
        shipped = dict(self._hub_match_lines(lines))
        for move in self.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            if move not in shipped:
                shipped[move] = move.quantity if move.picked else (0.0 if lines else move.product_uom_qty)
        return shipped

    def _hub_validate_keeping_backorder(self, shipped):
        """Validate for the ``shipped`` quantities and keep the rest on a backorder, as the backorder
        wizard's "Create Backorder" does (skip_backorder without picking_ids_not_to_backorder). An
        operation type set to never backorder still cancels the rest: that is Odoo's own setting."""
        self.ensure_one()
        for move, quantity in shipped.items():
            if float_compare(move.quantity, quantity, precision_rounding=move.product_uom.rounding):
                move.quantity = quantity
        self.env["stock.move"].concat(*shipped).picked = True
        self.with_context(skip_backorder=True, skip_sms=True, skip_expired=True).button_validate()
        if self.state != "done":
            raise UserError(_("Picking %s could not be validated.", self.name))

    def _hub_shipped_message(self):
        """The partner message being applied: hub.event._hub_apply_fulfilment logs it (its connector,
        its id) in this transaction before the picking is validated."""
        self.ensure_one()
        return self.env["hub.event"].sudo().search([
            ("direction", "=", "in"), ("res_model", "=", self._name), ("res_id", "=", self.id),
            ("event_type", "in", SHIPPED_TYPES),
        ], order="id desc", limit=1)

    def _hub_record_short_shipment(self, short, message):
        """Record the ``short`` lines ``[(move, ordered, shipped)]`` of this validated picking."""
        self.ensure_one()
        backorders = self.search([("backorder_id", "=", self.id)])
        lines = []
        for move, ordered, shipped in short:
            backorder = backorders.filtered(lambda b: move.product_id in b.move_ids.product_id)[:1]
            lines.append({
                "sku": move.product_id.default_code or "",
                "product": move.product_id.display_name,
                "uom": move.product_uom.name,
                "ordered": ordered,
                "shipped": shipped,
                "short": float_round(ordered - shipped, precision_rounding=move.product_uom.rounding),
                "backorder": backorder.name or "",
            })
        description = self._hub_short_description(lines)
        order = self.sudo().sale_id
        if order:
            self._hub_record_short_on_order(order, lines, description)
        self._hub_raise_short_exception(message, description)
        _logger.info("hub: %s shipped short (%s) correlation_id=%s",
                     self.name, "; ".join(f"{line['sku'] or line['product']} -{line['short']:g}" for line in lines),
                     message.correlation_id)

    def _hub_short_description(self, lines):
        self.ensure_one()
        rows = [_("Delivery %s shipped short:", self.name)]
        for line in lines:
            rows.append(_(
                "%(sku)s: ordered %(ordered)s %(uom)s, shipped %(shipped)s, short %(short)s, %(rest)s",
                sku=line["sku"] or line["product"], ordered=_qty(line["ordered"]), uom=line["uom"],
                shipped=_qty(line["shipped"]), short=_qty(line["short"]),
                rest=_("backorder %s", line["backorder"]) if line["backorder"] else _("rest cancelled"),
            ))
        return "\n".join(rows)

    def _hub_record_short_on_order(self, order, lines, description):
        """Short quantity on the order's process, a note on it and on the order, the customer's mail."""
        self.ensure_one()
        parts = []
        for line in lines:
            parts.append(_(
                "%(short)s %(uom)s of %(product)s (%(rest)s)", short=_qty(line["short"]), uom=line["uom"],
                product=line["product"],
                rest=_("backorder %s", line["backorder"]) if line["backorder"] else _("cancelled"),
            ))
        body = _("Shipped short by %(picking)s: %(lines)s", picking=self.name, lines="; ".join(parts))
        process = self.env["hub.process"].sudo().search([
            ("sale_order_id", "=", order.id), ("definition_code", "=", "order_to_delivery"),
        ], limit=1)
        if process:
            process.short_quantity += sum(line["short"] for line in lines)
            process.message_post(body=body)
            process._hub_notify_changed()
        order.message_post(body=body)
        if order.company_id.hub_notify_short_shipment:
            template = self.env.ref("logistics_hub.mail_template_short_shipment", raise_if_not_found=False)
            if template:
                # Queued, not sent now: the mail must not leave if this transaction rolls back.
                order.with_context(hub_short_shipment_lines=lines).message_post_with_source(
                    template,
                    email_layout_xmlid="mail.mail_notification_layout_with_responsible_signature",
                    subtype_xmlid="mail.mt_comment",
                )

    def _hub_raise_short_exception(self, message, description):
        """One exception per delivery and connector, counted once per partner message; the planner
        (first inventory administrator) gets a to-do to review replenishment."""
        self.ensure_one()
        exception = self.env["hub.exception"]._hub_raise(
            "short_shipment", self, message.connector_id,
            occurrence_key=message.uuid or f"short:{self.id}",
            description=description,
            correlation_id=message.correlation_id,
        )
        planner = self._hub_planner()
        if not planner:
            return exception
        if not exception.user_id:
            exception.user_id = planner
        if not exception.activity_ids.filtered(lambda a: a.user_id == planner):
            exception.activity_schedule(
                "mail.mail_activity_data_todo", user_id=planner.id,
                summary=_("Replenishment review: %s shipped short", self.name),
                note=plaintext2html(description),
            )
        return exception

    def _hub_planner(self):
        root = self.env.ref("base.user_root")
        return self.env.ref("stock.group_stock_manager").sudo().users.filtered(
            lambda u: u.active and not u.share and u != root
        ).sorted("id")[:1]


def _qty(quantity):
    """A quantity as people write it: 2 rather than 2.0, 1.5 as is."""
    return float_repr(quantity, 6).rstrip("0").rstrip(".") if quantity % 1 else str(int(quantity))
