from odoo.tests import tagged

from .common import HubCase

TEMPLATE_SUBJECT = "ships later"


@tagged("post_install", "-at_install")
class TestShortPick(HubCase):
    """A warehouse that ships fewer units than ordered: what shipped is validated and billed, the rest
    stays on a backorder (or is cancelled by the connector's policy), and people are told."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls._create_product("HUB-SKU-2", qty=100)
        for product in cls.product | cls.other:
            # Billing by delivered quantity: an invoice charges only what shipped.
            product.invoice_policy = "delivery"

    def setUp(self):
        super().setUp()
        self.order = self._create_order([(self.product, 3), (self.other, 4)])
        self.order.action_confirm()
        self._at_commit()  # the confirmation commits (and sends picking.ready) before any callback
        self.picking = self.order.picking_ids
        self.assertEqual(self.picking.state, "assigned")
        self.assertTrue(self._sync_state(self.picking, self.wms), "the delivery was sent to the WMS")

    def _ship(self, msg_id, lines=None, picking=None, stage="shipped"):
        picking = picking or self.picking
        message = {
            "id": msg_id, "type": f"fulfilment.{stage}", "correlation_id": "corr-short",
            "data": {"picking_id": picking.id, "external_ref": "WMS-F-1", "lines": lines or []},
        }
        return self.env["hub.event"].hub_apply_inbound("wms-main", [message])

    def _line(self, sku, quantity):
        return {"move_id": None, "sku": sku, "quantity": quantity}

    def _move(self, picking, product):
        return picking.move_ids.filtered(lambda m: m.product_id == product)

    def _backorders(self, picking=None):
        return self.env["stock.picking"].search([("backorder_id", "=", (picking or self.picking).id)])

    def _exceptions(self, picking=None):
        return self.env["hub.exception"].search([
            ("res_model", "=", "stock.picking"), ("res_id", "=", (picking or self.picking).id),
            ("reason", "=", "short_shipment"),
        ])

    def _process(self):
        """The order's order-to-delivery process: the engine's, or one made here while it has none."""
        Process = self.env["hub.process"]
        process = Process.search([("sale_order_id", "=", self.order.id), ("definition_code", "=", "order_to_delivery")])
        return process or Process.create({
            "name": f"Order to delivery {self.order.name}",
            "definition_id": self.env.ref("logistics_hub.process_order_to_delivery").id,
            "definition_code": "order_to_delivery",
            "res_model": "sale.order",
            "res_id": self.order.id,
            "sale_order_id": self.order.id,
        })

    def _delivered(self, product):
        return self.order.order_line.filtered(lambda line: line.product_id == product).qty_delivered

    def _customer_mails(self):
        return self.order.message_ids.filtered(
            lambda m: TEMPLATE_SUBJECT in (m.subject or "") and self.customer in m.partner_ids
        )

    def _planner(self):
        return self.env.ref("stock.group_stock_manager").users.filtered(
            lambda u: u.active and not u.share and u != self.env.ref("base.user_root")
        ).sorted("id")[:1]

    def test_full_shipment_is_unchanged(self):
        process = self._process()
        self.assertEqual(self._ship("m1")[0]["outcome"], "applied")
        self.assertEqual(self.picking.state, "done")
        self.assertFalse(self._backorders())
        self.assertFalse(self._exceptions())
        self.assertEqual(process.short_quantity, 0)
        self.assertEqual((self._delivered(self.product), self._delivered(self.other)), (3, 4))
        self.assertFalse(self.order.message_ids.filtered(lambda m: "Shipped short" in (m.body or "")))

    def test_short_shipment_keeps_a_backorder_and_opens_one_exception(self):
        process = self._process()
        lines = [self._line("HUB-SKU-1", 2), self._line("HUB-SKU-2", 4)]
        self.assertEqual(self._ship("m1", lines), [{"id": "m1", "outcome": "applied"}])

        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self._move(self.picking, self.product).quantity, 2)
        self.assertEqual(self._move(self.picking, self.other).quantity, 4)
        backorder = self._backorders()
        self.assertEqual(len(backorder), 1, "the rest is Odoo's standard backorder of the delivery")
        self.assertEqual(backorder.move_ids.product_id, self.product, "only the short product follows")
        self.assertEqual(backorder.move_ids.product_uom_qty, 1)
        self.assertNotIn(backorder.state, ("done", "cancel"))
        self.assertEqual(backorder.sale_id, self.order)

        exception = self._exceptions()
        self.assertEqual(len(exception), 1)
        self.assertEqual((exception.connector_id, exception.occurrences, exception.occurrence_key), (self.wms, 1, "m1"))
        self.assertEqual(exception.correlation_id, "corr-short")
        self.assertIn("HUB-SKU-1: ordered 3 Units, shipped 2, short 1, backorder " + backorder.name, exception.description)
        self.assertNotIn("HUB-SKU-2", exception.description, "a line shipped in full is not short")
        planner = self._planner()
        self.assertTrue(planner.has_group("stock.group_stock_manager"))
        self.assertEqual(exception.user_id, planner)
        self.assertIn(planner, exception.activity_ids.user_id, "the planner has a to-do to review replenishment")

        self.assertEqual(process.short_quantity, 1)
        self.assertIn("1 Units of", process.message_ids[0].body)
        self.assertIn(backorder.name, process.message_ids[0].body)
        note = self.order.message_ids.filtered(lambda m: "Shipped short by" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn(self.product.name, note.body)
        self.assertFalse(self._customer_mails(), "customers are not mailed unless the company says so")

        # The same partner message again: a duplicate, nothing counted twice.
        self.assertEqual(self._ship("m1", lines), [{"id": "m1", "outcome": "duplicate"}])
        self.assertEqual(len(self._exceptions()), 1)
        self.assertEqual(exception.occurrences, 1)
        self.assertEqual(process.short_quantity, 1)
        self.assertEqual(len(self._backorders()), 1)

    def test_billing_charges_only_what_shipped(self):
        self._ship("m1", [self._line("HUB-SKU-1", 2)])
        self.assertEqual((self._delivered(self.product), self._delivered(self.other)), (2, 0))
        invoice = self.order._create_invoices()
        self.assertEqual(
            {line.product_id: line.quantity for line in invoice.invoice_line_ids if line.product_id},
            {self.product: 2},
        )
        self.assertEqual(invoice.amount_untaxed, 20.0)
        # The backorder keeps the other product whole and the missing unit of the first.
        backorder = self._backorders()
        self.assertEqual(
            {move.product_id: move.product_uom_qty for move in backorder.move_ids},
            {self.product: 1, self.other: 4},
        )
        exception = self._exceptions()
        self.assertIn("HUB-SKU-2: ordered 4 Units, shipped 0, short 4", exception.description)

    def test_short_quantity_sums_over_the_deliveries_of_the_order(self):
        process = self._process()
        self._ship("m1", [self._line("HUB-SKU-1", 2), self._line("HUB-SKU-2", 4)])
        backorder = self._backorders()
        self._at_commit()
        if not self._sync_state(backorder, self.wms):
            # The backorder reaches the WMS as any ready delivery does; send it here if routing did not.
            self.env["hub.sync.state"].create({
                "res_model": "stock.picking", "res_id": backorder.id, "connector_id": self.wms.id,
            })
        self.assertEqual(self._ship("m2", [self._line("HUB-SKU-1", 0.5)], picking=backorder, stage="packed")[0]["outcome"],
                         "applied")
        self.assertEqual(process.short_quantity, 1.5)
        self.assertEqual(self._move(self._backorders(backorder), self.product).product_uom_qty, 0.5)
        self.assertEqual(len(self._exceptions(backorder)), 1)
        self.assertEqual(self._delivered(self.product), 2.5)

    def test_cancel_policy_cancels_the_rest(self):
        self.wms.short_shipment_policy = "cancel"
        process = self._process()
        self._ship("m1", [self._line("HUB-SKU-1", 2), self._line("HUB-SKU-2", 4)])
        self.assertEqual(self.picking.state, "done")
        self.assertFalse(self._backorders())
        self.assertEqual(self._move(self.picking, self.product).quantity, 2)
        exception = self._exceptions()
        self.assertEqual(len(exception), 1, "a cancelled rest still needs a person")
        self.assertIn("HUB-SKU-1: ordered 3 Units, shipped 2, short 1, rest cancelled", exception.description)
        self.assertEqual(process.short_quantity, 1)
        self.assertEqual(self._delivered(self.product), 2)

    def test_customer_is_mailed_when_the_company_wants_it(self):
        self.env["res.config.settings"].create({"hub_notify_short_shipment": True}).execute()
        self.assertTrue(self.env.company.hub_notify_short_shipment)
        self._ship("m1", [self._line("HUB-SKU-1", 2), self._line("HUB-SKU-2", 4)])
        mail = self._customer_mails()
        self.assertEqual(len(mail), 1)
        self.assertIn(self.product.name, mail.body)
        self.assertIn("2 of 3", mail.body)
        self.assertIn("will follow in a later delivery", mail.body)
        self.assertNotIn(self.other.name, mail.body)

    def test_customer_mail_says_when_the_rest_is_cancelled(self):
        self.env.company.hub_notify_short_shipment = True
        self.wms.short_shipment_policy = "cancel"
        self._ship("m1", [self._line("HUB-SKU-1", 2), self._line("HUB-SKU-2", 4)])
        self.assertIn("will not be delivered", self._customer_mails().body)

    def test_full_shipment_mails_nobody(self):
        self.env.company.hub_notify_short_shipment = True
        self._ship("m1")
        self.assertFalse(self._customer_mails())

    def test_shipping_more_than_ordered_is_unchanged(self):
        self.assertEqual(self._ship("m1", [self._line("HUB-SKU-1", 5), self._line("HUB-SKU-2", 4)])[0]["outcome"],
                         "applied")
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self._move(self.picking, self.product).quantity, 5)
        self.assertFalse(self._backorders())
        self.assertFalse(self._exceptions())
        self.assertEqual(self._delivered(self.product), 5, "what shipped is what is billed")

    def test_an_operation_type_that_never_backorders_cancels_the_rest(self):
        # Odoo's own setting on the operation type wins over the connector's policy, and says so.
        self.picking.picking_type_id.create_backorder = "never"
        self._ship("m1", [self._line("HUB-SKU-1", 2), self._line("HUB-SKU-2", 4)])
        self.assertEqual(self.picking.state, "done")
        self.assertFalse(self._backorders())
        self.assertIn("short 1, rest cancelled", self._exceptions().description)

    def test_forms_show_the_policy_and_the_setting(self):
        connector_form = self.env["hub.connector"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="short_shipment_policy"', connector_form)
        self.assertEqual(self.env["hub.connector"].create({"code": "wms-2", "name": "WMS 2"}).short_shipment_policy,
                         "backorder")
        settings_form = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="hub_notify_short_shipment"', settings_form)
        self.assertFalse(self.env["res.company"].create({"name": "Other Co"}).hub_notify_short_shipment)
