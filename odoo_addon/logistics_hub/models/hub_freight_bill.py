import logging

from odoo import _, api, fields, models

from ..hub.audit import variance_text, within_tolerance
from ..hub.messages import MessageError, check_freight_bill_data

_logger = logging.getLogger(__name__)

LINE_STATUSES = [
    ("accepted", "Accepted"),
    ("overcharge", "Overcharge"),
    ("unknown_shipment", "Unknown Shipment"),
    ("duplicate", "Duplicate Line"),
    ("currency_mismatch", "Other Currency"),
]


class HubConnectorFreightAudit(models.Model):
    _inherit = "hub.connector"

    freight_vendor_id = fields.Many2one(
        "res.partner", string="Freight Vendor",
        help="Vendor of the bills made from this carrier's audited freight bills; made from the connector's "
             "name on the first bill when empty.",
    )
    freight_tolerance_amount = fields.Float(
        string="Audit Tolerance", default=0.5, digits=(16, 2),
        help="A freight bill line may charge this much more than the booked price and still be accepted "
             "(or the percentage below, whichever allows more).",
    )
    freight_tolerance_percent = fields.Float(string="Audit Tolerance (%)", default=2.0, digits=(16, 2))

    def _hub_freight_vendor(self):
        self.ensure_one()
        if not self.freight_vendor_id:
            self.sudo().freight_vendor_id = self.env["res.partner"].sudo().create(
                {"name": self.name, "is_company": True, "supplier_rank": 1})
        return self.freight_vendor_id


