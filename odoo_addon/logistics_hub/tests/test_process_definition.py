from contextlib import contextmanager

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

STEP_VALUE_KEYS = {
    "sequence", "code", "name", "after_codes", "complete_signals", "fail_signals", "per_leg", "sla_kind",
    "sla_minutes", "sla_cutoff", "breach_policy", "escalate_user_id", "escalate_group_id", "compensation",
    "approval_required", "approval_group_id",
}


@tagged("post_install", "-at_install")
class TestProcessDefinition(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.otd = cls.env.ref("logistics_hub.process_order_to_delivery")
        cls.rtr = cls.env.ref("logistics_hub.process_return_to_refund")
        cls.managers = cls.env.ref("logistics_hub.group_hub_manager")

    @contextmanager
    def assertRefused(self, pattern):
        """The save is refused with a message matching ``pattern``, and undone (assertRaisesRegex
        would leave the refused values in the cache: only assertRaises rolls back to a savepoint)."""
        with self.assertRaises(ValidationError) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)

    def _step(self, definition, code):
        return definition.step_ids.filtered(lambda step: step.code == code)

    def _update(self, definition, code, vals):
        """Change one step the way the form saves: one write of the definition with a step command."""
        definition.write({"step_ids": [Command.update(self._step(definition, code).id, vals)]})

    # ------------------------------------------------------------------
    # Defaults
    # ------------------------------------------------------------------

    def test_defaults_load_and_validate(self):
        self.assertEqual(self.otd.trigger_signal, "order.confirmed")
        self.assertEqual(self.otd._hub_sorted_steps().mapped("code"), [
            "confirmed", "warehouse_acknowledged", "packed", "carrier_booked", "in_transit", "delivered", "invoiced",
        ])
        self.assertEqual(self.rtr.trigger_signal, "return.authorised")
        self.assertEqual(self.rtr._hub_sorted_steps().mapped("code"),
                         ["authorised", "return_label", "received", "inspected", "refunded"])
        for definition in self.otd | self.rtr:
            self.assertEqual(definition._hub_problems(), [])
            self.assertEqual(definition.notify_group_id, self.managers)
            self.assertEqual(definition.version, 1)
        self.assertEqual(self._step(self.otd, "warehouse_acknowledged").name, "Warehouse acknowledged")
        self.assertEqual(self._step(self.otd, "carrier_booked").name, "Carrier booked")
        packed = self._step(self.otd, "packed")
        self.assertTrue(packed.per_leg)
        self.assertEqual((packed.sla_kind, packed.sla_cutoff, packed.compensation), ("cutoff", 16.0, "unreserve_stock"))
        inspected = self._step(self.rtr, "inspected")
        self.assertTrue(inspected.approval_required)
        self.assertEqual(inspected.approval_group_id, self.managers)
        self.assertFalse(inspected.complete_signals, "approval.granted completes it implicitly")
        self.assertIn("order.confirmed", self.otd.signal_catalogue)

    def test_menu(self):
        menu = self.env.ref("logistics_hub.menu_hub_process_definition")
        self.assertEqual(menu.parent_id, self.env.ref("logistics_hub.menu_logistics_hub_config"))
        self.assertEqual(menu.action, self.env.ref("logistics_hub.hub_process_definition_action"))

    def test_form_edits_steps_in_one_save_and_creates(self):
        with Form(self.otd) as form:
            with form.step_ids.edit(2) as line:
                self.assertEqual(line.code, "packed")
                line.sla_cutoff = 15.5
            with form.step_ids.edit(3) as line:
                line.sla_minutes = 90
        self.assertEqual(self.otd.version, 2, "one save, one version")
        self.assertEqual(self._step(self.otd, "packed").sla_cutoff, 15.5)
        with self.assertRaises(AssertionError, msg="the code is set once"):
            Form(self.otd).code = "renamed"

        form = Form(self.env["hub.process.definition"])
        form.name = "Pick-up at the counter"
        form.code = "pick_up"
        form.trigger_signal = "order.confirmed"
        with form.step_ids.new() as line:
            line.code, line.name, line.complete_signals = "start", "Order confirmed", "order.confirmed"
        with form.step_ids.new() as line:
            line.code, line.name, line.complete_signals = "ready", "Ready for pick-up", "picking.done"
            line.sla_kind = "cutoff"
            line.sla_cutoff = 15.0
        definition = form.save()
        self.assertEqual([v["after_codes"] for v in definition._hub_step_values()], ["", "start"])
        self.assertEqual(definition.version, 1)

    # ------------------------------------------------------------------
    # Refusals on save
    # ------------------------------------------------------------------

    def test_unknown_signals_refused(self):
        with self.assertRefused(r"“Order to delivery” \(order_to_delivery\)(.|\n)*"
                                    r"“Packed” \(packed\) lists unknown completing signal\(s\) fulfilment\.packd"):
            self._update(self.otd, "packed", {"complete_signals": "fulfilment.packd, picking.done"})
        with self.assertRefused(r"“Carrier booked” \(carrier_booked\) lists unknown failing "
                                    r"signal\(s\) shipment\.lost"):
            self._step(self.otd, "carrier_booked").fail_signals = "shipment.booking_failed,shipment.lost"
        with self.assertRefused(r"trigger signal order\.placed is not a known signal"):
            self.otd.trigger_signal = "order.placed"

    def test_cycle_refused(self):
        msg = r"cycle, so none of them can start: packed -> carrier_booked -> packed"
        carrier_booked = self._step(self.otd, "carrier_booked")
        with self.assertRefused(msg):
            self._update(self.otd, "packed", {"after_step_ids": [Command.set(carrier_booked.ids)]})
        with self.assertRefused(msg):
            self._step(self.otd, "packed").after_step_ids = carrier_booked
        with self.assertRefused(r"cycle(.|\n)*: delivered -> delivered"):
            self._update(self.otd, "delivered", {"after_step_ids": [Command.link(self._step(self.otd, "delivered").id)]})

    def test_waits_for_step_of_another_definition_refused(self):
        with self.assertRefused(r"“Return received” \(received\) waits for “Packed” \(packed\) "
                                    r"of another process definition"):
            self._update(self.rtr, "received", {"after_step_ids": [Command.set(self._step(self.otd, "packed").ids)]})

    def test_step_that_never_completes_and_the_steps_it_blocks_refused(self):
        with self.assertRefused(r"“In transit” \(in_transit\) can never complete(.|\n)*"
                                    r"“Delivered” \(delivered\) can never start: it waits for “In transit” "
                                    r"\(in_transit\)(.|\n)*“Invoiced” \(invoiced\) can never start"):
            self._update(self.otd, "in_transit", {"complete_signals": False})
        # A failing signal alone does not complete a step.
        with self.assertRefused(r"“Invoiced” \(invoiced\) can never complete"):
            self._update(self.otd, "invoiced", {"complete_signals": " , ", "fail_signals": "delivery.dead"})

    def test_trigger_completing_no_step_refused(self):
        with self.assertRefused(r"no step is completed by the trigger signal order\.cancelled"):
            self.otd.trigger_signal = "order.cancelled"
        with self.assertRefused(r"no step is completed by the trigger signal order\.confirmed"):
            self._update(self.otd, "confirmed", {"complete_signals": "invoice.posted"})
        with self.assertRefused(r"no step is completed by the trigger signal order\.confirmed"):
            self._step(self.otd, "confirmed").unlink()
        with self.assertRefused(r"“Empty” \(empty\)(.|\n)*no step is completed by the trigger"):
            self.env["hub.process.definition"].create({"name": "Empty", "code": "empty", "trigger_signal": "order.confirmed"})

    def test_approval_without_approvers_refused(self):
        with self.assertRefused(r"“Inspected and approved” \(inspected\) needs an approval "
                                    r"but has no approvers group"):
            self._update(self.rtr, "inspected", {"approval_group_id": False})

    def test_signal_both_completing_and_failing_refused(self):
        with self.assertRefused(r"lists shipment\.booked both as completing and as failing"):
            self._update(self.otd, "carrier_booked", {"fail_signals": "shipment.booked"})

    def test_deadline_values_refused(self):
        for minutes in (0, -5):
            with self.assertRefused(rf"“Carrier booked” \(carrier_booked\) has a duration "
                                        rf"deadline of {minutes} minutes"):
                self._update(self.otd, "carrier_booked", {"sla_minutes": minutes})
        for hour in (24.0, -0.5):
            with self.assertRefused(r"“Packed” \(packed\) has a cut-off time of"):
                self._update(self.otd, "packed", {"sla_cutoff": hour})
        # Values of a deadline kind not in use are not judged.
        self._update(self.otd, "packed", {"sla_kind": "none", "sla_cutoff": 30.0})
        self._update(self.otd, "packed", {"sla_kind": "cutoff", "sla_cutoff": 23.99})

    def test_one_save_is_judged_on_its_final_state(self):
        """The form sends every step change in one write, applied one command at a time: replacing the
        first step passes through a state where no step takes the trigger, which is not judged."""
        confirmed = self._step(self.otd, "confirmed")
        self.otd.write({"step_ids": [
            Command.delete(confirmed.id),
            Command.create({"sequence": 0, "code": "accepted", "name": "Order accepted",
                            "complete_signals": "order.confirmed"}),
        ]})
        self.assertEqual(self.otd._hub_sorted_steps()[0].code, "accepted")
        self.assertEqual(self.otd.version, 2)

    def test_sql_code_unique(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self._update(self.otd, "packed", {"code": "carrier_booked"})
            self.env.flush_all()

    # ------------------------------------------------------------------
    # Versions
    # ------------------------------------------------------------------

    def test_version_raised_once_per_save_of_steps(self):
        self._update(self.otd, "packed", {"sla_cutoff": 15.5})
        self.assertEqual(self.otd.version, 2)
        # many step commands in one save: one version
        self.otd.write({"step_ids": [
            Command.update(self._step(self.otd, "packed").id, {"sla_cutoff": 15.0}),
            Command.update(self._step(self.otd, "delivered").id, {"sla_minutes": 2880}),
            Command.create({"sequence": 8, "code": "paid", "name": "Paid", "complete_signals": "invoice.posted"}),
        ]})
        self.assertEqual(self.otd.version, 3)
        # direct changes of steps, each call once per definition
        (self._step(self.otd, "packed") | self._step(self.otd, "delivered")).write({"escalate_group_id": self.managers.id})
        self.assertEqual(self.otd.version, 4)
        self._step(self.otd, "paid").unlink()
        self.assertEqual(self.otd.version, 5)
        self.env["hub.process.definition.step"].create({
            "definition_id": self.otd.id, "sequence": 9, "code": "archived", "name": "Archived",
            "complete_signals": "invoice.posted",
        })
        self.assertEqual(self.otd.version, 6)
        self.assertEqual(self.rtr.version, 1, "another definition keeps its version")

    def test_version_kept_on_unrelated_change_and_refused_save(self):
        self.otd.write({"name": "Order to delivery (EU)", "description": "Europe", "sequence": 5})
        self.otd.active = False
        self.otd.active = True
        self.assertEqual(self.otd.version, 1)
        with self.assertRaises(ValidationError):
            self._update(self.otd, "packed", {"sla_cutoff": 25.0})
        self.assertEqual(self.otd.version, 1)

    def test_version_raised_by_trigger_change_and_tracked(self):
        definition = self.otd.with_context(tracking_disable=False)
        definition.trigger_signal = "order.confirmed"  # unchanged: same version
        self.assertEqual(definition.version, 1)
        definition.trigger_signal = "picking.done"  # the packed step takes it
        self.assertEqual(definition.version, 2)
        self.env.flush_all()
        self.cr.flush()  # tracking values are written when the transaction would commit
        definition.invalidate_recordset(["message_ids"])
        tracked = definition.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "version")
        self.assertEqual((tracked.old_value_integer, tracked.new_value_integer), (1, 2))
        self._update(definition, "packed", {"sla_cutoff": 15.0})
        self.env.flush_all()
        self.cr.flush()
        definition.invalidate_recordset(["message_ids"])
        tracked = definition.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "version")
        self.assertEqual(sorted(tracked.mapped("new_value_integer")), [2, 3])

    def test_running_process_keeps_its_copied_steps(self):
        order = self.env["res.partner"].create({"name": "Process document"})
        process = self.env["hub.process"].create({
            "name": "P1", "definition_id": self.otd.id, "definition_code": self.otd.code,
            "definition_version": self.otd.version, "res_model": "res.partner", "res_id": order.id,
            "step_ids": [Command.create(values) for values in self.otd._hub_step_values()],
        })
        self._update(self.otd, "packed", {"sla_cutoff": 12.0})
        self.assertEqual(self.otd.version, 2)
        self.assertEqual(process.definition_version, 1)
        self.assertEqual(process.step_ids.filtered(lambda s: s.code == "packed").sla_cutoff, 16.0)

    # ------------------------------------------------------------------
    # Step values a process copies
    # ------------------------------------------------------------------

    def test_step_values(self):
        values = self.otd._hub_step_values()
        self.assertEqual([v["code"] for v in values], self.otd._hub_sorted_steps().mapped("code"))
        for v in values:
            self.assertEqual(set(v), STEP_VALUE_KEYS)
        self.assertEqual(set(self.env["hub.process.step"]._fields) & STEP_VALUE_KEYS, STEP_VALUE_KEYS)
        self.assertEqual([v["after_codes"] for v in values], [
            "", "confirmed", "warehouse_acknowledged", "packed", "carrier_booked", "in_transit", "delivered",
        ])
        ack = values[1]
        self.assertEqual(ack["complete_signals"], "warehouse.acknowledged,fulfilment.picked")
        self.assertEqual(ack["fail_signals"], "warehouse.rejected")
        self.assertEqual((ack["sla_kind"], ack["sla_minutes"], ack["breach_policy"], ack["compensation"]),
                         ("duration", 60, "escalate", "cancel_fulfilment"))
        self.assertIs(ack["escalate_user_id"], False)
        self.assertTrue(values[2]["per_leg"])
        inspected = self.rtr._hub_step_values()[3]
        self.assertEqual((inspected["approval_required"], inspected["approval_group_id"]), (True, self.managers.id))

        # explicit Waits For: the listed steps in sequence order, the previous step no longer implied
        self._update(self.otd, "invoiced", {
            "after_step_ids": [Command.set((self._step(self.otd, "delivered") | self._step(self.otd, "confirmed")).ids)],
            "escalate_user_id": self.env.user.id,
        })
        invoiced = self.otd._hub_step_values()[-1]
        self.assertEqual(invoiced["after_codes"], "confirmed,delivered")
        self.assertEqual(invoiced["escalate_user_id"], self.env.user.id)

    # ------------------------------------------------------------------
    # Copy and access
    # ------------------------------------------------------------------

    def test_copy_is_valid_with_a_new_code(self):
        self._update(self.otd, "invoiced", {"after_step_ids": [Command.set(self._step(self.otd, "delivered").ids)]})
        copy = self.otd.copy()
        self.assertEqual(copy.code, "order_to_delivery_copy")
        self.assertEqual(copy.name, "Order to delivery (copy)")
        self.assertEqual(copy.version, 1)
        self.assertFalse(copy.active, "a copy starts no processes until an admin turns it on")
        self.assertEqual(copy._hub_problems(), [])
        self.assertEqual(copy.step_ids.mapped("code"), self.otd.step_ids.mapped("code"))
        invoiced = self._step(copy, "invoiced")
        self.assertEqual(invoiced.after_step_ids, self._step(copy, "delivered"), "waits for its own sibling")
        self.assertEqual(self.otd._hub_step_values(), copy._hub_step_values())
        self.assertEqual(self.otd.copy().code, "order_to_delivery_copy_2")

    def test_users_read_managers_edit(self):
        user = new_test_user(self.env, "hub_def_user", groups="logistics_hub.group_hub_user")
        manager = new_test_user(self.env, "hub_def_manager", groups="logistics_hub.group_hub_manager")
        self.assertEqual(self.otd.with_user(user).step_ids.mapped("code")[0], "confirmed")
        with self.assertRaises(AccessError):
            self.otd.with_user(user).name = "Renamed"
        with self.assertRaises(AccessError):
            self._step(self.otd, "packed").with_user(user).sla_cutoff = 15.0
        self._update(self.otd.with_user(manager), "packed", {"sla_cutoff": 15.0})
        self.assertEqual(self.otd.version, 2)
