from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ShipmentCase

VIEWER = "logistics_hub.group_hub_viewer"


@tagged("post_install", "-at_install")
class TestOrderStatus(ShipmentCase):
    """The sale order shows where its documents are, and a booked shipment is the
    shipping connector's acknowledgement."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(cls.env, "hub_vis_salesman", groups="sales_team.group_sale_salesman_all_leads")
        cls.hub_user = new_test_user(cls.env, "hub_vis_user", groups="sales_team.group_sale_salesman_all_leads,logistics_hub.group_hub_user")

    def _state_result(self, record, connector, status, attempt=1, error=None):
        event = self._events(record).filtered(lambda e: e.connector_id == connector)[-1]
        return {"event_uuid": event.uuid, "status": status, "attempt": attempt, "error": error,
                "external_ref": None, "at": "2026-11-23T16:00:00Z"}

    def test_order_badge_aggregates_its_deliveries_and_invoices(self):
        order = self._create_order()
        order.action_confirm()
        picking = order.picking_ids
        self._apply_results(self._state_result(order, self.wms, "sent"))
        self._sync_state(picking, self.wms)._hub_acknowledge("WMS-7")
        invoice = order._create_invoices()
        invoice.action_post()
        self._apply_results(self._state_result(invoice, self.wms, "failed", attempt=2, error="HTTP 503"))

        self.assertEqual(order.hub_sync_status, "sent", "the order's own status is unchanged")
        self.assertEqual(order.hub_order_sync_status, "failed", "the invoice's failure shows on the order")
        [wms] = order.hub_order_sync_badges
        self.assertEqual((wms["connector"], wms["status"]), ("WMS Main", "failed"))
        self.assertEqual((wms["res_model"], wms["res_id"]), ("account.move", invoice.id),
                         "a click opens the timeline of the document the badge is about")
        self.assertEqual(
            [(d["res_model"], d["res_id"], d["name"], d["status"]) for d in wms["documents"]],
            [("sale.order", order.id, order.name, "sent"),
             ("stock.picking", picking.id, picking.name, "acknowledged"),
             ("account.move", invoice.id, invoice.name, "failed")],
        )
        self.assertEqual(wms["documents"][1]["external_ref"], "WMS-7")

        picking.move_ids.picked = True
        picking.button_validate()
        self._book(picking)
        badges = {b["connector"]: b for b in order.hub_order_sync_badges}
        self.assertEqual(badges["Best Carrier"]["status"], "acknowledged")
        self.assertEqual(badges["Best Carrier"]["external_ref"], "PF100000001")

    def test_order_without_synced_documents_has_no_badge(self):
        self.wms.route_ids.active = False
        order = self._create_order()
        order.action_confirm()
        self.assertFalse(order.hub_order_sync_status)
        self.assertFalse(order.hub_order_sync_badges)

    def test_salesperson_sees_the_status_but_not_partner_errors(self):
        order = self._create_order()
        order.action_confirm()
        self._apply_results(self._state_result(order, self.wms, "failed", attempt=2, error="HTTP 422: {\"token\": \"x\"}"))

        [own] = order.with_user(self.salesman).hub_sync_badges
        [aggregate] = order.with_user(self.salesman).hub_order_sync_badges
        for badge in (own, aggregate):
            self.assertEqual((badge["status"], badge["attempts"]), ("failed", 2))
            self.assertFalse(badge["last_error"], "partner errors are for hub users")
            self.assertFalse(badge["correlation_id"])
        self.assertEqual(order.with_user(self.salesman).hub_order_sync_status, "failed")
        self.assertEqual(order.with_user(self.hub_user).hub_sync_badges[0]["last_error"], "HTTP 422: {\"token\": \"x\"}")
        self.assertEqual(order.with_user(self.hub_user).hub_order_sync_badges[0]["last_error"], "HTTP 422: {\"token\": \"x\"}")
        with self.assertRaises(AccessError):
            self.env["hub.sync.state"].with_user(self.salesman).search([])
        with self.assertRaises(AccessError):
            self.env["hub.event"].with_user(self.salesman).search([])

    def test_order_form_shows_the_aggregate_badge_to_salespeople(self):
        arch = self.env["sale.order"].with_user(self.salesman).get_views([(False, "form"), (False, "list")])["views"]
        self.assertTrue('name="hub_order_sync_badges"' in arch["form"]["arch"], 'name="hub_order_sync_badges"')
        self.assertTrue('name="hub_order_sync_status"' in arch["list"]["arch"], 'name="hub_order_sync_status"')

    def test_booked_shipment_acknowledges_the_shipping_connector(self):
        picking = self._done_picking()
        self._apply_results(self._state_result(picking, self.wms, "sent"))
        self._sync_state(picking, self.wms)._hub_acknowledge("WMS-1")
        event = self._book(picking)

        state = self._sync_state(picking, self.best)
        self.assertEqual((state.status, state.external_ref, state.last_event_id), ("acknowledged", "PF100000001", event))
        self.assertEqual(picking.hub_sync_status, "acknowledged", "a shipped delivery no longer reads Sent")
        replay = self._result(event, shipment=self._shipment())
        self.assertEqual(self._apply_results(replay)[0]["outcome"], "stale", "the booking's own result changes nothing")
        self.assertEqual(state.status, "acknowledged")

    def test_booking_on_a_carrier_connector_acknowledges_that_connector(self):
        tms = self._create_connector("tms", "Fleet", ["picking.done"], kind="tms", adapter="tms")
        picking = self._done_picking()
        self._book(picking, tracking="JOB-77", carrier="tms", connector=tms, label=None, amount=None)
        state = self._sync_state(picking, tms)
        self.assertEqual((state.status, state.external_ref), ("acknowledged", "JOB-77"))

    def test_sent_without_shipment_stays_sent(self):
        picking = self._done_picking()
        self._apply_results(self._state_result(picking, self.best, "sent"))
        self.assertEqual(self._sync_state(picking, self.best).status, "sent", "no tracking number, no acknowledgement")

    def test_superseded_booking_does_not_acknowledge(self):
        picking = self._done_picking()
        first = self._outbound(picking, self.best)
        swift = self._create_connector("swift-direct", "Swift Direct", [], kind="carrier", adapter="swiftpost")
        second = self.env["hub.event"].sudo().create({
            "direction": "out", "event_type": "picking.done", "connector_id": swift.id,
            "res_model": "stock.picking", "res_id": picking.id, "payload": {},
        })
        self.env["hub.sync.state"].sudo().create({"res_model": "stock.picking", "res_id": picking.id,
                                                  "connector_id": swift.id, "last_event_id": second.id})
        self._apply_results(self._result(second, shipment=self._shipment("SP1", "swiftpost")))
        self._apply_results(self._result(first, shipment=self._shipment("PF9")))
        self.assertEqual(picking.hub_tracking_number, "SP1")
        self.assertEqual(self._sync_state(picking, swift).status, "acknowledged")
        self.assertEqual(self._sync_state(picking, self.best).status, "sent",
                         "a late booking the newer one replaced is not what the delivery ships with")

    def test_order_channel_hears_of_its_delivery(self):
        order = self._create_order()
        order.action_confirm()
        picking = order.picking_ids
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        self._sync_state(picking, self.wms)._hub_acknowledge("WMS-1")
        self.env.cr.precommit.run()
        channels = self.env["bus.bus"].sudo().search([]).mapped("channel")
        self.assertTrue(any(f"sale.order/{order.id}" in c for c in channels),
                        "an open order form reloads its aggregate badge")


@tagged("post_install", "-at_install")
class TestShippingVisibility(ShipmentCase):
    """Shipments in Odoo's standard carrier fields, and warehouse users see them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_user = new_test_user(cls.env, "hub_vis_stock", groups="stock.group_stock_user")
        product = cls.env["product.product"].create({"name": "Shipping", "type": "service"})
        cls.express = cls.env["delivery.carrier"].create({
            "name": "ParcelFast Express", "product_id": product.id, "delivery_type": "fixed",
            "tracking_url": "https://track.parcelfast.example/<shipmenttrackingnumber>",
            "hub_connector_id": cls.parcelfast.id,
        })
        cls.pickup = cls.env["delivery.carrier"].create({"name": "Best price", "product_id": product.id, "delivery_type": "fixed"})

    def test_booking_fills_odoo_carrier_fields(self):
        picking = self._done_picking()
        picking.carrier_id = self.pickup
        self._book(picking)
        self.assertEqual(picking.carrier_tracking_ref, "PF100000001")
        self.assertEqual(picking.carrier_id, self.express, "the delivery method standing for the booked carrier")
        self.assertEqual(picking.carrier_tracking_url, "https://track.parcelfast.example/PF100000001")

        again = self._create_connector("again", "Again", [], kind="carrier", adapter="rate_shop")
        rebooking = self.env["hub.event"]._hub_emit_to(again, "picking.done", picking)
        self._apply_results(self._result(rebooking, shipment=self._shipment("SP200", "swiftpost")))
        self.assertEqual(picking.carrier_tracking_ref, "SP200", "a new booking is a new tracking reference")
        self.assertEqual(picking.carrier_id, self.express, "no delivery method stands for swiftpost: kept")

    def test_booking_without_mapped_carrier_keeps_the_order_method(self):
        self.express.hub_connector_id = False
        picking = self._done_picking()
        picking.carrier_id = self.pickup
        self._book(picking)
        self.assertEqual((picking.carrier_id, picking.carrier_tracking_ref), (self.pickup, "PF100000001"))

    def test_warehouse_users_are_status_viewers(self):
        for groups in ("stock.group_stock_user", "sales_team.group_sale_salesman", "account.group_account_invoice"):
            user = new_test_user(self.env, f"hub_vis_{groups.split('.')[1]}", groups=groups)
            self.assertTrue(user.has_group(VIEWER), groups)
            self.assertFalse(user.has_group("logistics_hub.group_hub_user"), groups)
        self.assertTrue(self.env.ref("logistics_hub.group_hub_user").users <= self.env.ref(VIEWER).users)
        self.assertFalse(new_test_user(self.env, "hub_vis_plain", groups="base.group_user").has_group(VIEWER))

    def test_stock_user_sees_the_shipment_read_only(self):
        picking = self._done_picking()
        self._book(picking)
        self._track("t-1", self._tracking_event("parcelfast:PF100000001:1", "picked_up", "2026-11-24T08:00:00Z"))
        as_stock = picking.with_user(self.stock_user)
        self.assertEqual((as_stock.hub_shipment_status, as_stock.hub_tracking_number), ("picked_up", "PF100000001"))
        self.assertEqual(as_stock.hub_tracking_event_ids.mapped("status"), ["picked_up"])
        [data] = as_stock.web_read({"hub_carrier_connector_id": {"fields": {"display_name": {}}},
                                    "hub_label_attachment_id": {}, "hub_sync_badges": {}})
        self.assertEqual(data["hub_carrier_connector_id"]["display_name"], "ParcelFast")
        self.assertTrue(data["hub_label_attachment_id"])
        self.assertEqual(as_stock.action_hub_download_label()["type"], "ir.actions.act_url")
        self.assertEqual({b["connector"]: b["status"] for b in data["hub_sync_badges"]},
                         {"WMS Main": "pending", "Best Carrier": "acknowledged"})
        self.assertTrue(all(not b["last_error"] for b in data["hub_sync_badges"]))
        with self.assertRaises(AccessError):
            as_stock.read(["hub_shipment_event_id"])
        with self.assertRaises(AccessError):
            self.env["hub.connector"].with_user(self.stock_user).search([])

    def test_picking_views_for_stock_users(self):
        views = self.env["stock.picking"].with_user(self.stock_user).get_views(
            [(False, "form"), (False, "list"), (False, "search")])["views"]
        self.assertTrue('name="hub_shipment"' in views["form"]["arch"], 'name="hub_shipment"')
        self.assertTrue('name="hub_sync_badges"' in views["form"]["arch"], 'name="hub_sync_badges"')
        self.assertTrue('name="hub_shipment_status"' in views["list"]["arch"], 'name="hub_shipment_status"')
        self.assertTrue('name="hub_tracking_number"' in views["search"]["arch"], 'name="hub_tracking_number"')
