"""The process engine (hub.process): starting, advancing, legs, approvals, SLA timers, compensation, holds.

Runs its own definitions (the defaults are archived here) so it depends neither on the data file nor on
which code points send signals: every signal is sent explicitly, with the occurrence ids the design gives.
"""
from datetime import datetime, timedelta

import pytz

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..models.hub_process import next_cutoff
from .common import HubCase


@tagged("post_install", "-at_install")
class TestProcessEngine(HubCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["hub.process.definition"].search([]).write({"active": False})
        cls.approvers = cls.env["res.groups"].create({"name": "Hub test approvers"})
        cls.approver = new_test_user(cls.env, "hub_approver", groups="base.group_user,logistics_hub.group_hub_user")
        cls.approver.groups_id = [Command.link(cls.approvers.id)]
        cls.outsider = new_test_user(cls.env, "hub_outsider", groups="base.group_user,logistics_hub.group_hub_user")
        cls.manager = new_test_user(
            cls.env, "hub_timer_manager", groups="base.group_user,logistics_hub.group_hub_manager")
        cls.carrier = cls._create_connector("carrier-x", "Carrier X", [], kind="carrier", adapter="parcelfast")
        cls.flow = cls.env["hub.process.definition"].create({
            "name": "Test flow", "code": "test_flow", "trigger_signal": "order.confirmed",
            "step_ids": [
                Command.create({"sequence": 1, "code": "confirmed", "name": "Confirmed",
                                "complete_signals": "order.confirmed"}),
                Command.create({"sequence": 2, "code": "ack", "name": "Acknowledged",
                                "complete_signals": "warehouse.acknowledged", "fail_signals": "warehouse.rejected",
                                "sla_kind": "duration", "sla_minutes": 60, "compensation": "cancel_fulfilment"}),
                Command.create({"sequence": 3, "code": "packed", "name": "Packed", "per_leg": True,
                                "complete_signals": "fulfilment.packed", "sla_kind": "cutoff", "sla_cutoff": 16.0,
                                "compensation": "unreserve_stock"}),
                Command.create({"sequence": 4, "code": "booked", "name": "Booked", "per_leg": True,
                                "complete_signals": "shipment.booked", "fail_signals": "shipment.booking_failed",
                                "compensation": "void_label"}),
                Command.create({"sequence": 5, "code": "in_transit", "name": "In transit", "per_leg": True,
                                "complete_signals": "shipment.in_transit"}),
                Command.create({"sequence": 6, "code": "delivered", "name": "Delivered", "per_leg": True,
                                "complete_signals": "shipment.delivered"}),
                Command.create({"sequence": 7, "code": "invoiced", "name": "Invoiced",
                                "complete_signals": "invoice.posted"}),
            ],
        })
        cls.gate = cls.env["hub.process.definition"].create({
            "name": "Test gate", "code": "test_gate", "trigger_signal": "order.confirmed",
            "step_ids": [
                Command.create({"sequence": 1, "code": "confirmed", "name": "Confirmed",
                                "complete_signals": "order.confirmed"}),
                Command.create({"sequence": 2, "code": "ack", "name": "Acknowledged",
                                "complete_signals": "warehouse.acknowledged", "compensation": "cancel_fulfilment"}),
                Command.create({"sequence": 3, "code": "decide", "name": "Decide", "approval_required": True,
                                "approval_group_id": cls.approvers.id, "sla_kind": "duration", "sla_minutes": 30}),
                Command.create({"sequence": 4, "code": "invoiced", "name": "Invoiced",
                                "complete_signals": "invoice.posted"}),
            ],
        })

    # ------------------------------------------------------------------
    # Builders
    # ------------------------------------------------------------------

    def _signal(self, signal, record, uid, connector=None, at=None):
        return self.env["hub.process"]._hub_signal(signal, record, uid, occurred_at=at, connector=connector)

    def _confirmed_order(self, lines=None):
        order = self._create_order(lines)
        order.action_confirm()
        # the uid of an Odoo-originated one-off milestone: a hook that sent it already makes this a duplicate
        self._signal("order.confirmed", order, f"order.confirmed:sale.order:{order.id}", connector=self.wms)
        return order

    def _process(self, order, definition=None):
        return self.env["hub.process"].search([
            ("definition_code", "=", (definition or self.flow).code),
            ("res_model", "=", "sale.order"), ("res_id", "=", order.id),
        ])

    def _step(self, process, code):
        return process.step_ids.filtered(lambda s: s.code == code)

    def _states(self, process):
        return {step.code: step.state for step in process.step_ids}

    def _to_packed(self, order):
        picking = order.picking_ids
        self._signal("warehouse.acknowledged", picking, "wms-ack-1", connector=self.wms)
        self._signal("fulfilment.packed", picking, "wms-pack-1", connector=self.wms)
        return picking

    # ------------------------------------------------------------------
    # Starting and advancing
    # ------------------------------------------------------------------

    def test_start_and_linear_advancement(self):
        self.warehouse.partner_id.tz = "Europe/Amsterdam"
        order = self._confirmed_order()
        process = self._process(order)
        self.assertEqual(len(process), 1, "one process per document and definition")
        self.assertEqual(process.definition_version, self.flow.version)
        self.assertEqual(process.sale_order_id, order)
        self.assertEqual(process.step_ids.mapped("code"),
                         ["confirmed", "ack", "packed", "booked", "in_transit", "delivered", "invoiced"])
        self.assertEqual(self._step(process, "confirmed").state, "done", "the trigger completes the first step")
        ack = self._step(process, "ack")
        self.assertEqual(ack.state, "active")
        self.assertEqual(ack.deadline, ack.started_at + timedelta(minutes=60))
        self.assertEqual(process.current_step_id, ack)
        self.assertEqual(process.deadline, ack.deadline)
        self.assertEqual(process.leg_ids.picking_id, order.picking_ids)

        picking = order.picking_ids
        self._signal("warehouse.acknowledged", picking, "wms-ack-1", connector=self.wms)
        self.assertEqual(ack.state, "done")
        self.assertEqual(ack.done_signal_id.connector_id, self.wms)
        packed = self._step(process, "packed")
        self.assertEqual(packed.state, "active")
        local = pytz.utc.localize(packed.deadline).astimezone(pytz.timezone("Europe/Amsterdam"))
        self.assertEqual((local.hour, local.minute), (16, 0), "the cut-off is 16:00 in the warehouse's time zone")
        self.assertGreater(packed.deadline, packed.started_at)
        self.assertLessEqual(packed.deadline, packed.started_at + timedelta(days=1))

        for signal, uid in (("fulfilment.packed", "p"), ("shipment.booked", "b"), ("shipment.in_transit", "t"),
                            ("shipment.delivered", "d")):
            self._signal(signal, picking, uid)
        self.assertEqual(process.state, "running")
        self.assertEqual(process.current_step_id.code, "invoiced")
        self._signal("invoice.posted", order, "inv-1")
        self.assertEqual(process.state, "completed")
        self.assertTrue(process.ended_at)
        self.assertFalse(process.current_step_id)
        self.assertEqual(set(self._states(process).values()), {"done"})

    def test_duplicate_signal_has_one_effect(self):
        order = self._confirmed_order()
        process = self._process(order)
        first = self._signal("warehouse.acknowledged", order.picking_ids, "wms-ack-1", connector=self.wms)
        again = self._signal("warehouse.acknowledged", order.picking_ids, "wms-ack-1", connector=self.wms)
        self.assertEqual(len(first.filtered(lambda r: r.process_id == process)), 1)
        self.assertFalse(again, "the same occurrence is taken once")
        self.assertEqual(len(process.signal_ids.filtered(lambda r: r.signal == "warehouse.acknowledged")), 1)
        other = self._signal("warehouse.acknowledged", order.picking_ids, "wms-ack-2", connector=self.wms)
        self.assertEqual(other.filtered(lambda r: r.process_id == process).outcome, "late",
                         "another occurrence for a step already done is late")

    def test_out_of_order_passes_then_upgrades(self):
        order = self._confirmed_order()
        process = self._process(order)
        picking = self._to_packed(order)
        self._signal("shipment.booked", picking, "b1")
        at = datetime(2026, 11, 30, 9, 0, 0)
        delivered = self._signal("shipment.delivered", picking, "d1")
        self.assertEqual(delivered.filtered(lambda r: r.process_id == process).outcome, "applied")
        self.assertEqual(self._step(process, "in_transit").state, "passed", "delivered implies it was in transit")
        self.assertEqual(self._step(process, "delivered").state, "done")
        self.assertEqual(process.current_step_id.code, "invoiced")
        late_scan = self._signal("shipment.in_transit", picking, "t1", at=at)
        self.assertEqual(late_scan.filtered(lambda r: r.process_id == process).outcome, "applied")
        in_transit = self._step(process, "in_transit")
        self.assertEqual(in_transit.state, "done")
        self.assertEqual(in_transit.done_at, at, "upgraded with the real time")

    def test_unknown_and_finished_signals_are_kept(self):
        order = self._confirmed_order()
        process = self._process(order)
        row = self._signal("delivery.dead", order, "dead-1").filtered(lambda r: r.process_id == process)
        self.assertEqual(row.outcome, "ignored")
        self.assertTrue(row.note)
        self._signal("order.cancelled", order, f"order.cancelled:sale.order:{order.id}")
        self.assertEqual(process.state, "cancelled")
        self.assertFalse(process.step_ids.filtered(lambda s: s.state == "active"))
        row = self._signal("warehouse.acknowledged", order.picking_ids, "ack-late").filtered(
            lambda r: r.process_id == process)
        self.assertEqual(row.outcome, "finished")
        self.assertEqual(self._step(process, "ack").state, "pending")

    def test_signal_for_a_document_without_process_is_nothing(self):
        order = self._create_order()
        self.assertFalse(self._signal("warehouse.acknowledged", order, "x-1"))
        self.assertFalse(self._process(order))

    def test_two_legs_per_leg_step_waits_for_both(self):
        order = self._confirmed_order()
        first = order.picking_ids
        second = first.copy()
        self.assertEqual(second.sale_id, order)
        process = self._process(order)
        self._signal("warehouse.acknowledged", order, "ack")
        self._signal("fulfilment.packed", first, "pack-1")
        self.assertEqual(len(process.leg_ids), 2, "each delivery of the order is a leg")
        packed = self._step(process, "packed")
        self.assertEqual(packed.state, "active", "the second delivery is not packed yet")
        self.assertIn("packed", process.leg_ids.filtered(lambda l: l.picking_id == first).reached_step_codes)
        self._signal("fulfilment.packed", second, "pack-2")
        self.assertEqual(packed.state, "done")
        self.assertEqual(self._step(process, "booked").state, "active")
        # a cancelled delivery no longer holds a step back
        self._signal("shipment.booked", first, "book-1")
        second.action_cancel()
        self._signal("shipment.in_transit", first, "transit-1")
        self.assertEqual(self._step(process, "booked").state, "passed")
        self.assertEqual(self._step(process, "in_transit").state, "done")

    def test_definition_change_keeps_running_steps(self):
        order = self._confirmed_order()
        process = self._process(order)
        version = process.definition_version
        self.flow.write({"step_ids": [Command.update(self.flow.step_ids.filtered(lambda s: s.code == "ack").id,
                                                     {"sla_minutes": 5, "name": "Ack (new)"})]})
        self.assertGreater(self.flow.version, version)
        ack = self._step(process, "ack")
        self.assertEqual((ack.sla_minutes, ack.name), (60, "Acknowledged"))
        self.assertEqual(process.definition_version, version)
        later = self._process(self._confirmed_order())
        self.assertEqual(self._step(later, "ack").sla_minutes, 5)
        self.assertEqual(later.definition_version, self.flow.version)

    # ------------------------------------------------------------------
    # Approvals
    # ------------------------------------------------------------------

    def test_approval_refused_to_outsider_then_granted(self):
        order = self._confirmed_order()
        process = self._process(order, self.gate)
        self._signal("warehouse.acknowledged", order.picking_ids, "wms-ack-1", connector=self.wms)
        decide = self._step(process, "decide")
        self.assertEqual(decide.state, "active")
        self.assertTrue(process.waiting_approval)
        self.assertEqual(process.activity_ids.user_id, self.approver, "the approver is asked")
        self.assertFalse(process.with_user(self.outsider).can_decide, "no Approve button for others")
        self.assertTrue(process.with_user(self.approver).can_decide)
        with self.assertRaisesRegex(AccessError, "Hub test approvers"):
            process.with_user(self.outsider).action_approve()
        self.assertEqual(decide.state, "active")
        process.with_user(self.approver).action_approve()
        self.assertEqual(decide.state, "done")
        self.assertFalse(process.waiting_approval)
        self.assertFalse(process.activity_ids, "the approval to-do is done")
        with self.assertRaises(UserError):
            process.with_user(self.approver).action_approve()
        grants = process.signal_ids.filtered(lambda r: r.signal == "approval.granted")
        self.assertEqual(len(grants), 1)
        self.assertEqual(grants.source_uid, f"approval:{decide.id}")
        # a replay of the same decision (a double click racing the first) is the same occurrence
        self.assertFalse(process._hub_log_signal("approval.granted", order, f"approval:{decide.id}", None, None, {}))

    def test_approval_to_do_only_for_who_may_decide(self):
        decide_step = self.gate.step_ids.filtered(lambda s: s.code == "decide")
        decide_step.escalate_user_id = self.outsider
        order = self._confirmed_order()
        process = self._process(order, self.gate)
        self._signal("warehouse.acknowledged", order.picking_ids, "wms-ack-1", connector=self.wms)
        self.assertEqual(process.activity_ids.user_id, self.approver, "the escalation user may not approve: an approver is asked")
        self.approver.groups_id = [Command.unlink(self.approvers.id)]
        self.outsider.groups_id = [Command.link(self.approvers.id)]
        order = self._confirmed_order()
        process = self._process(order, self.gate)
        self._signal("warehouse.acknowledged", order.picking_ids, "wms-ack-2", connector=self.wms)
        self.assertEqual(process.activity_ids.user_id, self.outsider, "an escalation user who may approve is asked")

    def test_reject_compensates(self):
        order = self._confirmed_order()
        process = self._process(order, self.gate)
        self._signal("warehouse.acknowledged", order.picking_ids, "wms-ack-1", connector=self.wms)
        process.with_user(self.approver).action_reject()
        self.assertEqual(self._step(process, "decide").state, "failed")
        ack = self._step(process, "ack")
        self.assertEqual(ack.state, "compensating", ack.compensation_note)
        event = ack.compensation_event_id
        self.assertEqual((event.event_type, event.connector_id, event.res_model, event.res_id),
                         ("fulfilment.cancel", self.wms, "stock.picking", order.picking_ids.id))
        self.assertEqual(event.correlation_id, process.correlation_id)
        self.assertEqual(process.state, "compensating")
        self.assertEqual(process.exception_id.reason, "process_failed")

    # ------------------------------------------------------------------
    # Failure and compensation
    # ------------------------------------------------------------------

    def test_fail_after_packed_compensates_in_reverse_once(self):
        order = self._confirmed_order()
        process = self._process(order)
        picking = self._to_packed(order)
        self.assertEqual(picking.state, "assigned")
        self.env["hub.event"].flush_model()
        before = self.env["hub.event"].search_count([("direction", "=", "out")])
        self._signal("shipment.booking_failed", picking, "book-fail-1", connector=self.carrier)
        self.assertEqual(self._states(process), {
            "confirmed": "done", "ack": "compensating", "packed": "compensated", "booked": "failed",
            "in_transit": "pending", "delivered": "pending", "invoiced": "pending",
        })
        self.assertEqual(picking.state, "confirmed", "the stock reserved for the order is released")
        self.assertEqual(process.state, "compensating")
        events = self.env["hub.event"].search([("direction", "=", "out"), ("correlation_id", "=", process.correlation_id),
                                               ("event_type", "=", "fulfilment.cancel")])
        self.assertEqual(len(events), 1)
        self.assertEqual((events.connector_id, events.res_model, events.res_id), (self.wms, "stock.picking", picking.id))
        exception = process.exception_id
        self.assertEqual(exception.reason, "process_failed")
        self.assertEqual((exception.res_model, exception.res_id, exception.connector_id),
                         ("sale.order", order.id, self.carrier))
        description = exception.description
        self.assertIn("shipment.booking_failed", description)
        self.assertLess(description.index("Packed: Unreserve stock"), description.index("Acknowledged: Cancel the fulfilment"),
                        "compensations run newest step first")
        self.assertTrue(exception.activity_ids, "the responsible group is told")
        # the same failure again, or another one, undoes nothing twice
        self._signal("shipment.booking_failed", picking, "book-fail-1", connector=self.carrier)
        self._signal("shipment.booking_failed", picking, "book-fail-2", connector=self.carrier)
        self.env["hub.event"].flush_model()
        self.assertEqual(self.env["hub.event"].search_count([("direction", "=", "out")]), before + 1)
        self.assertEqual(self.env["hub.exception"].search_count([("reason", "=", "process_failed"),
                                                                 ("res_id", "=", order.id)]), 1)

        # a dead compensation stays open and says so; a delivered one settles the process
        Step = self.env["hub.process.step"]
        Step._hub_compensation_settled(events, False)
        self.assertEqual(self._step(process, "ack").state, "compensating")
        self.assertIn("dead", exception.description)
        Step._hub_compensation_settled(events, True)
        self.assertEqual(self._step(process, "ack").state, "compensated")
        self.assertEqual(process.state, "failed")
        self.assertTrue(process.ended_at)

    def test_two_deliveries_are_each_undone_where_they_were_done(self):
        """Two deliveries from two warehouses: the first booked, every carrier refusing the second. Each
        warehouse gets its cancel, the booked delivery its label void, and the process fails only when
        all of them are confirmed."""
        wms2 = self._create_connector("wms-two", "WMS Two", [], kind="wms", adapter="wms")
        order = self._confirmed_order()
        first = order.picking_ids
        second = first.copy()
        process = self._process(order)
        self._signal("warehouse.acknowledged", first, "ack-1", connector=self.wms)
        self._signal("warehouse.acknowledged", second, "ack-2", connector=wms2)
        self._signal("warehouse.acknowledged", second, "ack-2-again", connector=wms2)
        self._signal("fulfilment.packed", first, "pack-1", connector=self.wms)
        self._signal("fulfilment.packed", second, "pack-2", connector=wms2)
        self._signal("shipment.booked", first, "book-1", connector=self.carrier)
        self.assertEqual(self._step(process, "booked").state, "active", "the second delivery is not booked")
        self._signal("shipment.booking_failed", second, "book-fail-2", connector=self.carrier)
        self.assertEqual(self._states(process), {
            "confirmed": "done", "ack": "compensating", "packed": "compensated", "booked": "failed",
            "in_transit": "pending", "delivered": "pending", "invoiced": "pending",
        })
        sent = self.env["hub.event"].search([("direction", "=", "out"), ("correlation_id", "=", process.correlation_id),
                                             ("event_type", "in", ("fulfilment.cancel", "shipment.void"))], order="id")
        self.assertEqual([(e.event_type, e.connector_id, e.res_id) for e in sent], [
            ("shipment.void", self.carrier, first.id),
            ("fulfilment.cancel", self.wms, first.id),
            ("fulfilment.cancel", wms2, second.id),
        ], "the label first (newest step), then one cancel per warehouse; nothing for what was never booked")
        void, cancel_1, cancel_2 = sent
        self.assertEqual(self._step(process, "booked").compensation_event_ids, void)
        self.assertEqual(self._step(process, "ack").compensation_event_ids, cancel_1 | cancel_2)

        # the sidecar marks an event delivered, then Odoo applies its result
        Step = self.env["hub.process.step"]
        for event in (void, cancel_1):
            event.state = "delivered"
            Step._hub_compensation_settled(event, True)
        self.assertEqual(self._step(process, "ack").state, "compensating", "the second warehouse has not confirmed")
        self.assertEqual(process.state, "compensating")
        cancel_2.state = "delivered"
        Step._hub_compensation_settled(cancel_2, True)
        self.assertEqual(self._step(process, "ack").state, "compensated")
        self.assertEqual(self._step(process, "booked").state, "failed", "the failed step still says it failed")
        self.assertEqual(process.state, "failed")
        self.assertIn("confirmed by WMS Two", process.exception_id.description)

    def test_order_cancelled_and_confirmed_again_runs_a_new_process(self):
        order = self._confirmed_order()
        first = self._process(order)
        order._action_cancel()
        self._signal("order.cancelled", order, f"order.cancelled:sale.order:{order.id}")
        self.assertEqual(first.state, "cancelled")
        order.action_draft()
        order.action_confirm()
        self._signal("order.confirmed", order, f"order.confirmed:sale.order:{order.id}")
        processes = self._process(order)
        self.assertEqual(len(processes), 2, "the cancelled one is kept, a new one follows the order")
        second = processes - first
        self.assertEqual((second.state, self._step(second, "confirmed").state), ("running", "done"))
        self.assertEqual(len(first.signal_ids.filtered(lambda r: r.signal == "order.confirmed")), 1)
        picking = order.picking_ids.filtered(lambda p: p.state != "cancel")
        self._signal("warehouse.acknowledged", picking, "wms-ack-again", connector=self.wms)
        self.assertEqual(self._step(second, "ack").state, "done")
        self.assertEqual(self._step(first, "ack").state, "pending", "the cancelled process takes nothing more")

    def test_a_later_milestone_never_implies_an_approval(self):
        order = self._confirmed_order()
        process = self._process(order, self.gate)
        self._signal("warehouse.acknowledged", order.picking_ids, "wms-ack-1", connector=self.wms)
        invoice = self.env["account.move"].create({"move_type": "out_invoice", "partner_id": self.customer.id})
        self.env["hub.process"]._hub_signal("invoice.posted", order, "invoice-early")
        self.assertEqual(self._step(process, "invoiced").state, "done")
        self.assertEqual(self._step(process, "decide").state, "active", "a person must still decide")
        self.assertEqual(process.state, "running")
        self.assertTrue(invoice)

    def test_failure_of_a_passed_step_still_fails_the_process(self):
        order = self._confirmed_order()
        process = self._process(order)
        self._signal("invoice.posted", order, "invoice-first")  # invoiced on order: every step before it passed
        self.assertEqual(self._step(process, "ack").state, "passed")
        self._signal("warehouse.rejected", order.picking_ids, "wms-refused", connector=self.wms)
        self.assertEqual(self._step(process, "ack").state, "failed")
        self.assertIn(process.state, ("compensating", "failed"))
        self.assertEqual(process.exception_id.reason, "process_failed")

    def test_a_compensation_sent_again_settles_its_step(self):
        order = self._confirmed_order()
        process = self._process(order, self.gate)
        self._signal("warehouse.acknowledged", order.picking_ids, "wms-ack-1", connector=self.wms)
        process.with_user(self.approver).action_reject()
        ack = self._step(process, "ack")
        cancel = ack.compensation_event_id
        Step = self.env["hub.process.step"]
        Step._hub_compensation_settled(cancel, False)  # the WMS was down for good: dead
        replay = self.env["hub.event"].create({
            "event_type": cancel.event_type, "connector_id": cancel.connector_id.id, "res_model": cancel.res_model,
            "res_id": cancel.res_id, "correlation_id": cancel.correlation_id, "payload": cancel.payload,
        })
        cancel._hub_follow_replay(replay)
        self.assertEqual(ack.compensation_event_id, replay)
        Step._hub_compensation_settled(replay, True)
        self.assertEqual(ack.state, "compensated")
        self.assertEqual(process.state, "failed")

    def _failed_with_held_event(self):
        order = self._confirmed_order()
        process = self._process(order)
        picking = order.picking_ids
        self._signal("warehouse.rejected", picking, "wms-reject", connector=self.wms)
        self.assertEqual(process.state, "failed", "nothing done needed undoing")
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        held = self._events(picking, "picking.done")
        self.assertEqual(held.mapped("state"), ["held"], "the delivery news is kept, not sent, after the flow failed")
        self.assertEqual(held.held_process_id, process)
        self.assertEqual(held.payload["picking"]["id"], picking.id, "held with the snapshot a send would have had")
        self.assertEqual(process.held_count, 1)
        self.assertTrue(process.message_ids.filtered(lambda m: "picking.done" in (m.body or "") and "held" in (m.body or "")))
        # a held row opens no lane: the next event of the same record is claimable at once
        cancel = self.env["hub.event"]._hub_emit("order.cancelled", order)
        self.assertEqual(cancel.state, "pending", "cancellations are never held")
        return process, held

    def test_held_events_after_failure(self):
        self._failed_with_held_event()

    def test_release_held_events_sends_them_once(self):
        process, held = self._failed_with_held_event()
        with self.assertRaises(AccessError):
            process.with_user(self.outsider).action_release_held_events()
        self.assertEqual(held.state, "held")
        process.with_user(self.manager).action_release_held_events()
        self.assertEqual(held.state, "pending", "the same row goes out, with its message id")
        sync = self.env["hub.sync.state"].search([
            ("res_model", "=", "stock.picking"), ("res_id", "=", held.res_id), ("connector_id", "=", self.wms.id)])
        self.assertEqual((sync.status, sync.last_event_id), ("pending", held), "the badge shows it on its way")
        self.assertEqual(process.held_count, 0)
        released = process.message_ids.filtered(lambda m: "released 1 held events" in (m.body or ""))
        self.assertEqual(len(released), 1)
        # a second click (or a second manager) sends nothing again
        process.with_user(self.manager).action_release_held_events()
        self.assertEqual(len(process.message_ids.filtered(lambda m: "released" in (m.body or ""))), 1)
        self.assertEqual(self._events(self.env["stock.picking"].browse(held.res_id), "picking.done"), held, "no second row")

    def test_discard_held_events_keeps_them_unsent(self):
        process, held = self._failed_with_held_event()
        with self.assertRaises(AccessError):
            process.with_user(self.outsider).action_discard_held_events()
        process.with_user(self.manager).action_discard_held_events()
        self.assertEqual(held.state, "ignored")
        self.assertEqual(process.held_count, 0)
        # a release after a discard sends nothing
        process.with_user(self.manager).action_release_held_events()
        self.assertEqual(held.state, "ignored")
        self.assertTrue(process.message_ids.filtered(lambda m: "discarded 1 held events" in (m.body or "")))

    def test_release_refused_while_compensating(self):
        order = self._confirmed_order()
        process = self._process(order)
        picking = self._to_packed(order)
        self._signal("shipment.booking_failed", picking, "book-fail", connector=self.carrier)
        self.assertEqual(process.state, "compensating", "waits for the WMS to confirm the cancel")
        self.env["hub.event"]._hub_emit("picking.done", picking)
        self.assertEqual(process.held_count, 1)
        with self.assertRaises(UserError):
            process.with_user(self.manager).action_release_held_events()

    # ------------------------------------------------------------------
    # SLA timers
    # ------------------------------------------------------------------

    def _fire(self, *steps, user=None):
        items = [{"step_id": s.id, "deadline": s.deadline.isoformat() + "Z"} for s in steps]
        return self.env["hub.process.step"].with_user(user or self.manager).hub_fire_timers(items)

    def test_fire_timers_once_and_escalation_levels(self):
        order = self._confirmed_order()
        process = self._process(order)
        ack = self._step(process, "ack")
        first_deadline = ack.deadline
        item = {"step_id": ack.id, "deadline": first_deadline.isoformat() + "Z"}
        Step = self.env["hub.process.step"].with_user(self.manager)
        self.assertEqual(Step.hub_fire_timers([item, item]), [
            {"step_id": ack.id, "outcome": "fired"}, {"step_id": ack.id, "outcome": "stale"},
        ])
        self.assertEqual(Step.hub_fire_timers([item]), [{"step_id": ack.id, "outcome": "stale"}])
        self.assertEqual(ack.escalation_level, 1)
        self.assertTrue(ack.breached_at)
        self.assertTrue(process.is_late)
        self.assertGreater(ack.deadline, first_deadline, "a new deadline for the second level")
        self.assertTrue(process.activity_ids)
        self.assertEqual(self._fire(ack), [{"step_id": ack.id, "outcome": "fired"}])
        self.assertEqual(ack.escalation_level, 2)
        self.assertFalse(ack.deadline, "no level after the Hub Managers")
        managers = self.env.ref("logistics_hub.group_hub_manager").users
        self.assertTrue(process.activity_ids.filtered(lambda a: a.user_id in managers))
        self._signal("warehouse.acknowledged", order, "ack")
        self.assertFalse(process.is_late)
        self.assertFalse(ack.activity_ids.exists())
        self.assertEqual(Step.hub_fire_timers([{"step_id": 2**31 - 1, "deadline": "2026-01-01T00:00:00Z"}]),
                         [{"step_id": 2**31 - 1, "outcome": "missing"}])

    def test_fire_timer_stale_after_approval(self):
        order = self._confirmed_order()
        process = self._process(order, self.gate)
        self._signal("warehouse.acknowledged", order.picking_ids, "wms-ack-1", connector=self.wms)
        decide = self._step(process, "decide")
        item = {"step_id": decide.id, "deadline": decide.deadline.isoformat() + "Z"}
        process.with_user(self.approver).action_approve()
        self.assertEqual(self.env["hub.process.step"].with_user(self.manager).hub_fire_timers([item]),
                         [{"step_id": decide.id, "outcome": "stale"}])
        self.assertFalse(decide.breached_at)

    def test_fire_timer_compensate_policy_fails_process(self):
        self.flow.write({"step_ids": [Command.update(self.flow.step_ids.filtered(lambda s: s.code == "ack").id,
                                                     {"breach_policy": "compensate"})]})
        order = self._confirmed_order()
        process = self._process(order)
        ack = self._step(process, "ack")
        self.assertEqual(self._fire(ack), [{"step_id": ack.id, "outcome": "fired"}])
        self.assertEqual(ack.state, "failed")
        self.assertEqual(process.state, "failed")
        self.assertIn("sla.breached", process.exception_id.description)

    def test_fire_timers_refuses_bad_input(self):
        Step = self.env["hub.process.step"].with_user(self.manager)
        with self.assertRaisesRegex(ValidationError, "items must be a list"):
            Step.hub_fire_timers({"step_id": 1})
        with self.assertRaisesRegex(ValidationError, r"items\[0\]: 'step_id' must be a positive integer"):
            Step.hub_fire_timers([{"step_id": "1", "deadline": "2026-01-01T00:00:00Z"}])
        with self.assertRaisesRegex(ValidationError, r"items\[1\]: 'deadline' is not an ISO 8601 timestamp"):
            Step.hub_fire_timers([{"step_id": 1, "deadline": "2026-01-01T00:00:00Z"},
                                  {"step_id": 1, "deadline": "tomorrow"}])
        with self.assertRaises(AccessError):
            self.env["hub.process.step"].with_user(self.outsider).hub_fire_timers([])

    # ------------------------------------------------------------------
    # Cut-off times and views
    # ------------------------------------------------------------------

    def test_cutoff_is_local_time_across_daylight_saving(self):
        # 17:30 in Amsterdam on the Saturday before summer time: the next 16:00 is Sunday's, in CEST
        self.assertEqual(next_cutoff(datetime(2026, 3, 28, 16, 30), 16.0, "Europe/Amsterdam"),
                         datetime(2026, 3, 29, 14, 0))
        self.assertEqual(next_cutoff(datetime(2026, 3, 28, 8, 0), 16.5, "Europe/Amsterdam"),
                         datetime(2026, 3, 28, 15, 30), "later the same day, at 16:30 CET")
        self.assertEqual(next_cutoff(datetime(2026, 3, 28, 16, 0), 16.0, "UTC"), datetime(2026, 3, 29, 16, 0),
                         "a deadline reached exactly is past: the next one is tomorrow's")
        self.assertEqual(next_cutoff(datetime(2026, 3, 28, 8, 0), 16.0, "Not/AZone"), datetime(2026, 3, 28, 16, 0))

    def test_cutoff_uses_the_warehouse_time_zone_not_the_user_s(self):
        self.warehouse.partner_id.tz = "Asia/Tokyo"
        self.env.user.tz = "America/New_York"
        order = self._confirmed_order()
        packed = self._step(self._process(order), "packed")
        self.assertEqual(packed._hub_local_tz(), "Asia/Tokyo")
        start = datetime(2026, 3, 28, 1, 0)  # 10:00 in Tokyo
        self.assertEqual(packed._hub_deadline_after(start), datetime(2026, 3, 28, 7, 0), "16:00 in Tokyo")

    def test_views_offer_filters_and_decisions(self):
        hub_user = new_test_user(self.env, "hub_process_viewer", groups="base.group_user,logistics_hub.group_hub_user")
        views = self.env["hub.process"].with_user(hub_user).get_views(
            [(False, "list"), (False, "kanban"), (False, "form"), (False, "search")])["views"]
        search = views["search"]["arch"]
        for name in ("late", "waiting_approval", "compensating", "failed"):
            self.assertIn(f'name="{name}"', search)
        self.assertIn('default_group_by="current_step_name"', views["kanban"]["arch"])
        form = views["form"]["arch"]
        for part in ('name="action_approve"', 'name="action_reject"', 'name="step_ids"', 'name="leg_ids"',
                     'name="signal_ids"', "chatter"):
            self.assertIn(part, form)
        order = self._confirmed_order()
        self.assertEqual(self._process(order).with_user(hub_user).read(["current_step_name"])[0]["current_step_name"],
                         "Acknowledged")
        self.assertEqual(self.env.ref("logistics_hub.hub_process_action").res_model, "hub.process")
