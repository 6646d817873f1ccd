from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import ShipmentCase


@tagged("post_install", "-at_install")
class TestException(ShipmentCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub_user = new_test_user(cls.env, "hub_exc_user", groups="base.group_user,logistics_hub.group_hub_user")

    def setUp(self):
        super().setUp()
        self.picking = self._done_picking()
        self.event = self._outbound(self.picking, self.best)

    def _exceptions(self, record=None, **domain):
        record = record or self.picking
        return self.env["hub.exception"].search(
            [("res_model", "=", record._name), ("res_id", "=", record.id)]
            + [(key, "=", value) for key, value in domain.items()]
        )

    def test_dead_booking_opens_one_label_failure(self):
        dead = self._result(self.event, "dead", 5, error="no carrier could book WH/OUT/1: parcelfast: HTTP 422")
        self._apply_results(dead)
        exception = self._exceptions()
        self.assertEqual(len(exception), 1)
        self.assertRegex(exception.name, r"^EXC/\d+$")
        self.assertEqual((exception.reason, exception.state, exception.occurrences), ("label_failure", "open", 1))
        self.assertEqual((exception.picking_id, exception.connector_id, exception.event_id),
                         (self.picking, self.best, self.event))
        self.assertEqual(exception.correlation_id, self.event.correlation_id)
        self.assertEqual(exception.record_ref, self.picking)
        self.assertIn("HTTP 422", exception.description)

        self._apply_results(dead)
        self.assertEqual(exception.occurrences, 1, "the same result applied twice counts once")

        retry = self.env["hub.event"]._hub_emit_to(self.best, "picking.done", self.picking)
        self._apply_results(self._result(retry, "dead", 5, error="no carrier could book: swiftpost: HTTP 400"))
        self.assertEqual(self._exceptions(), exception, "one open exception per record, connector and reason")
        self.assertEqual((exception.occurrences, exception.event_id), (2, retry))

    def test_dead_with_invalid_address_and_partner_rejection(self):
        self._apply_results(self._result(
            self.event, "dead", 1, error="no carrier could book WH/OUT/1: parcelfast: HTTP 422 (ADDRESS_INVALID: zip)"))
        self.assertEqual(self._exceptions().reason, "address_invalid")

        order = self._create_order()
        order.action_confirm()
        wms_event = self._outbound(order, self.wms, "order.confirmed")
        self._apply_results(self._result(wms_event, "dead", 5, error="HTTP 400 unknown SKU"))
        # the order's process fails too (its own process_failed exception, tests/test_process_engine.py)
        rejected = self._exceptions(order, reason="partner_rejected")
        self.assertEqual((rejected.reason, rejected.picking_id, rejected.connector_id),
                         ("partner_rejected", self.env["stock.picking"], self.wms))

    def test_no_carrier_while_carriers_are_down_then_auto_resolved(self):
        self._apply_results(self._result(self.event, "failed", 1, error="HTTP 503 from the WMS"))
        self.assertFalse(self._exceptions(), "an ordinary failure is retried, nobody needs to act")
        down = "no carrier could book WH/OUT/1: parcelfast: circuit open; swiftpost: timeout"
        self._apply_results(self._result(self.event, "failed", 2, error=down))
        self._apply_results(self._result(self.event, "failed", 3, error=down))
        exception = self._exceptions()
        self.assertEqual((exception.reason, exception.occurrences), ("no_carrier", 2))

        self._apply_results(self._result(self.event, "sent", 4, shipment=self._shipment()))
        self.assertEqual(exception.state, "resolved")
        self.assertIn("Resolved automatically", exception.message_ids[0].body)
        self.assertEqual(self.picking.hub_shipment_status, "label_created")

    def test_lost_parcel_tracking_opens_exception(self):
        self._book(self.picking)
        lost = self._tracking_event("pf:1:4", "exception", "2026-11-24T12:00:00Z", reason="lost_parcel")
        self._track("w1", self._tracking_event("pf:1:3", "in_transit", "2026-11-24T10:00:00Z"), lost)
        exception = self._exceptions()
        self.assertEqual((exception.reason, exception.connector_id, exception.picking_id),
                         ("lost_parcel", self.parcelfast, self.picking))
        self.assertEqual(exception.event_id, self.event, "a retry books the delivery again")
        self.assertEqual(exception.tracking_event_id.event_uid, "pf:1:4")
        self.assertEqual(self.picking.hub_shipment_status, "exception")
        self._apply_results(self._result(self.event, shipment=self._shipment()))
        self.assertEqual(exception.state, "open", "a replayed booking result settles no lost parcel")

        self._track("w2", lost)
        self._track("w3", self._tracking_event("pf:1:5", "exception", "2026-11-24T18:00:00Z", reason="lost_parcel"))
        self.assertEqual(self._exceptions(), exception)
        self.assertEqual(exception.occurrences, 2)

        self._track("w4", self._tracking_event("pf:1:6", "delivery_failed", "2026-11-25T09:00:00Z",
                                               reason="recipient_absent"))
        self.assertEqual(sorted(self._exceptions().mapped("reason")), ["delivery_failed", "lost_parcel"])

        self._track("w5", self._tracking_event("pf:1:9", "delivered", "2026-11-26T09:00:00Z"),
                    self._tracking_event("pf:1:8", "exception", "2026-11-26T08:00:00Z", reason="damaged"))
        self.assertFalse(self._exceptions(reason="damaged"), "a settled shipment opens no new exception")

    def test_retry_writes_a_new_pending_event(self):
        self._apply_results(self._result(self.event, "dead", 5, error="no carrier could book: all rejected"))
        exception = self._exceptions()
        self.event.sudo().state = "dead"  # what the sidecar did
        self._resend(exception.action_retry())

        events = self._outbound(self.picking, self.best)
        self.assertEqual(len(events), 2)
        replay = events - self.event
        self.assertEqual((replay.state, replay.event_type, replay.correlation_id),
                         ("pending", "picking.done", self.event.correlation_id))
        self.assertEqual(replay.payload["picking"]["name"], self.picking.name)
        self.assertEqual(self.event.state, "dead", "rows the sidecar has seen are never reset")
        self.assertEqual((exception.state, exception.event_id), ("in_progress", replay))
        self.assertEqual(self._sync_state(self.picking, self.best).last_event_id, replay)
        self.assertIn("Sent again by", exception.message_ids[0].body)

        self._apply_results(self._result(replay, "sent", 1, shipment=self._shipment()))
        self.assertEqual(exception.state, "resolved")
        with self.assertRaises(UserError):
            exception.action_retry()

    def test_choose_another_carrier(self):
        self._book(self.picking)
        self._track("w1", self._tracking_event("pf:1:4", "exception", "2026-11-24T12:00:00Z", reason="lost_parcel"))
        exception = self._exceptions()
        action = exception.action_choose_carrier()
        self.assertEqual(action["res_model"], "hub.exception.carrier.wizard")

        wizard_form = Form(self.env["hub.exception.carrier.wizard"].with_context(action["context"]))
        self.assertEqual(wizard_form.failed_connector_id, self.parcelfast)
        wizard_form.connector_id = self.swiftpost
        wizard = wizard_form.save()
        self.assertEqual(wizard.allowed_connector_ids, self.swiftpost, "active carriers but the one that failed")
        wizard.connector_id = self.parcelfast
        with self.assertRaises(UserError):
            wizard.action_confirm()
        wizard.connector_id = self.swiftpost
        wizard.action_confirm()

        event = self._outbound(self.picking, self.swiftpost)
        self.assertEqual((event.state, event.correlation_id), ("pending", self.event.correlation_id))
        self.assertEqual((exception.state, exception.event_id), ("in_progress", event))

        self._apply_results(self._result(event, shipment=self._shipment("SP100", "swiftpost")))
        self.assertEqual(exception.state, "resolved")
        self.assertEqual((self.picking.hub_tracking_number, self.picking.hub_carrier_connector_id),
                         ("SP100", self.swiftpost))

    def test_cancel_shipment(self):
        self._book(self.picking)
        self._track("w1", self._tracking_event("pf:1:4", "delivery_failed", "2026-11-24T12:00:00Z",
                                               reason="address_invalid"))
        exception = self._exceptions()
        self.assertEqual(exception.reason, "address_invalid")
        exception.action_cancel()
        self.assertEqual((exception.state, self.picking.hub_shipment_status), ("cancelled", "cancelled"))

        other = self._done_picking()
        self._book(other, tracking="PF2")
        self._track("w2", self._tracking_event("pf:2:1", "delivered", "2026-11-24T12:00:00Z", tracking="PF2"))
        # the booking acknowledged its event: the late failure is a later event's (a re-send)
        resent = self.env["hub.event"]._hub_emit_to(self.best, "picking.done", other)
        self._apply_results(self._result(resent, "dead", 9, error="late label failure"))
        late = self._exceptions(other)
        late.action_cancel()
        self.assertEqual((late.state, other.hub_shipment_status), ("cancelled", "delivered"),
                         "a delivered shipment cannot be cancelled")

        unbooked = self._done_picking()
        self._apply_results(self._result(self._outbound(unbooked, self.best), "failed", 1,
                                         error="no carrier could book: all down"))
        self._exceptions(unbooked).action_cancel()
        self.assertEqual(unbooked.hub_shipment_status, "cancelled", "a shipment not booked yet is cancelled too")

    def test_resolve_and_assign(self):
        self._apply_results(self._result(self.event, "dead", 5, error="boom"))
        exception = self._exceptions()
        exception.with_user(self.hub_user).action_assign_to_me()
        self.assertEqual(exception.user_id, self.hub_user)
        self.assertEqual(self.env["hub.exception"].with_user(self.hub_user).search_count([("user_id", "=", self.hub_user.id)]), 1)
        exception.action_resolve()
        self.assertEqual(exception.state, "resolved")
        self.assertIn("Resolved by", exception.message_ids[0].body)

    def test_hub_user_assigns_but_does_not_handle(self):
        self._apply_results(self._result(self.event, "dead", 5, error="boom"))
        exception = self._exceptions().with_user(self.hub_user)
        self.assertEqual(exception.reason, "label_failure")
        for action in (exception.action_retry, exception.action_resolve, exception.action_cancel,
                       exception.action_choose_carrier):
            with self.subTest(action=action.__name__), self.assertRaises(AccessError):
                action()
        with self.assertRaises(AccessError):
            exception.write({"state": "resolved"})
        with self.assertRaises(AccessError):
            self.env["hub.exception"].with_user(self.hub_user).create({"reason": "other"})
        self.assertEqual(exception.sudo().state, "open")

    # ------------------------------------------------------------------
    # Who handles it, and which actions fit
    # ------------------------------------------------------------------

    def _wms_rejection(self):
        wms_event = self._outbound(self.picking, self.wms)
        self._apply_results(self._result(wms_event, "dead", 1, error="wms answered HTTP 422: unknown SKU"))
        return self._exceptions(connector_id=self.wms.id)

    def test_carrier_actions_are_not_offered_on_a_warehouse_rejection(self):
        exception = self._wms_rejection()
        self.assertEqual((exception.reason, exception.connector_kind), ("partner_rejected", "wms"))
        with self.assertRaisesRegex(UserError, "not about a carrier"):
            exception.action_choose_carrier()
        with self.assertRaisesRegex(UserError, "not about a carrier"):
            exception.action_cancel()
        self.assertEqual(exception.state, "open")
        arch = self.env["hub.exception"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("connector_kind != 'carrier'", arch, "the buttons hide where the server refuses")

    def test_a_new_exception_is_a_todo_of_the_connectors_responsible(self):
        self.best.responsible_user_id = self.hub_user
        self._apply_results(self._result(self.event, "dead", 5, error="no carrier could book"))
        exception = self._exceptions()
        self.assertEqual(exception.activity_ids.user_id, self.hub_user)
        self.assertIn("Label failure", exception.activity_ids.summary)
        self.assertIn(self.picking.name, exception.activity_ids.summary)

        exception.action_resolve()
        self.assertFalse(exception.activity_ids, "closing the exception clears the to-do")

    def test_without_a_responsible_every_hub_manager_gets_the_todo(self):
        managers = self.env.ref("logistics_hub.group_hub_manager").users.filtered(
            lambda u: not u.share and u != self.env.ref("base.user_root"))
        exception = self._wms_rejection()
        self.assertTrue(managers)
        self.assertEqual(exception.activity_ids.user_id, managers)
        self._apply_results(self._result(self._outbound(self.picking, self.wms), "dead", 2, error="again"))
        self.assertEqual(len(exception.activity_ids), len(managers), "a repeat opens no second to-do")
