from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import ShipmentCase


@tagged("post_install", "-at_install")
class TestProcessSignals(ShipmentCase):
    """The milestones the hub already sees feed the business processes (hub.process._hub_signal):
    each where it happens, in the same transaction, once per occurrence."""

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _process(self, record, code="order_to_delivery"):
        return self.env["hub.process"].search([
            ("definition_code", "=", code), ("res_model", "=", record._name), ("res_id", "=", record.id),
        ])

    def _steps(self, process):
        return {step.code: step.state for step in process.step_ids}

    def _signals(self, process, signal=None):
        rows = process.signal_ids
        return rows.filtered(lambda row: row.signal == signal) if signal else rows

    def _callback(self, message_id, stage, picking, ref="WMS-F-1", **data):
        message = {
            "id": message_id, "type": f"fulfilment.{stage}", "correlation_id": None,
            "data": {"picking_id": picking.id, "external_ref": ref, "lines": [], **data},
        }
        return self.env["hub.event"].hub_apply_inbound(self.wms.code, [message])

    def _confirmed(self):
        """A confirmed order whose delivery is ready and was announced to the WMS."""
        order = self._create_order()
        order.action_confirm()
        self._at_commit()
        return order, order.picking_ids

    def _wms_accepts(self, picking):
        """The WMS answered picking.ready with its fulfilment (a synchronous acknowledgement)."""
        event = self._outbound(picking, self.wms, "picking.ready")
        self.assertEqual(len(event), 1)
        result = self._result(event)
        result["external_ref"] = "WMS-F-1"
        self.assertEqual(self._apply_results(result)[0]["outcome"], "applied")
        return event

    def _packed_and_booked(self):
        order, picking = self._confirmed()
        self._wms_accepts(picking)
        self.assertEqual(self._callback("wms-m1", "packed", picking)[0]["outcome"], "applied")
        self.assertEqual(picking.state, "done")
        return order, picking

    def _invoice(self, order):
        invoice = order._create_invoices()
        invoice.action_post()
        return invoice

    def _return(self, picking):
        wizard = self.env["stock.return.picking"].with_context(active_id=picking.id, active_model="stock.picking").create({})
        for line in wizard.product_return_moves:
            line.quantity = line.move_id.quantity
        action = wizard.action_create_returns()
        return self.env["stock.picking"].browse(action["res_id"])

    # ------------------------------------------------------------------
    # Order to delivery
    # ------------------------------------------------------------------

    def test_confirmed_order_starts_order_to_delivery(self):
        order = self._create_order()
        self.assertFalse(self._process(order))
        order.action_confirm()
        process = self._process(order)
        self.assertEqual(len(process), 1)
        self.assertEqual(process.state, "running")
        self.assertEqual(process.sale_order_id, order)
        steps = self._steps(process)
        self.assertEqual(steps["confirmed"], "done")
        self.assertEqual(steps["warehouse_acknowledged"], "active")
        row = self._signals(process, "order.confirmed")
        self.assertEqual(row.source_uid, f"order.confirmed:sale.order:{order.id}")
        self.assertEqual(row.outcome, "applied")
        self.assertEqual(process.leg_ids.picking_id, order.picking_ids, "its delivery is a leg")

        # confirmed again after a cancel and reset: the cancelled process stays as it was, a new one runs
        order._action_cancel()
        self.assertEqual(process.state, "cancelled")
        self.assertEqual(self._signals(process, "order.cancelled").source_uid, f"order.cancelled:sale.order:{order.id}")
        order.action_draft()
        order.action_confirm()
        again = self._process(order) - process
        self.assertEqual((len(again), again.state, self._steps(again)["confirmed"]), (1, "running", "done"))
        self.assertEqual((process.state, len(self._signals(process, "order.confirmed"))), ("cancelled", 1))

    def test_quotation_cancelled_signals_nothing(self):
        order = self._create_order()
        order._action_cancel()
        self.assertFalse(self.env["hub.process.signal"].search([("res_model", "=", "sale.order"), ("res_id", "=", order.id)]))

    def test_no_active_definition_no_process(self):
        self.env["hub.process.definition"].search([]).active = False
        order, picking = self._packed_and_booked()
        self.assertFalse(self.env["hub.process"].search([("sale_order_id", "=", order.id)]))
        self.assertFalse(self.env["hub.process.signal"].search([("res_model", "=", "sale.order"), ("res_id", "=", order.id)]))

    def test_users_without_hub_rights_feed_processes(self):
        """A salesperson confirms, a warehouse user validates: neither may read processes, both move them."""
        salesman = new_test_user(self.env, "hub_signal_sales", groups="sales_team.group_sale_salesman")
        storekeeper = new_test_user(self.env, "hub_signal_stock", groups="stock.group_stock_user")
        order = self._create_order()
        order.user_id = salesman  # a salesperson confirms their own orders
        order.with_user(salesman).action_confirm()
        picking = order.picking_ids
        picking.move_ids.picked = True
        picking.with_user(storekeeper).button_validate()
        process = self._process(order)
        self.assertEqual(self._steps(process)["packed"], "done")
        self.assertEqual(self._signals(process, "order.confirmed").create_uid, salesman)

    def test_wms_ack_completes_warehouse_acknowledged_once(self):
        order, picking = self._confirmed()
        process = self._process(order)
        event = self._wms_accepts(picking)
        self.assertEqual(self._steps(process)["warehouse_acknowledged"], "done")
        row = self._signals(process, "warehouse.acknowledged").filtered(lambda r: r.res_model == "stock.picking")
        self.assertEqual(row.source_uid, f"{event.uuid}:sent")
        self.assertEqual(row.connector_id, self.wms)
        self.assertEqual(str(row.occurred_at), "2026-11-23 16:00:00", "the partner's time")
        self.assertEqual(process.current_step_id.code, "packed")

        # the same outcome reported again by a later attempt is the same occurrence
        again = self._result(event, attempt=2)
        self.assertEqual(self._apply_results(again)[0]["outcome"], "applied")
        self.assertEqual(len(self._signals(process).filtered(lambda r: r.source_uid == f"{event.uuid}:sent")), 1)

    def test_rate_shopper_result_is_no_warehouse_ack(self):
        order, picking = self._confirmed()
        picking.move_ids.picked = True
        picking.button_validate()
        event = self._outbound(picking, self.best)
        self._apply_results(self._result(event))  # sent, no shipment: nothing booked yet
        process = self._process(order)
        self.assertFalse(self._signals(process).filtered(lambda r: r.source_uid.startswith(event.uuid)))

    def test_wms_rejection_fails_the_process(self):
        order, picking = self._confirmed()
        event = self._outbound(picking, self.wms, "picking.ready")
        self._apply_results(self._result(event, status="dead", error="422 unknown SKU"))
        process = self._process(order)
        row = self._signals(process, "warehouse.rejected")
        self.assertEqual(row.source_uid, f"{event.uuid}:dead")
        self.assertEqual(row.data["error"], "422 unknown SKU")
        self.assertEqual(self._steps(process)["warehouse_acknowledged"], "failed")
        self.assertEqual(process.state, "failed", "nothing done needed undoing")

    def test_other_dead_delivery_is_delivery_dead(self):
        billing = self._create_connector("billing", "Billing", ["invoice.posted"], kind="billing")
        order, picking = self._packed_and_booked()
        invoice = self._invoice(order)
        event = self._events(invoice, "invoice.posted").filtered(lambda e: e.connector_id == billing)
        self._apply_results(self._result(event, status="dead", error="410 gone"))
        process = self._process(order)
        self.assertEqual(self._signals(process, "delivery.dead").source_uid, f"{event.uuid}:dead")

    def test_fulfilment_callbacks_complete_their_steps_once(self):
        order, picking = self._confirmed()
        process = self._process(order)
        picked = self._callback("wms-m0", "picked", picking, occurred_at="2026-11-23T15:00:00Z")
        self.assertEqual(picked[0]["outcome"], "applied")
        row = self._signals(process, "fulfilment.picked")
        self.assertEqual(row.source_uid, "wms-main:wms-m0")
        self.assertEqual(row.connector_id, self.wms)
        self.assertEqual(str(row.occurred_at), "2026-11-23 15:00:00")
        self.assertEqual(self._steps(process)["warehouse_acknowledged"], "done", "picking is acknowledging")

        self._callback("wms-m1", "packed", picking)
        self.assertEqual(self._callback("wms-m1", "packed", picking)[0]["outcome"], "duplicate")
        packed = self._signals(process, "fulfilment.packed")
        self.assertEqual(len(packed), 1)
        self.assertEqual(packed.outcome, "applied")
        self.assertEqual(self._steps(process)["packed"], "done")
        self.assertEqual(process.step_ids.filtered(lambda s: s.code == "packed").done_signal_id, packed)
        # validating the picking is the same milestone seen by Odoo: logged, the step already done
        done = self._signals(process, "picking.done")
        self.assertEqual(done.source_uid, f"picking.done:stock.picking:{picking.id}")
        self.assertEqual(done.outcome, "late")

        # a stage reported after a later one is applied as nothing: no signal either
        self.assertEqual(self._callback("wms-m2", "picked", picking)[0]["outcome"], "ignored")
        self.assertEqual(len(self._signals(process, "fulfilment.picked")), 1)

    def test_picking_validated_in_odoo_completes_packed(self):
        order, picking = self._confirmed()
        picking.move_ids.picked = True
        picking.button_validate()
        process = self._process(order)
        self.assertEqual(self._signals(process, "picking.done").outcome, "applied")
        self.assertEqual(self._steps(process)["packed"], "done")
        self.assertEqual(self._steps(process)["warehouse_acknowledged"], "passed")

    def test_order_to_delivery_to_invoice(self):
        order, picking = self._packed_and_booked()
        process = self._process(order)
        booking = self._book(picking)
        row = self._signals(process, "shipment.booked")
        self.assertEqual(row.source_uid, f"{booking.uuid}:sent")
        self.assertEqual(row.data["tracking_number"], "PF100000001")
        self.assertEqual(row.connector_id, self.best)
        self.assertEqual(self._steps(process)["carrier_booked"], "done")
        self.assertEqual(process.current_step_id.code, "in_transit")

        pod = {"signed_by": "J. Jansen", "signature_ref": "sig://1", "photo_ref": "photo://1"}
        self._track("t1", self._tracking_event("pf:1:1", "picked_up", "2026-11-24T09:00:00Z"),
                    self._tracking_event("pf:1:2", "in_transit", "2026-11-24T12:00:00Z"))
        self._track("t2", self._tracking_event("pf:1:3", "delivered", "2026-11-25T10:30:00Z", pod=pod))
        self._track("t2", self._tracking_event("pf:1:3", "delivered", "2026-11-25T10:30:00Z", pod=pod))
        self._track("t3", self._tracking_event("pf:1:3", "delivered", "2026-11-25T10:30:00Z", pod=pod))
        transit = self._signals(process, "shipment.in_transit")
        self.assertEqual(transit.mapped("source_uid"), ["pf:1:1", "pf:1:2"])
        self.assertEqual(transit.mapped("outcome"), ["applied", "late"])
        self.assertEqual(transit[0].connector_id, self.parcelfast)
        delivered = self._signals(process, "shipment.delivered")
        self.assertEqual(len(delivered), 1, "a tracking event is one occurrence however often it arrives")
        self.assertEqual(delivered.source_uid, "pf:1:3")
        self.assertEqual(str(delivered.occurred_at), "2026-11-25 10:30:00")
        self.assertEqual(delivered.data["pod"]["signed_by"], "J. Jansen")
        steps = self._steps(process)
        self.assertEqual((steps["in_transit"], steps["delivered"]), ("done", "done"))
        self.assertEqual(process.state, "running")

        invoice = self._invoice(order)
        row = self._signals(process, "invoice.posted")
        self.assertEqual(row.source_uid, f"invoice.posted:account.move:{invoice.id}")
        self.assertEqual(self._steps(process)["invoiced"], "done")
        self.assertEqual(process.state, "completed")
        self.assertTrue(process.ended_at)

        # posted again after a reset: the same occurrence
        invoice.button_draft()
        invoice.action_post()
        self.assertEqual(len(self._signals(process, "invoice.posted")), 1)

    def test_down_payment_invoice_is_not_the_invoice(self):
        order = self._create_order()
        order.action_confirm()
        process = self._process(order)
        wizard = self.env["sale.advance.payment.inv"].with_context(active_model="sale.order", active_ids=order.ids).create({
            "advance_payment_method": "percentage", "amount": 10})
        wizard.create_invoices()
        down_payment = order.invoice_ids
        down_payment.action_post()
        self.assertEqual(down_payment.state, "posted")
        self.assertFalse(self._signals(process, "invoice.posted"), "a down payment invoices no delivery")
        self.assertNotEqual(self._steps(process)["invoiced"], "done")

    def test_delivery_failed_scan_is_signalled(self):
        order, picking = self._packed_and_booked()
        self._book(picking)
        self._track("t1", self._tracking_event("pf:1:9", "delivery_failed", "2026-11-24T09:00:00Z", reason="no_access"))
        row = self._signals(self._process(order), "shipment.delivery_failed")
        self.assertEqual(row.source_uid, "pf:1:9")
        self.assertEqual(row.data["reason"], "no_access")

    def test_dead_booking_fails_the_process_and_settles_compensation(self):
        order, picking = self._packed_and_booked()
        process = self._process(order)
        event = self._outbound(picking, self.best)
        self._apply_results(self._result(event, status="dead", error="every carrier refused"))
        row = self._signals(process, "shipment.booking_failed")
        self.assertEqual(row.source_uid, f"{event.uuid}:dead")
        self.assertEqual(row.connector_id, self.best)
        self.assertEqual(self._steps(process)["carrier_booked"], "failed")
        self.assertEqual(process.state, "compensating", "the warehouse is asked to cancel its fulfilment")
        self.assertFalse(self._signals(process, "delivery.dead"))

        compensating = process.step_ids.filtered(lambda s: s.state == "compensating")
        self.assertEqual(compensating.mapped("code"), ["warehouse_acknowledged"])
        cancel = compensating.compensation_event_id
        self.assertEqual((cancel.event_type, cancel.connector_id), ("fulfilment.cancel", self.wms))
        self._apply_results(self._result(cancel))
        self.assertEqual(compensating.state, "compensated")
        self.assertEqual(process.state, "failed")
        self.assertFalse(self._signals(process).filtered(lambda r: r.source_uid.startswith(cancel.uuid)),
                         "a compensation's result settles it and is no milestone")

    def test_dead_compensation_stays_compensating(self):
        order, picking = self._packed_and_booked()
        process = self._process(order)
        self._apply_results(self._result(self._outbound(picking, self.best), status="dead", error="no carrier"))
        cancel = process.step_ids.filtered(lambda s: s.state == "compensating").compensation_event_id
        self._apply_results(self._result(cancel, status="dead", error="WMS down"))
        self.assertEqual(process.state, "compensating")
        self.assertFalse(self._signals(process, "warehouse.rejected"), "not the warehouse refusing the delivery")

    # ------------------------------------------------------------------
    # Return to refund
    # ------------------------------------------------------------------

    def test_return_authorised_received_and_refunded(self):
        order, picking = self._packed_and_booked()
        self._invoice(order)
        returned = self._return(picking)
        self.assertEqual(returned.picking_type_code, "incoming")
        process = self._process(returned, "return_to_refund")
        self.assertEqual(len(process), 1)
        self.assertEqual(process.sale_order_id, order)
        self.assertEqual(self._signals(process, "return.authorised").source_uid,
                         f"return.authorised:stock.picking:{returned.id}")
        self.assertEqual(self._steps(process)["authorised"], "done")

        # the return's label, booked like any shipment
        self.env["hub.event"]._hub_emit_to(self.best, "picking.ready", returned)
        label = self._events(returned, "picking.ready").filtered(lambda e: e.connector_id == self.best)
        self._apply_results(self._result(label, shipment=self._shipment("PF-RET-1")))
        self.assertEqual(self._signals(process, "return.label_created").source_uid, f"{label.uuid}:sent")
        self.assertEqual(self._steps(process)["return_label"], "done")
        self.assertFalse(self._signals(self._process(order), "shipment.booked").filtered(
            lambda r: r.res_id == returned.id), "a return's label is not the order's shipment")

        # the parcel delivered to the warehouse is not the return received: validating it is
        self._track("r1", self._tracking_event("pf:r:1", "delivered", "2026-11-26T10:00:00Z", tracking="PF-RET-1"))
        self.assertFalse(self._signals(process, "return.received"))
        returned.move_ids.picked = True
        returned.button_validate()
        self.assertEqual(returned.state, "done")
        self.assertEqual(self._signals(process, "return.received").source_uid, f"return.received:stock.picking:{returned.id}")
        self.assertEqual(self._steps(process)["received"], "done")
        self.assertFalse(self._signals(self._process(order)).filtered(lambda r: r.res_id == returned.id),
                         "a return is not a delivery of the order's process")

        process.action_approve()
        self.assertEqual(self._steps(process)["inspected"], "done")
        refund = order.invoice_ids._reverse_moves()
        refund.action_post()
        self.assertEqual(self._signals(process, "refund.posted").source_uid, f"refund.posted:account.move:{refund.id}")
        self.assertEqual(process.state, "completed")

    def test_each_credit_note_refunds_its_own_return(self):
        other = self._create_product("HUB-SKU-2", qty=100)
        order = self._create_order([(self.product, 1), (other, 1)])
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.picked = True
        picking.button_validate()
        invoice = self._invoice(order)
        returns = self.env["stock.picking"]
        for product in (self.product, other):
            wizard = self.env["stock.return.picking"].with_context(active_id=picking.id, active_model="stock.picking").create({})
            for line in wizard.product_return_moves:
                line.quantity = 1 if line.product_id == product else 0
            returns |= self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        first, second = (self._process(r, "return_to_refund") for r in returns)
        credit = invoice._reverse_moves()
        credit.invoice_line_ids.filtered(lambda line: line.product_id == other).unlink()
        credit.action_post()
        self.assertTrue(self._signals(first, "refund.posted"), "the credit note of the first product refunds the first return")
        self.assertFalse(self._signals(second, "refund.posted"), "and not the return of the other product")

    def test_return_of_a_receipt_is_no_customer_return(self):
        receipt_type = self.warehouse.in_type_id
        receipt = self.env["stock.picking"].create({
            "picking_type_id": receipt_type.id,
            "location_id": self.env.ref("stock.stock_location_suppliers").id,
            "location_dest_id": self.warehouse.lot_stock_id.id,
            "move_ids": [Command.create({
                "name": "in", "product_id": self.product.id, "product_uom_qty": 2,
                "product_uom": self.product.uom_id.id,
                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": self.warehouse.lot_stock_id.id,
            })],
        })
        receipt.action_confirm()
        receipt.move_ids.quantity = 2
        receipt.move_ids.picked = True
        receipt.button_validate()
        returned = self._return(receipt)
        self.assertFalse(self._process(returned, "return_to_refund"))
