from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import HubCase


@tagged("post_install", "-at_install")
class TestOutbox(HubCase):

    def _count_rows(self, record):
        # Plain SQL on the test's own cursor: the row exists before any commit.
        self.env.cr.execute(
            "SELECT count(*) FROM hub_event WHERE res_model = %s AND res_id = %s", (record._name, record.id)
        )
        return self.env.cr.fetchone()[0]

    def test_confirm_writes_one_pending_event_per_routed_connector(self):
        hook = self._create_connector("hook", "Webhook", ["order.confirmed"])
        order = self._create_order()
        order.action_confirm()

        events = self._events(order, "order.confirmed")
        self.assertEqual(events.connector_id, self.wms | hook)
        self.assertEqual(set(events.mapped("state")), {"pending"})
        self.assertEqual(self._count_rows(order), 2)
        self.assertTrue(events[0].correlation_id)
        self.assertEqual(events[0].correlation_id, events[1].correlation_id)
        data = events[0].payload["order"]
        self.assertEqual(data["name"], order.name)
        self.assertEqual(data["partner"], {
            "name": "Hub Customer", "street": "1 Quay Street", "city": "Rotterdam", "zip": "3011",
            "country_code": "NL",
        })
        self.assertEqual(data["currency"], order.currency_id.name)
        self.assertEqual(data["amount_total"], order.amount_total)
        self.assertEqual(data["lines"], [{
            "line_id": order.order_line.id, "sku": "HUB-SKU-1", "product": self.product.name,
            "quantity": 3.0, "uom": "Units", "price_unit": 10.0,
        }])
        for connector in (self.wms, hook):
            state = self._sync_state(order, connector)
            self.assertEqual(state.status, "pending")
            self.assertIn(state.last_event_id, events)
        self.assertEqual(order.hub_sync_status, "pending")

    def test_no_route_no_event(self):
        self.wms.route_ids.filtered(lambda r: r.event_type == "order.confirmed").active = False
        order = self._create_order()
        order.action_confirm()
        self.assertFalse(self._events(order, "order.confirmed"))
        self.assertFalse(self._sync_state(order, self.wms))

    def test_inactive_connector_no_event(self):
        self.wms.active = False
        order = self._create_order()
        order.action_confirm()
        self.assertFalse(self._events(order))
        self.assertFalse(self._events(order.picking_ids))

    def test_rolled_back_change_leaves_no_event(self):
        order = self._create_order()
        with self.assertRaises(UserError):
            with self.env.cr.savepoint():
                order.action_confirm()
                self.assertEqual(self._count_rows(order), 1)
                raise UserError("the business change fails after the event was written")
        self.assertEqual(order.state, "draft")
        self.assertEqual(self._count_rows(order), 0)
        self.assertFalse(self._sync_state(order, self.wms))

    def test_picking_ready_shares_the_correlation_id_of_its_order(self):
        order = self._create_order()
        order.action_confirm()
        picking = order.picking_ids
        self.assertEqual(picking.state, "assigned")

        ready = self._events(picking, "picking.ready")
        self.assertEqual(len(ready), 1)
        self.assertEqual(ready.correlation_id, self._events(order, "order.confirmed").correlation_id)
        data = ready.payload["picking"]
        self.assertEqual(data["name"], picking.name)
        self.assertEqual(data["origin"], order.name)
        self.assertTrue(data["scheduled_date"].endswith("Z"))
        self.assertEqual(data["partner"]["city"], "Rotterdam")
        self.assertEqual(data["lines"], [{
            "move_id": picking.move_ids.id, "sku": "HUB-SKU-1", "product": self.product.name,
            "quantity": 3.0, "uom": "Units",
        }])

        picking.do_unreserve()
        picking.action_assign()
        self.assertEqual(len(self._events(picking, "picking.ready")), 1, "a delivery is announced once")

    def test_picking_ready_waits_for_stock(self):
        product = self._create_product("HUB-SKU-LATE")
        order = self._create_order([(product, 2)])
        order.action_confirm()
        picking = order.picking_ids
        self.assertNotEqual(picking.state, "assigned")
        self.assertFalse(self._events(picking, "picking.ready"))

        self.env["stock.quant"]._update_available_quantity(product, self.warehouse.lot_stock_id, 5)
        picking.action_assign()
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(len(self._events(picking, "picking.ready")), 1)

    def test_picking_ready_is_written_once_at_commit_however_often_stock_is_reserved(self):
        order = self._create_order()
        order.action_confirm()
        picking = order.picking_ids
        ready = [("event_type", "=", "picking.ready"), ("res_model", "=", "stock.picking"), ("res_id", "=", picking.id)]
        self.assertFalse(self.env["hub.event"].search(ready), "checked just before commit, not at each reservation")
        picking.action_assign()
        picking.do_unreserve()
        picking.action_assign()
        self._at_commit()
        self.assertEqual(self.env["hub.event"].search_count(ready), 1)
        picking.do_unreserve()
        picking.action_assign()
        self._at_commit()
        self.assertEqual(self.env["hub.event"].search_count(ready), 1, "announced once per delivery")

    def test_correlation_id_survives_savepoints(self):
        # Odoo empties cr.precommit.data at every savepoint; a flow must keep one id regardless.
        HubEvent = self.env["hub.event"]
        before = HubEvent._hub_correlation_id()
        with self.env.cr.savepoint():
            pass
        self.assertEqual(HubEvent._hub_correlation_id(), before)

    def test_forced_correlation_id(self):
        order = self._create_order()
        order.with_context(hub_correlation_id="flow-42").action_confirm()
        self.assertEqual(self._events(order).mapped("correlation_id"), ["flow-42"])
        self.assertEqual(set(self._events(order.picking_ids).mapped("correlation_id")), {"flow-42"})

    def test_picking_done_on_validate(self):
        order = self._create_order()
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        done = self._events(picking, "picking.done")
        self.assertEqual(len(done), 1)
        self.assertEqual(self._sync_state(picking, self.wms).last_event_id, done)

    def test_invoice_posted_for_customer_invoices_only(self):
        order = self._create_order()
        order.action_confirm()
        invoice = order._create_invoices()
        self.assertFalse(self._events(invoice))
        invoice.action_post()
        posted = self._events(invoice, "invoice.posted")
        self.assertEqual(len(posted), 1)
        self.assertEqual(posted.payload["invoice"]["invoice_origin"], order.name)
        self.assertEqual(posted.payload["invoice"]["amount_total"], invoice.amount_total)
        self.assertEqual(posted.payload["invoice"]["move_type"], "out_invoice")

        bill = self.env["account.move"].create({
            "move_type": "in_invoice",
            "partner_id": self.customer.id,
            "invoice_date": "2026-01-01",
            "invoice_line_ids": [(0, 0, {"product_id": self.product.id, "quantity": 1, "price_unit": 5})],
        })
        bill.action_post()
        self.assertFalse(self._events(bill))

    def test_order_cancelled(self):
        order = self._create_order()
        order.action_confirm()
        order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(order.state, "cancel")
        cancelled = self._events(order, "order.cancelled")
        self.assertEqual(len(cancelled), 1)
        self.assertEqual(self._sync_state(order, self.wms).last_event_id, cancelled)

        quotation = self._create_order()
        quotation.action_cancel()
        self.assertFalse(self._events(quotation), "partners never heard of a quotation")
