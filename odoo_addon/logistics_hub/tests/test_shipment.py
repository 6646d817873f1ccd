import base64
from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..hub.envelope import iso_utc
from ..hub.lifecycle import SHIPMENT_STATUSES
from ..models.hub_tracking_event import SHIPMENT_STATUS_SELECTION
from .common import LABEL_PDF, ShipmentCase


@tagged("post_install", "-at_install")
class TestShipment(ShipmentCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.weight = 2.5

    def _labels(self, picking):
        return self.env["ir.attachment"].search([("res_model", "=", "stock.picking"), ("res_id", "=", picking.id)])

    def test_picking_payload_has_weight_and_address(self):
        picking = self._done_picking()
        data = self._outbound(picking, self.best).payload["picking"]
        self.assertEqual(data["weight"], 7.5, "3 units of 2.5 kg")
        self.assertEqual(data["partner"]["zip"], "3011")
        self.assertEqual(data["partner"]["country_code"], "NL")

    def test_sent_result_records_shipment_once(self):
        picking = self._done_picking()
        event = self._outbound(picking, self.best)
        result = self._result(event, shipment=self._shipment())
        self.assertEqual(self._apply_results(result), [{"event_uuid": event.uuid, "outcome": "applied"}])

        self.assertEqual(picking.hub_shipment_status, "label_created")
        self.assertEqual(picking.hub_tracking_number, "PF100000001")
        self.assertEqual(picking.hub_carrier_connector_id, self.parcelfast, "the carrier, not the rate shopper")
        self.assertEqual((picking.hub_carrier_service, picking.hub_shipping_cost, picking.hub_shipping_currency),
                         ("express", 7.45, "EUR"))
        self.assertEqual(picking.hub_shipment_event_id, event)
        label = picking.hub_label_attachment_id
        self.assertEqual((label.name, label.mimetype, label.raw), ("Label-PF100000001.pdf", "application/pdf", LABEL_PDF))
        self.assertEqual(self._labels(picking), label)
        self.assertEqual(self._sync_state(picking, self.best).external_ref, "PF100000001")
        booked = picking.message_ids.filtered(lambda m: "PF100000001" in (m.body or ""))
        self.assertEqual(len(booked), 1)

        self.assertEqual(self._apply_results(result)[0]["outcome"], "stale", "the booking acknowledged the delivery")
        self.assertEqual(self._labels(picking), label, "applying the result twice attaches one label")
        self.assertEqual(picking.message_ids.filtered(lambda m: "PF100000001" in (m.body or "")), booked)

        download = picking.action_hub_download_label()
        self.assertEqual(download["url"], f"/web/content/{label.id}?download=true")

    def test_tms_booking_without_label(self):
        tms = self._create_connector("tms", "Fleet", ["picking.done"], kind="tms", adapter="tms")
        picking = self._done_picking()
        self._book(picking, tracking="JOB-77", carrier="tms", connector=tms, label=None, amount=None)
        self.assertEqual(picking.hub_carrier_connector_id, tms)
        self.assertEqual(picking.hub_shipment_status, "label_created")
        self.assertFalse(picking.hub_label_attachment_id)
        self.assertFalse(self._labels(picking))
        self.assertFalse(picking.hub_shipping_currency)

        outcome = self._track("tms-1", self._tracking_event("tms:JOB-77:1", "picked_up", "2026-11-24T08:00:00Z",
                                                            tracking="JOB-77"), connector="tms")
        self.assertEqual(outcome, [{"id": "tms-1", "outcome": "applied"}])
        self.assertEqual(picking.hub_shipment_status, "picked_up")

    def test_tracking_only_moves_forward(self):
        picking = self._done_picking()
        self._book(picking)
        outcome = self._track(
            "w1",
            self._tracking_event("pf:1:3", "in_transit", "2026-11-24T10:00:00Z"),
            self._tracking_event("pf:1:2", "picked_up", "2026-11-24T08:00:00Z"),
        )
        self.assertEqual(outcome, [{"id": "w1", "outcome": "applied"}])
        self.assertEqual(picking.hub_shipment_status, "in_transit")
        events = picking.hub_tracking_event_ids
        self.assertEqual(events.mapped("event_uid"), ["pf:1:3", "pf:1:2"], "newest first")
        self.assertEqual(events.mapped("advanced"), [True, True])
        self.assertEqual(events.connector_id, self.parcelfast)
        self.assertEqual(events[0].location, "Utrecht")

        late = self._track("w2", self._tracking_event("pf:1:1", "label_created", "2026-11-24T07:00:00Z"))
        self.assertEqual(late, [{"id": "w2", "outcome": "applied"}], "a late event is news for the history")
        self.assertEqual(picking.hub_shipment_status, "in_transit")
        self.assertFalse(picking.hub_tracking_event_ids.filtered(lambda e: e.event_uid == "pf:1:1").advanced)

        again = self._track("poll:pf:1:3", self._tracking_event("pf:1:3", "in_transit", "2026-11-24T10:00:00Z"))
        self.assertEqual(again, [{"id": "poll:pf:1:3", "outcome": "duplicate"}])
        self.assertEqual(self._track("w1", self._tracking_event("pf:1:9", "delivered", "2026-11-25T10:00:00Z")),
                         [{"id": "w1", "outcome": "duplicate"}], "a replayed message id changes nothing")
        self.assertEqual(len(picking.hub_tracking_event_ids), 3)
        self.assertEqual(picking.hub_shipment_status, "in_transit")
        inbound = self._events(picking, "shipment.tracking", direction="in")
        self.assertEqual(inbound.mapped("state"), ["applied", "applied", "ignored"])

    @mute_logger("odoo.addons.logistics_hub.models.hub_event")
    def test_unknown_tracking_number_stores_nothing(self):
        picking = self._done_picking()
        self._book(picking)
        outcome = self._track("w1", self._tracking_event("pf:X:1", "in_transit", "2026-11-24T10:00:00Z", tracking="NOPE"))
        self.assertEqual(outcome, [{"id": "w1", "outcome": "error", "error": "unknown tracking number NOPE",
                                    "exception": outcome[0]["exception"]}])
        self.assertRegex(outcome[0]["exception"], r"^EXC/\d+$", "refused, so parked (tests/test_parked.py)")
        foreign = self._track("w2", self._tracking_event("sp:1:1", "in_transit", "2026-11-24T10:00:00Z"),
                              connector="swiftpost")
        self.assertEqual(foreign[0]["error"], "unknown tracking number PF100000001",
                         "a carrier only tracks its own shipments")
        bad = self._track("w3", self._tracking_event("pf:1:1", "teleported", "2026-11-24T10:00:00Z"))
        self.assertEqual(bad[0]["outcome"], "error")
        self.assertIn("teleported", bad[0]["error"])
        self.assertFalse(self.env["hub.tracking.event"].search([]))
        self.assertFalse(self._events(picking, direction="in"))
        self.assertEqual(picking.hub_shipment_status, "label_created")

    def test_proof_of_delivery_emits_shipment_delivered(self):
        billing = self._create_connector("billing", "Billing", ["shipment.delivered"], kind="billing")
        picking = self._done_picking()
        booking = self._book(picking)
        pod = {"signed_by": "J. Jansen", "signature_ref": "sig://1", "photo_ref": "photo://1"}
        self._track("w1", self._tracking_event("pf:1:5", "out_for_delivery", "2026-11-25T08:00:00Z"))
        self._track("w2", self._tracking_event("pf:1:6", "delivered", "2026-11-25T10:30:00Z", pod=pod))

        self.assertEqual(picking.hub_shipment_status, "delivered")
        self.assertEqual(str(picking.hub_delivered_at), "2026-11-25 10:30:00")
        self.assertEqual((picking.hub_pod_signed_by, picking.hub_pod_signature_ref, picking.hub_pod_photo_ref),
                         ("J. Jansen", "sig://1", "photo://1"))
        delivered = self._events(picking, "shipment.delivered")
        self.assertEqual(delivered.connector_id, billing)
        self.assertEqual(delivered.state, "pending")
        self.assertEqual(delivered.correlation_id, booking.correlation_id, "continues the shipment's flow")
        shipment = delivered.payload["shipment"]
        self.assertEqual((shipment["tracking_number"], shipment["carrier"], shipment["status"]),
                         ("PF100000001", "parcelfast", "delivered"))
        self.assertEqual(shipment["pod"]["signed_by"], "J. Jansen")
        self.assertEqual(delivered.payload["picking"]["name"], picking.name)

        self._track("w3", self._tracking_event("pf:1:7", "delivered", "2026-11-25T10:31:00Z"),
                    self._tracking_event("pf:1:4", "in_transit", "2026-11-24T10:00:00Z"))
        self.assertEqual(len(self._events(picking, "shipment.delivered")), 1, "delivered is reached once")
        self.assertEqual(picking.hub_pod_signed_by, "J. Jansen")

    @mute_logger("odoo.addons.logistics_hub.models.hub_event")
    def test_which_clock_counts(self):
        """The history keeps the carrier's time however late it arrives; the hub dates what it saw by its
        own clock; an event dated ahead of the hub beyond clock skew is refused and parked (hub/clock.py)."""
        picking = self._done_picking()
        self._book(picking)
        now = fields.Datetime.now()
        week_ago = iso_utc(now - timedelta(days=7))
        self._track("w1", self._tracking_event("pf:1:1", "exception", week_ago, reason="damaged"))
        self.assertEqual(iso_utc(picking.hub_tracking_event_ids.occurred_at), week_ago)
        exception = self.env["hub.exception"].search([("picking_id", "=", picking.id), ("reason", "=", "damaged")])
        self.assertGreaterEqual(exception.last_seen, now, "reported a week late, seen now: it is news now")

        skewed = self._track("w2", self._tracking_event("pf:1:2", "in_transit", iso_utc(now + timedelta(minutes=5))))
        self.assertEqual(skewed[0]["outcome"], "applied", "minutes of clock skew are tolerated")

        tomorrow = iso_utc(now + timedelta(days=1))
        refused = self._track("w3", self._tracking_event("pf:1:3", "in_transit", "2026-11-30T10:00:00Z"),
                              self._tracking_event("pf:1:4", "delivered", tomorrow))
        self.assertEqual(refused[0]["outcome"], "error")
        self.assertIn(f"Tracking event pf:1:4 of PF100000001 is dated {tomorrow}", refused[0]["error"])
        parked = self.env["hub.exception"].search([("name", "=", refused[0]["exception"])])
        self.assertEqual((parked.reason, parked.picking_id), ("inbound_rejected", picking), "kept where people look")
        self.assertEqual((picking.hub_shipment_status, picking.hub_delivered_at), ("exception", False))
        self.assertEqual(sorted(picking.hub_tracking_event_ids.mapped("event_uid")), ["pf:1:1", "pf:1:2"],
                         "nothing of the refused message was stored")

    def test_a_reused_tracking_number_tracks_the_new_delivery(self):
        """Carriers reuse numbers over the years, and with them their event ids: an event id already
        stored for an old delivery is news for the new one."""
        old = self._done_picking()
        self._book(old)
        self._track("w1", self._tracking_event("pf:1:2", "in_transit", "2026-11-24T08:00:00Z"))
        new = self._done_picking()
        self._book(new)  # same tracking number, later booking: the newest delivery wins
        outcome = self._track("w2", self._tracking_event("pf:1:2", "in_transit", "2026-11-25T08:00:00Z"))
        self.assertEqual(outcome, [{"id": "w2", "outcome": "applied"}])
        self.assertEqual(new.hub_tracking_event_ids.mapped("event_uid"), ["pf:1:2"])
        self.assertEqual(new.hub_shipment_status, "in_transit")
        self.assertEqual(len(old.hub_tracking_event_ids), 1, "the old delivery keeps its own history")

    def test_new_tracking_number_is_a_new_shipment(self):
        picking = self._done_picking()
        self._book(picking)
        self._track("w1", self._tracking_event("pf:1:2", "in_transit", "2026-11-24T08:00:00Z"))
        other = self._create_connector("again", "Again", [], kind="carrier", adapter="rate_shop")
        event = self.env["hub.event"]._hub_emit_to(other, "picking.done", picking)
        self._apply_results(self._result(event, shipment=self._shipment("SP555", "swiftpost")))
        self.assertEqual((picking.hub_tracking_number, picking.hub_shipment_status, picking.hub_carrier_connector_id),
                         ("SP555", "label_created", self.swiftpost))
        self.assertEqual(picking.hub_label_attachment_id.name, "Label-SP555.pdf")
        self.assertEqual(len(self._labels(picking)), 2)

        first = self._outbound(picking, self.best)
        self._apply_results(self._result(first, shipment=self._shipment()))
        self.assertEqual(picking.hub_tracking_number, "SP555", "a replayed older booking does not win")

    def test_route_filter_domain_sends_b2b_to_tms_only(self):
        tms = self._create_connector("tms", "Fleet", [], kind="tms", adapter="tms")
        self.env["hub.route"].create({
            "connector_id": tms.id, "event_type": "picking.done",
            "filter_domain": '[("partner_id.is_company", "=", True)]',
        })
        company = self.env["res.partner"].create({"name": "Hub Company", "is_company": True, "city": "Delft"})
        b2c = self._done_picking()
        b2b = self._done_picking(partner=company)
        self.assertFalse(self._outbound(b2c, tms))
        self.assertEqual(len(self._outbound(b2b, tms)), 1)
        self.assertEqual(len(self._outbound(b2c, self.best)), 1, "routes without a filter take every record")
        self.assertEqual(len(self._outbound(b2b, self.best)), 1)

    def test_route_filter_domain_must_parse(self):
        Route = self.env["hub.route"]
        for bad in ("not a domain", "42", '[("no_such_field", "=", 1)]', '[("partner_id", "~~", 1)]'):
            with self.subTest(domain=bad), self.assertRaises(ValidationError), self.env.cr.savepoint():
                Route.create({"connector_id": self.swiftpost.id, "event_type": "picking.done", "filter_domain": bad})
        route = Route.create({"connector_id": self.swiftpost.id, "event_type": "order.confirmed",
                              "filter_domain": "[('partner_id.is_company', '=', True)]"})
        self.assertEqual(route._hub_domain(), [("partner_id.is_company", "=", True)])

    def test_carrier_rule_is_stored(self):
        route = self.best.route_ids
        self.assertEqual(route.carrier_rule, "cheapest")
        route.carrier_rule = "fastest"
        route.flush_recordset()
        # What the sidecar's rate shopping reads (sidecar/src/db/connector-plans.ts).
        self.env.cr.execute(
            "SELECT COALESCE(MAX(carrier_rule), 'cheapest') FROM hub_route WHERE connector_id = %s AND event_type = %s",
            (self.best.id, "picking.done"),
        )
        self.assertEqual(self.env.cr.fetchone()[0], "fastest")

    def test_open_shipments_query_of_the_sidecar(self):
        picking = self._done_picking()
        self._book(picking)
        self.env.flush_all()
        # sidecar/src/db/shipment-plans.ts openShipments
        query = """SELECT id, hub_tracking_number FROM stock_picking
                   WHERE hub_carrier_connector_id = %s AND hub_tracking_number IS NOT NULL
                     AND COALESCE(hub_shipment_status, 'pending') NOT IN ('delivered', 'cancelled', 'return_to_sender')"""
        self.env.cr.execute(query, (self.parcelfast.id,))
        self.assertEqual(self.env.cr.fetchall(), [(picking.id, "PF100000001")])

    def test_status_selection_is_the_canonical_lifecycle(self):
        self.assertEqual(tuple(key for key, _label in SHIPMENT_STATUS_SELECTION), SHIPMENT_STATUSES)
        selection = self.env["stock.picking"]._fields["hub_shipment_status"].get_values(self.env)
        self.assertEqual(tuple(selection), SHIPMENT_STATUSES)

    def test_malformed_shipment_details_are_rejected(self):
        picking = self._done_picking()
        event = self._outbound(picking, self.best)
        bad = self._result(event, shipment=dict(self._shipment(), label_pdf_base64="***"))
        with self.assertRaisesRegex(ValidationError, "label_pdf_base64"):
            self._apply_results(bad)
        with self.assertRaisesRegex(ValidationError, "tracking_number"):
            self._apply_results(self._result(event, shipment=dict(self._shipment(), tracking_number=None)))
        self.assertFalse(picking.hub_tracking_number)
        self.assertEqual(base64.b64decode(self._shipment()["label_pdf_base64"]), LABEL_PDF)

    def test_views_load_for_each_audience(self):
        stock_user = new_test_user(self.env, "stock_only", groups="stock.group_stock_user")
        hub_user = new_test_user(self.env, "stock_hub", groups="stock.group_stock_user,logistics_hub.group_hub_user")
        arches = {}
        for user in (stock_user, hub_user):
            views = self.env["stock.picking"].with_user(user).get_views([(False, "form"), (False, "list")])
            arches[user] = views["views"]["form"]["arch"]
        self.assertIn('name="hub_shipment"', arches[hub_user])
        self.assertIn('name="hub_shipment"', arches[stock_user], "warehouse users see the shipment, read-only")
        views = self.env["hub.exception"].with_user(hub_user).get_views(
            [(False, "list"), (False, "form"), (False, "search")]
        )
        self.assertIn("action_assign_to_me", views["views"]["form"]["arch"])
        self.assertNotIn("action_retry", views["views"]["form"]["arch"], "handling is for managers")
