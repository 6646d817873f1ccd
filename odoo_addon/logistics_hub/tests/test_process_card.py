import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..hub.channels import PROCESS_NOTIFICATION_TYPE, SYNC_NOTIFICATION_TYPE, sync_channel
from .common import HubCase


@tagged("post_install", "-at_install")
class TestProcessCard(HubCase):
    """What the process card widget shows on a sale order and a return, and its bus notifications.

    The processes are written directly (as the engine leaves them), so the card is checked against
    known states without depending on how signals advance them (test_process_engine does that).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order_flow = cls.env.ref("logistics_hub.process_order_to_delivery")
        cls.return_flow = cls.env.ref("logistics_hub.process_return_to_refund")
        cls.manager = new_test_user(cls.env, "hub_card_manager", groups="base.group_user,logistics_hub.group_hub_manager")
        cls.viewer = new_test_user(cls.env, "hub_card_viewer", groups="base.group_user,sales_team.group_sale_salesman_all_leads")
        cls.plain = new_test_user(cls.env, "hub_card_plain", groups="base.group_user")

    def setUp(self):
        super().setUp()
        self.now = fields.Datetime.now()
        # A draft order: confirming one starts the real process, which these tests write themselves.
        self.order = self._create_order()

    # ------------------------------------------------------------------
    # Builders
    # ------------------------------------------------------------------

    def _process(self, definition, record, order, states, **vals):
        """A process of ``definition`` on ``record`` whose steps are in ``states`` ({code: state}),
        the first active one current."""
        process = self.env["hub.process"].create({
            "name": f"{definition.code}/{record._name}/{record.id}",
            "definition_id": definition.id,
            "definition_code": definition.code,
            "definition_version": definition.version,
            "res_model": record._name,
            "res_id": record.id,
            "sale_order_id": order.id,
            "started_at": self.now - timedelta(hours=5),
            "step_ids": [(0, 0, values) for values in definition._hub_step_values()],
            **vals,
        })
        for step in process.step_ids:
            state = states.get(step.code, "pending")
            values = {"state": state}
            if state != "pending":
                values["started_at"] = self.now - timedelta(hours=4)
            if state in ("done", "passed", "failed", "compensated"):
                values["done_at"] = self.now - timedelta(hours=3)
            step.write(values)
        current = process.step_ids.filtered(lambda s: s.state == "active")[:1]
        process.write({"current_step_id": current.id, "deadline": current.deadline})
        return process

    def _step(self, process, code):
        return process.step_ids.filtered(lambda s: s.code == code)

    def _return_picking(self):
        return self.env["stock.picking"].create({
            "picking_type_id": self.warehouse.in_type_id.id,
            "partner_id": self.customer.id,
            "location_id": self.env.ref("stock.stock_location_customers").id,
            "location_dest_id": self.warehouse.lot_stock_id.id,
            "origin": f"Return of {self.order.name}",
        })

    def _bus_messages(self, channel, notification_type=PROCESS_NOTIFICATION_TYPE):
        """Bus notifications of ``notification_type`` on ``channel`` written by this transaction
        (bus.bus rows are created in precommit, which a test transaction never reaches on its own)."""
        self.env.cr.precommit.run()
        key = json.dumps([self.env.cr.dbname, channel], separators=(",", ":"))
        rows = self.env["bus.bus"].sudo().search([("channel", "=", key)], order="id")
        messages = [json.loads(row.message) for row in rows]
        return [m for m in messages if m["type"] == notification_type]

    def _clear_bus(self):
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()

    # ------------------------------------------------------------------
    # Card content
    # ------------------------------------------------------------------

    def test_running_card_shows_steps_current_step_deadline_and_what_it_waits_for(self):
        process = self._process(self.order_flow, self.order, self.order, {
            "confirmed": "done", "warehouse_acknowledged": "active",
        })
        self._step(process, "warehouse_acknowledged").deadline = self.now + timedelta(minutes=40)
        process.deadline = self.now + timedelta(minutes=40)

        [card] = self.order.hub_process_cards
        self.assertEqual(card["id"], process.id)
        self.assertEqual((card["state"], card["state_label"]), ("running", "Running"))
        self.assertEqual(card["definition"], self.order_flow.name)
        self.assertEqual(card["version"], self.order_flow.version)
        self.assertEqual(card["document"], self.order.display_name)
        self.assertEqual(card["current_step"], "warehouse_acknowledged")
        self.assertEqual(card["current_step_name"], "Warehouse acknowledged")
        self.assertEqual(card["deadline"], fields.Datetime.to_string(self.now + timedelta(minutes=40)))
        self.assertFalse(card["is_late"])
        self.assertFalse(card["waiting_approval"])
        self.assertGreaterEqual(card["seconds_in_step"], 4 * 3600)
        self.assertFalse(card["can_approve"], "nothing to approve")
        self.assertEqual(card["actor"], {
            "kind": "signal", "name": "Warehouse acknowledged the delivery / Picked by the warehouse",
            "user": False, "group": False,
        })
        self.assertEqual(
            [(s["code"], s["state"]) for s in card["steps"]],
            [("confirmed", "done"), ("warehouse_acknowledged", "active"), ("packed", "pending"),
             ("carrier_booked", "pending"), ("in_transit", "pending"), ("delivered", "pending"), ("invoiced", "pending")],
            "every step, in order",
        )
        confirmed, acknowledged, packed = card["steps"][:3]
        self.assertEqual(confirmed["state_label"], "Done")
        self.assertEqual(confirmed["seconds_in_step"], 3600, "from start to end for a finished step")
        self.assertEqual(acknowledged["state_label"], "In Progress")
        self.assertFalse(acknowledged["late"])
        self.assertFalse(packed["started_at"])
        self.assertFalse(packed["seconds_in_step"])
        self.assertTrue(packed["per_leg"])
        self.assertEqual((packed["legs_reached"], packed["legs_total"]), (0, 0))

    def test_late_escalated_step(self):
        process = self._process(self.order_flow, self.order, self.order, {
            "confirmed": "done", "warehouse_acknowledged": "passed", "packed": "done", "carrier_booked": "active",
        })
        booked = self._step(process, "carrier_booked")
        group = self.env.ref("stock.group_stock_manager")
        booked.write({
            "deadline": self.now - timedelta(minutes=30), "breached_at": self.now - timedelta(minutes=30),
            "escalation_level": 1, "escalate_group_id": group.id,
        })
        process.write({"deadline": booked.deadline, "is_late": True})

        [card] = self.order.hub_process_cards
        self.assertTrue(card["is_late"])
        step = next(s for s in card["steps"] if s["code"] == "carrier_booked")
        self.assertTrue(step["late"])
        self.assertEqual(step["escalation_level"], 1)
        self.assertEqual(card["actor"], {"kind": "escalation", "name": group.name, "user": False, "group": group.name})
        passed = next(s for s in card["steps"] if s["code"] == "warehouse_acknowledged")
        self.assertEqual((passed["state"], passed["state_label"]), ("passed", "Passed"))

        # level 2: the hub managers, whoever the step named first
        booked.escalation_level = 2
        self.order.invalidate_recordset(["hub_process_cards"])
        manager_group = self.env.ref("logistics_hub.group_hub_manager")
        self.assertEqual(self.order.hub_process_cards[0]["actor"]["group"], manager_group.name)

    def test_per_leg_step_counts_the_deliveries_that_reached_it(self):
        process = self._process(self.order_flow, self.order, self.order, {
            "confirmed": "done", "warehouse_acknowledged": "done", "packed": "active",
        })
        first = self._return_picking()
        second = self._return_picking()
        cancelled = self._return_picking()
        self.env["hub.process.leg"].create([
            {"process_id": process.id, "picking_id": first.id, "reached_step_codes": "packed"},
            {"process_id": process.id, "picking_id": second.id, "reached_step_codes": ""},
            {"process_id": process.id, "picking_id": cancelled.id, "cancelled": True},
        ])
        [card] = self.order.hub_process_cards
        packed = next(s for s in card["steps"] if s["code"] == "packed")
        self.assertEqual((packed["legs_reached"], packed["legs_total"]), (1, 2), "a cancelled delivery holds nothing back")
        self.assertEqual(
            [(leg["picking"], leg["reached"], leg["cancelled"]) for leg in card["legs"]],
            [(first.name, ["packed"], False), (second.name, [], False), (cancelled.name, [], True)],
        )

    def test_return_waiting_for_approval_on_the_return_and_its_order(self):
        picking = self._return_picking()
        process = self._process(self.return_flow, picking, self.order, {
            "authorised": "done", "return_label": "done", "received": "done", "inspected": "active",
        }, waiting_approval=True)
        inspected = self._step(process, "inspected")
        self.assertTrue(inspected.approval_required, "the default return flow has its inspection approved")

        [card] = picking.with_user(self.manager).hub_process_cards
        self.assertEqual(card["id"], process.id)
        self.assertTrue(card["waiting_approval"])
        self.assertEqual(card["actor"]["kind"], "approval")
        self.assertEqual(card["actor"]["group"], inspected.approval_group_id.name or self.env.ref("logistics_hub.group_hub_manager").name)
        self.assertTrue(card["can_approve"], "a hub manager decides the inspection")
        self.assertEqual(card["document"], picking.display_name)
        inspected_card = next(s for s in card["steps"] if s["code"] == "inspected")
        self.assertTrue(inspected_card["approval"])

        # The order shows its returns' processes too; a salesperson sees them but does not decide.
        [on_order] = self.order.with_user(self.viewer).hub_process_cards
        self.assertEqual(on_order["id"], process.id)
        self.assertFalse(on_order["can_approve"])

        # The person the engine asked (the step's to-do) is named.
        activity = self.env["mail.activity"].create({
            "res_model_id": self.env["ir.model"]._get_id("hub.process"), "res_id": process.id,
            "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
            "user_id": self.manager.id, "summary": "Inspect the return",
        })
        inspected.activity_ids = activity
        picking.invalidate_recordset(["hub_process_cards"])
        actor = picking.hub_process_cards[0]["actor"]
        self.assertEqual((actor["user"], actor["name"]), (self.manager.name, self.manager.name))

        # The step names its approvers: managers outside them do not decide, its members do.
        inspected.approval_group_id = self.env.ref("sales_team.group_sale_salesman")
        picking.invalidate_recordset(["hub_process_cards"])
        self.assertTrue(picking.with_user(self.viewer).hub_process_cards[0]["can_approve"])
        picking.invalidate_recordset(["hub_process_cards"])
        self.assertFalse(picking.with_user(self.manager).hub_process_cards[0]["can_approve"])

    def test_finished_processes(self):
        completed = self._process(self.order_flow, self.order, self.order, dict.fromkeys(
            ["confirmed", "warehouse_acknowledged", "packed", "carrier_booked", "in_transit", "delivered", "invoiced"], "done",
        ), state="completed", ended_at=self.now - timedelta(hours=1))
        picking = self._return_picking()
        exception = self.env["hub.exception"].create({
            "name": "Return failed", "reason": "process_failed", "res_model": "stock.picking", "res_id": picking.id,
        })
        failed = self._process(self.return_flow, picking, self.order, {
            "authorised": "compensated", "return_label": "done", "received": "failed",
        }, state="failed", ended_at=self.now, exception_id=exception.id)

        cards = {c["id"]: c for c in self.order.hub_process_cards}
        self.assertEqual(list(cards), [completed.id, failed.id], "oldest first")
        done = cards[completed.id]
        self.assertEqual((done["state"], done["state_label"]), ("completed", "Completed"))
        self.assertFalse(done["current_step"])
        self.assertFalse(done["actor"], "nobody has to act")
        self.assertEqual(done["ended_at"], fields.Datetime.to_string(self.now - timedelta(hours=1)))
        bad = cards[failed.id]
        self.assertEqual((bad["state"], bad["state_label"]), ("failed", "Failed"))
        self.assertEqual(bad["exception"], exception.display_name)
        self.assertEqual(bad["actor"]["kind"], "exception")
        self.assertEqual(bad["actor"]["group"], self.return_flow.notify_group_id.name or self.env.ref("logistics_hub.group_hub_manager").name)
        self.assertEqual([s["state_label"] for s in bad["steps"][:3]], ["Compensated", "Done", "Failed"])
        self.assertEqual((done["held"], bad["held"]), (0, 0))
        self.env["hub.event"].create({"event_type": "picking.done", "res_model": "stock.picking", "res_id": picking.id,
                                      "state": "held", "held_process_id": failed.id})
        self.order.invalidate_recordset(["hub_process_cards"])
        self.assertEqual({c["id"]: c["held"] for c in self.order.hub_process_cards}, {completed.id: 0, failed.id: 1},
                         "the card says what the failed process keeps back")

        failed.state = "compensating"
        self.order.invalidate_recordset(["hub_process_cards"])
        self.assertEqual({c["id"]: c for c in self.order.hub_process_cards}[failed.id]["actor"]["kind"], "compensation")

    def test_no_process_no_card(self):
        self.assertFalse(self._create_order().hub_process_cards)
        self.assertFalse(self._return_picking().hub_process_cards)

    def test_cards_are_for_status_viewers_only(self):
        self._process(self.order_flow, self.order, self.order, {"confirmed": "done", "warehouse_acknowledged": "active"})
        self.assertEqual(len(self.order.with_user(self.viewer).hub_process_cards), 1,
                         "a salesperson sees the process without access to hub.process")
        with self.assertRaises(AccessError):
            self.env["hub.process"].with_user(self.viewer).search([])
        self.assertIn("hub_process_cards", self.env["sale.order"].with_user(self.viewer).fields_get())
        self.assertNotIn("hub_process_cards", self.env["sale.order"].with_user(self.plain).fields_get(),
                         "outside the status viewers the form leaves the field out")

    # ------------------------------------------------------------------
    # Live updates
    # ------------------------------------------------------------------

    def test_change_pushes_the_cards_once_per_transaction_on_the_order_channel(self):
        process = self._process(self.order_flow, self.order, self.order, {"confirmed": "done", "warehouse_acknowledged": "active"})
        self.assertEqual(self.order.hub_process_cards[0]["current_step"], "warehouse_acknowledged")
        self._clear_bus()
        channel = sync_channel("sale.order", self.order.id)

        # as the engine does: a step done, the next one active, then _hub_notify_changed; twice
        self._step(process, "warehouse_acknowledged").write({"state": "done", "done_at": self.now})
        packed = self._step(process, "packed")
        packed.write({"state": "active", "started_at": self.now})
        process.current_step_id = packed
        process._hub_notify_changed()
        self.assertEqual(self.order.hub_process_cards[0]["current_step"], "packed", "the form reads the new card")
        self._step(process, "packed").deadline = self.now + timedelta(hours=2)
        process._hub_notify_changed()

        messages = self._bus_messages(channel)
        self.assertEqual(len(messages), 1, "one notification with the final state, at commit")
        payload = messages[0]["payload"]
        self.assertEqual((payload["model"], payload["id"]), ("sale.order", self.order.id))
        [card] = payload["cards"]
        self.assertEqual(card["current_step"], "packed")
        self.assertEqual(next(s for s in card["steps"] if s["code"] == "packed")["deadline"],
                         fields.Datetime.to_string(self.now + timedelta(hours=2)))
        self.assertIsNone(card["can_approve"], "the same message goes to everyone: no reader-specific answer")
        self.assertEqual(self._bus_messages(channel, SYNC_NOTIFICATION_TYPE), [], "the sync badges hear nothing")

    def test_return_change_is_pushed_to_the_return_and_its_order(self):
        picking = self._return_picking()
        other = self._process(self.order_flow, self.order, self.order, {"confirmed": "done"})
        process = self._process(self.return_flow, picking, self.order, {"authorised": "done", "return_label": "active"})
        self._clear_bus()
        process._hub_notify_changed()

        [on_picking] = self._bus_messages(sync_channel("stock.picking", picking.id))
        self.assertEqual([c["id"] for c in on_picking["payload"]["cards"]], [process.id])
        [on_order] = self._bus_messages(sync_channel("sale.order", self.order.id))
        self.assertEqual([c["id"] for c in on_order["payload"]["cards"]], [other.id, process.id],
                         "the order's message carries all its cards: the widget replaces what it shows")

    def test_nothing_pushed_without_processes(self):
        process = self._process(self.order_flow, self.order, self.order, {"confirmed": "done"})
        self._clear_bus()
        self.env["hub.process"]._hub_notify_changed()
        self.assertEqual(self._bus_messages(sync_channel("sale.order", self.order.id)), [])
        # a process changed, then deleted before the commit: nothing to show, and the commit goes on
        process._hub_notify_changed()
        process.unlink()
        self.assertEqual(self._bus_messages(sync_channel("sale.order", self.order.id)), [])