class HubFreightBill(models.Model):
    """A carrier's freight bill, audited line by line against what the hub booked."""

    _name = "hub.freight.bill"
    _description = "Logistics Hub Freight Bill"
    _inherit = ["mail.thread"]
    _order = "issued_at desc, id desc"

    name = fields.Char(string="Bill", required=True, readonly=True, help="The carrier's bill number.")
    connector_id = fields.Many2one("hub.connector", string="Carrier", required=True, readonly=True,
                                   ondelete="restrict", index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, default=lambda self: self.env.company)
    issued_at = fields.Datetime(readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    line_ids = fields.One2many("hub.freight.bill.line", "bill_id", readonly=True)
    vendor_bill_id = fields.Many2one("account.move", string="Vendor Bill", readonly=True, copy=False)
    amount_billed = fields.Monetary(compute="_compute_amounts", store=True)
    amount_accepted = fields.Monetary(compute="_compute_amounts", store=True)
    variance_count = fields.Integer(compute="_compute_amounts", store=True, string="Variances")

    _sql_constraints = [
        ("bill_unique", "UNIQUE(connector_id, name)", "A carrier's bill is audited once."),
    ]

    @api.depends("line_ids.amount", "line_ids.status")
    def _compute_amounts(self):
        for bill in self:
            accepted = bill.line_ids.filtered(lambda line: line.status == "accepted")
            bill.amount_billed = sum(bill.line_ids.mapped("amount"))
            bill.amount_accepted = sum(accepted.mapped("amount"))
            bill.variance_count = len(bill.line_ids - accepted)

    def _hub_audit(self, lines):
        """Match each line to the shipment booked with this carrier and judge it; accepted lines go on one
        vendor bill, every other line opens an exception with the numbers side by side."""
        self.ensure_one()
        connector = self.connector_id
        Picking = self.env["stock.picking"]
        Line = self.env["hub.freight.bill.line"]
        accepted_before = set(Line.search([
            ("bill_id.connector_id", "=", connector.id), ("status", "=", "accepted"),
        ]).mapped("tracking_number"))
        vals_list = []
        for line in lines:
            number = line["tracking_number"]
            picking = Picking._hub_find_shipment(connector, number)
            booked = picking.hub_shipping_cost if picking else 0.0
            if not picking:
                status = "unknown_shipment"
                note = _("%(tracking)s: no shipment was booked with %(carrier)s under this number; billed %(amount).2f",
                         tracking=number, carrier=connector.name, amount=line["amount"])
            elif number in accepted_before:
                status = "duplicate"
                note = _("%(tracking)s (%(picking)s) is billed again: %(amount).2f; it was accepted on an earlier line",
                         tracking=number, picking=picking.name, amount=line["amount"])
            elif picking.hub_shipping_currency != self.currency_id.name:
                status = "currency_mismatch"
                note = _("%(tracking)s: billed in %(billed)s, booked in %(booked)s",
                         tracking=number, billed=self.currency_id.name, booked=picking.hub_shipping_currency or "-")
            elif within_tolerance(line["amount"], booked, connector.freight_tolerance_amount,
                                  connector.freight_tolerance_percent):
                status, note = "accepted", False
                accepted_before.add(number)
            else:
                status = "overcharge"
                note = variance_text(number, line["amount"], booked, self.currency_id.name,
                                     connector.freight_tolerance_amount, connector.freight_tolerance_percent)
            vals_list.append({
                "bill_id": self.id, "line_ref": line["line_id"], "tracking_number": number,
                "picking_id": picking.id, "amount": line["amount"], "booked_amount": booked,
                "status": status, "note": note, "description": line["description"],
            })
        created = Line.create(vals_list)
        for line in created.filtered(lambda l: l.status != "accepted"):
            self.env["hub.exception"]._hub_raise(
                "freight_variance", line, connector, occurrence_key=f"freight:{line.id}", description=line.note)
        self._hub_vendor_bill(created.filtered(lambda l: l.status == "accepted"))
        self.message_post(body=_("Audited %(count)s line(s): %(accepted)s accepted, %(variances)s variance(s).",
                                 count=len(created), accepted=len(created.filtered(lambda l: l.status == "accepted")),
                                 variances=len(created.filtered(lambda l: l.status != "accepted"))))
        return created

    def _hub_vendor_bill(self, accepted):
        """A draft vendor bill for the accepted lines, each line naming its shipment; finance posts it."""
        self.ensure_one()
        if not accepted:
            return self.env["account.move"]
        product = self.env.ref("logistics_hub.product_freight_cost")
        move = self.env["account.move"].sudo().with_company(self.company_id).create({
            "move_type": "in_invoice",
            "partner_id": self.connector_id._hub_freight_vendor().id,
            "currency_id": self.currency_id.id,
            "ref": self.name,
            "invoice_date": self.issued_at.date() if self.issued_at else fields.Date.context_today(self),
            "invoice_line_ids": [fields.Command.create({
                "product_id": product.id,
                "name": f"{line.tracking_number} · {line.picking_id.name}",
                "quantity": 1,
                "price_unit": line.amount,
                "hub_freight_line_ids": [fields.Command.link(line.id)],
            }) for line in accepted],
        })
        self.vendor_bill_id = move
        return move


class HubFreightBillLine(models.Model):
    _name = "hub.freight.bill.line"
    _description = "Logistics Hub Freight Bill Line"
    _order = "bill_id, id"
    _rec_name = "tracking_number"

    bill_id = fields.Many2one("hub.freight.bill", required=True, ondelete="cascade", index=True, readonly=True)
    currency_id = fields.Many2one(related="bill_id.currency_id")
    line_ref = fields.Char(string="Line", required=True, readonly=True)
    tracking_number = fields.Char(required=True, readonly=True, index=True)
    description = fields.Char(readonly=True)
    picking_id = fields.Many2one("stock.picking", string="Shipment", readonly=True, ondelete="set null")
    amount = fields.Monetary(string="Billed", readonly=True)
    booked_amount = fields.Monetary(string="Booked", readonly=True)
    difference = fields.Monetary(compute="_compute_difference", store=True)
    status = fields.Selection(LINE_STATUSES, required=True, readonly=True, index=True)
    note = fields.Char(readonly=True)
    vendor_line_id = fields.Many2one("account.move.line", string="Vendor Bill Line", readonly=True,
                                     ondelete="set null")

    _sql_constraints = [
        ("line_unique", "UNIQUE(bill_id, line_ref)", "A bill line is audited once."),
    ]

    @api.depends("amount", "booked_amount")
    def _compute_difference(self):
        for line in self:
            line.difference = line.amount - line.booked_amount


class AccountMoveLineFreight(models.Model):
    _inherit = "account.move.line"

    # the inverse lets a vendor bill line be linked to its freight bill line as it is created
    hub_freight_line_ids = fields.One2many("hub.freight.bill.line", "vendor_line_id", string="Freight Bill Lines",
                                           readonly=True)


class HubEventFreightBill(models.Model):
    _inherit = "hub.event"

    @api.model
    def _hub_apply_freight_bill(self, connector, message, context=None):
        """Store and audit a carrier's freight bill once per (carrier, bill number): the same bill in
        another message (polled again, re-sent) is a duplicate."""
        data = check_freight_bill_data(message["data"])
        Bill = self.env["hub.freight.bill"].sudo()
        if Bill.search_count([("connector_id", "=", connector.id), ("name", "=", data["bill_id"])]):
            return "duplicate"
        currency = self.env["res.currency"].with_context(active_test=False).search(
            [("name", "=", data["currency"])], limit=1)
        if not currency:
            raise MessageError(f"data: unknown currency {data['currency']!r}")
        bill = Bill.create({
            "name": data["bill_id"], "connector_id": connector.id, "issued_at": data["issued_at"],
            "currency_id": currency.id,
        })
        self._hub_record_inbound(connector, message, bill)
        lines = bill._hub_audit(data["lines"])
        _logger.info("hub: inbound %s freight.bill %s from %s: %s line(s), %s variance(s)", message["id"],
                     data["bill_id"], connector.code, len(lines), bill.variance_count)
        return "applied"


class HubRecordMixinFreight(models.AbstractModel):
    _inherit = "hub.record.mixin"

    @api.model
    def _selection_record_ref(self):
        # a freight bill's inbound log row points at the bill, a variance exception at its line
        return super()._selection_record_ref() + [
            ("hub.freight.bill", "Freight Bill"), ("hub.freight.bill.line", "Freight Bill Line")]
