import logging
from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)

BILLING_POLICIES = [
    ("shipment", "Per shipment, at proof of delivery"),
    ("weekly", "Weekly, one invoice for the past weeks"),
    ("monthly", "Monthly, one invoice for the past months"),
    ("external", "By the external billing engine"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    hub_billing_policy = fields.Selection(
        BILLING_POLICIES, string="Logistics Billing", default="shipment",
        help="When the Logistics Hub invoices this customer's charges: each shipment when it is delivered "
             "(later charges, e.g. a return, at their own milestone), or all charges of past weeks or months "
             "in one invoice made by the scheduled action on Monday or the 1st; or each charge is sent to the "
             "billing engine (a connector routed for 'Charge billable') as it is made, and the engine's invoice "
             "number is written back on it.",
    )
    hub_billing_post = fields.Boolean(
        string="Post Logistics Invoices", help="Post the invoices of charges at once; else they wait as drafts.")

    @api.model
    def _commercial_fields(self):
        # set on the company, followed by its contacts and addresses
        return super()._commercial_fields() + ["hub_billing_policy", "hub_billing_post"]


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    hub_charge_ids = fields.One2many("hub.charge", "invoice_line_id", string="Logistics Charges", readonly=True)


class HubChargeInvoice(models.Model):
    _inherit = "hub.charge"

    @api.model
    def _hub_invoice_by_policy(self, pickings):
        """Invoice now what a per-shipment customer owes for these shipments once they are delivered;
        charges of customers invoiced by period wait for the scheduled consolidation."""
        due = self.sudo().search([("picking_id", "in", pickings.ids), ("state", "=", "to_invoice")]).filtered(
            lambda c: c.partner_id.commercial_partner_id.hub_billing_policy in (False, "shipment")
            and c.picking_id.hub_shipment_status == "delivered")
        return due._hub_invoice()

    def _hub_invoice(self):
        """One invoice per customer and currency with one line per charge, each line naming its shipment
        and milestone; posted when the customer's policy says so. The charges are locked first, so two
        runs (the scheduled one and a repair) never invoice one charge twice."""
        if not self:
            return self.env["account.move"]
        self.flush_model(["invoice_line_id"])
        self.env["account.move.line"].flush_model(["parent_state"])
        self.env.cr.execute(
            "SELECT id FROM hub_charge WHERE id = ANY(%s) AND invoice_line_id IS NULL FOR UPDATE SKIP LOCKED",
            [self.ids])
        free = self.browse([row[0] for row in self.env.cr.fetchall()])
        # a line of a cancelled invoice no longer invoices its charge: it may be invoiced again
        self.env.cr.execute(
            """SELECT c.id FROM hub_charge c JOIN account_move_line l ON l.id = c.invoice_line_id
               WHERE c.id = ANY(%s) AND l.parent_state = 'cancel' FOR UPDATE OF c SKIP LOCKED""", [self.ids])
        free |= self.browse([row[0] for row in self.env.cr.fetchall()])
        free.invalidate_recordset(["invoice_line_id", "state"])
        groups = defaultdict(list)
        for charge in free.sorted(lambda c: (c.milestone_at, c.id)):
            groups[(charge.partner_id, charge.currency_id, charge.company_id)].append(charge.id)
        moves = self.env["account.move"]
        for (partner, currency, company), ids in groups.items():
            charges = self.browse(ids)
            try:
                # one customer's invoice that cannot be made or posted never holds back the others'
                with self.env.cr.savepoint():
                    moves |= charges._hub_invoice_group(partner, currency, company)
            except (UserError, ValidationError) as error:
                _logger.warning("hub: charges %s of %s not invoiced: %s", charges.ids, partner.display_name, error)
        return moves

    def _hub_invoice_group(self, partner, currency, company):
        """The invoice of one customer's charges; a credit note when they add up to less than zero (a
        correction that lowers an invoiced price). Each line is linked to its charge when it is created."""
        product = self.env.ref("logistics_hub.product_logistics_charge")
        refund = currency.compare_amounts(sum(self.mapped("amount")), 0.0) < 0
        move = self.env["account.move"].sudo().with_company(company).create({
            "move_type": "out_refund" if refund else "out_invoice",
            "partner_id": partner.id,
            "currency_id": currency.id,
            "invoice_origin": ", ".join(dict.fromkeys(self.mapped("picking_id.name")))[:200],
            "narration": _("Logistics charges, one line per shipment milestone."),
            "invoice_line_ids": [fields.Command.create({
                "product_id": product.id,
                "name": charge._hub_invoice_label(),
                "quantity": 1,
                "price_unit": -charge.amount if refund else charge.amount,
                "hub_charge_ids": [fields.Command.link(charge.id)],
            }) for charge in self],
        })
        if partner.commercial_partner_id.hub_billing_post:
            move.action_post()
        return move

    def _hub_invoice_label(self):
        """The invoice line's label: which shipment, which milestone on which day, what for."""
        self.ensure_one()
        return _("%(shipment)s · %(milestone)s %(date)s · %(type)s\n%(description)s",
                 shipment=self.picking_id.name,
                 milestone=dict(self._fields["milestone"]._description_selection(self.env))[self.milestone],
                 date=fields.Date.to_string(self.milestone_at.date()),
                 type=dict(self._fields["charge_type"]._description_selection(self.env))[self.charge_type],
                 description=self.description or "")

    @api.model
    def _hub_period_start(self, policy, today):
        """The first day of the running period: charges before it belong to a period that ended."""
        if policy == "weekly":
            return today - timedelta(days=today.weekday())
        return today.replace(day=1)

    @api.model
    def _hub_cron_consolidate(self, today=None):
        """Invoice the charges of periods that ended, one invoice per customer, currency and company."""
        today = today or fields.Date.context_today(self)
        moves = self.env["account.move"]
        for policy in ("weekly", "monthly"):
            until = datetime.combine(self._hub_period_start(policy, today), time.min)
            due = self.sudo().search([
                ("state", "=", "to_invoice"), ("milestone_at", "<", until),
                ("partner_id.commercial_partner_id.hub_billing_policy", "=", policy),
            ])
            moves |= due._hub_invoice()
        return moves

    def action_hub_invoice_now(self):
        """Invoice the selected charges now, whatever the customer's policy (e.g. a customer leaving)."""
        self.env["hub.event"]._hub_check_manager(_("Only Logistics Hub managers may invoice charges out of their period."))
        to_invoice = self.filtered(lambda c: c.state == "to_invoice")
        if not to_invoice:
            raise UserError(_("Every selected charge is invoiced already."))
        sent = to_invoice._hub_sent_to_engine()
        if sent:
            # the engine may still invoice them: an Odoo invoice as well would bill the customer twice
            raise UserError(_(
                "%(count)s selected charge(s) were sent to the external billing engine and wait for its invoice "
                "number: %(charges)s. Follow them on the charge's Partner Sync.",
                count=len(sent), charges=", ".join(sent[:5].mapped("occurrence_key"))))
        moves = to_invoice._hub_invoice()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "name": _("Invoices"),
            "view_mode": "list,form",
            "domain": [("id", "in", moves.ids)],
        }
