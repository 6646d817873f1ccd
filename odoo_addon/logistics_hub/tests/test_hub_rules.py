from datetime import datetime, timedelta

from odoo.tests import BaseCase, tagged

from ..hub.clock import FUTURE_TOLERANCE, first_dated_ahead
from ..hub.envelope import build_envelope, iso_utc, new_secret
from ..hub.incidents import (
    inbound_park_key,
    park_occurrence_key,
    parked_connector_code,
    result_exception_reason,
    tracking_exception_reason,
)
from ..hub.lifecycle import SHIPMENT_RANK, advance, can_cancel, final_status
from ..hub.messages import (
    MessageError,
    check_batch,
    check_fulfilment_data,
    check_park,
    check_result,
    check_tracking_data,
)
from ..hub.status import fulfilment_stage, is_late_fulfilment, is_stale, worst_status

# The lifecycle as documented (docs/architecture.md "Contracts", docs/contract.md) and in sidecar/src/shipping/lifecycle.ts.
DOCUMENTED_RANK = {
    "pending": 0, "label_created": 10, "picked_up": 20, "in_transit": 30, "exception": 35,
    "out_for_delivery": 40, "delivery_failed": 45, "return_to_sender": 50, "cancelled": 60, "delivered": 70,
}


@tagged("post_install", "-at_install")
class TestHubRules(BaseCase):
    """The framework-neutral rules, without a database."""

    def test_worst_status(self):
        self.assertEqual(worst_status(["acknowledged", "sent", "failed"]), "failed")
        self.assertEqual(worst_status(["sent", "dead", "failed"]), "dead")
        self.assertEqual(worst_status(["acknowledged", "pending"]), "pending")
        self.assertIs(worst_status([]), False)

    def test_is_stale(self):
        self.assertFalse(is_stale(None, (1, 1, "sent")))
        self.assertTrue(is_stale((2, 0, "pending"), (1, 5, "acknowledged")), "older event")
        self.assertTrue(is_stale((2, 3, "failed"), (2, 2, "sent")), "older attempt")
        self.assertFalse(is_stale((2, 3, "failed"), (2, 3, "failed")), "replay applies again")
        self.assertTrue(is_stale((2, 1, "acknowledged"), (2, 1, "sent")))
        self.assertTrue(is_stale((2, 1, "acknowledged"), (2, 4, "failed")), "ack is final for its event")
        self.assertFalse(is_stale((2, 1, "acknowledged"), (3, 0, "sent")), "a newer event moves on")

    def test_fulfilment_stages(self):
        self.assertEqual(fulfilment_stage([]), 0)
        self.assertEqual(fulfilment_stage(["fulfilment.picked"], picking_done=True), 2)
        self.assertTrue(is_late_fulfilment("fulfilment.picked", 2))
        self.assertFalse(is_late_fulfilment("fulfilment.packed", 2))
        self.assertFalse(is_late_fulfilment("fulfilment.shipped", 2))
        self.assertTrue(is_late_fulfilment("fulfilment.packed", fulfilment_stage(["fulfilment.shipped"])))

    def test_envelope(self):
        envelope = build_envelope("m1", "picking.ready", datetime(2026, 11, 23, 16, 0, 0, 123), "c1",
                                  "stock.picking", 42, {"picking": {}})
        self.assertEqual(envelope, {
            "id": "m1", "type": "picking.ready", "occurred_at": "2026-11-23T16:00:00Z", "correlation_id": "c1",
            "source": {"model": "stock.picking", "id": 42}, "data": {"picking": {}},
        })
        self.assertIsNone(iso_utc(False))
        self.assertRegex(new_secret(), r"^whsec_[A-Za-z0-9+/]{32}$")

    def test_message_checks(self):
        with self.assertRaisesRegex(MessageError, "must be a list"):
            check_batch({"id": 1}, "messages")
        with self.assertRaisesRegex(MessageError, "too many"):
            check_batch([{}] * 501, "messages")
        result = check_result({"event_uuid": "e", "status": "sent", "attempt": 1, "at": "2026-01-01T10:00:00Z"}, 0)
        self.assertEqual(result["at"], datetime(2026, 1, 1, 10, 0, 0))
        with self.assertRaisesRegex(MessageError, r"results\[3\]: 'attempt'"):
            check_result({"event_uuid": "e", "status": "sent", "attempt": True}, 3)
        with self.assertRaisesRegex(MessageError, "'status'"):
            check_result({"event_uuid": "e", "status": "delivered", "attempt": 1}, 0)
        with self.assertRaisesRegex(MessageError, "move_id.*sku"):
            check_fulfilment_data({"picking_id": 1, "lines": [{"quantity": 1}]})
        with self.assertRaisesRegex(MessageError, "picking_id"):
            check_fulfilment_data({"lines": []})

    def test_shipment_lifecycle_is_the_documented_table(self):
        self.assertEqual(SHIPMENT_RANK, DOCUMENTED_RANK)
        self.assertEqual(list(SHIPMENT_RANK), sorted(DOCUMENTED_RANK, key=DOCUMENTED_RANK.get), "listed by rank")
        for current in DOCUMENTED_RANK:
            for reported in DOCUMENTED_RANK:
                expected = reported if DOCUMENTED_RANK[reported] > DOCUMENTED_RANK[current] else current
                self.assertEqual(advance(current, reported), expected, (current, reported))
        self.assertEqual(advance(False, "in_transit"), "in_transit")
        happy = ["label_created", "picked_up", "in_transit", "out_for_delivery", "delivered"]
        self.assertEqual(final_status(happy), "delivered")
        self.assertEqual(final_status(reversed(happy)), "delivered", "order does not matter")
        self.assertEqual(final_status(happy[:3] + happy[:3]), "in_transit", "duplicates do not matter")
        self.assertEqual(final_status(["in_transit", "exception", "out_for_delivery"]), "out_for_delivery")
        self.assertTrue(can_cancel("exception"))
        self.assertFalse(can_cancel("delivered"))

    def test_exception_reasons(self):
        self.assertEqual(result_exception_reason("dead", "HTTP 422", "rate_shop"), "label_failure")
        self.assertEqual(result_exception_reason("dead", "HTTP 422", "tms"), "label_failure")
        self.assertEqual(result_exception_reason("dead", "HTTP 400", "webhook"), "partner_rejected")
        self.assertEqual(result_exception_reason("dead", "parcelfast: ADDRESS_INVALID zip", "rate_shop"),
                         "address_invalid")
        self.assertEqual(result_exception_reason("failed", "no carrier could book WH/OUT/7: x", "rate_shop"),
                         "no_carrier")
        self.assertIsNone(result_exception_reason("failed", "HTTP 503", "rate_shop"))
        self.assertIsNone(result_exception_reason("sent", None, "rate_shop"))
        self.assertEqual(tracking_exception_reason("exception", "lost_parcel"), "lost_parcel")
        self.assertEqual(tracking_exception_reason("delivery_failed", "recipient_absent"), "delivery_failed")
        self.assertEqual(tracking_exception_reason("return_to_sender", None), "other")
        self.assertIsNone(tracking_exception_reason("in_transit", "delayed"))

    def test_parked_items(self):
        key = inbound_park_key("wms-main", "poll:pf:1:3")
        self.assertEqual(key, "wms-main:poll:pf:1:3")
        self.assertEqual(parked_connector_code(key), "wms-main", "message ids may hold ':', codes never")
        self.assertIsNone(parked_connector_code("no-separator"))
        self.assertIsNone(parked_connector_code(":m1"))
        self.assertEqual(park_occurrence_key("inbound", key, "boom"), park_occurrence_key("inbound", key, "boom"))
        self.assertNotEqual(park_occurrence_key("inbound", key, "boom"), park_occurrence_key("inbound", key, "bang"))
        item = {"kind": "writeback", "key": "u:1:sent", "item": {"event_uuid": "u"}, "error": "x",
                "connector_code": None, "correlation_id": "c", "extra": True}
        self.assertEqual(check_park(item, 0), {
            "kind": "writeback", "connector_code": None, "key": "u:1:sent", "item": {"event_uuid": "u"},
            "error": "x", "correlation_id": "c",
        })
        with self.assertRaisesRegex(MessageError, r"items\[4\]: 'kind' must be one of inbound, writeback"):
            check_park(dict(item, kind=None), 4)

    def test_events_dated_ahead_of_the_hub(self):
        now = datetime(2026, 12, 1, 12, 0)
        events = [{"id": "old", "occurred_at": now - timedelta(days=30)},
                  {"id": "skewed", "occurred_at": now + FUTURE_TOLERANCE},
                  {"id": "ahead", "occurred_at": now + FUTURE_TOLERANCE + timedelta(seconds=1)}]
        self.assertIsNone(first_dated_ahead(events[:2], now), "the past and clock skew are plausible")
        self.assertEqual(first_dated_ahead(events, now)["id"], "ahead")

    def test_tracking_and_shipment_checks(self):
        data = check_tracking_data({"tracking_number": "PF1", "events": [
            {"id": "e1", "status": "delivered", "occurred_at": "2026-11-24T10:00:00+01:00",
             "pod": {"signed_by": "A", "signature_ref": None}},
        ]})
        event = data["events"][0]
        self.assertEqual((event["tracking_number"], event["occurred_at"]), ("PF1", datetime(2026, 11, 24, 9, 0)))
        self.assertEqual(event["pod"], {"signed_by": "A", "signature_ref": None, "photo_ref": None})
        for bad, message in (
            ({"tracking_number": "PF1", "events": []}, "non-empty list"),
            ({"events": [{"id": "e1", "status": "delivered", "occurred_at": "2026-11-24T10:00:00Z"}]}, "tracking number"),
            ({"tracking_number": "PF1", "events": [{"id": "e1", "status": "lost", "occurred_at": "x"}]}, "'status'"),
            ({"tracking_number": "PF1", "events": [{"id": "e1", "status": "delivered", "occurred_at": None}]}, "occurred_at"),
        ):
            with self.subTest(message=message), self.assertRaisesRegex(MessageError, message):
                check_tracking_data(bad)
        result = check_result({"event_uuid": "e", "status": "sent", "attempt": 1, "details": {"shipment": {
            "carrier": "parcelfast", "tracking_number": "PF1", "service": None, "label_pdf_base64": "JVBERg==",
            "amount": 7, "currency": "EUR", "rates_considered": 3}}}, 0)
        self.assertEqual(result["shipment"]["amount"], 7.0)
        failed = check_result({"event_uuid": "e", "status": "failed", "attempt": 1, "details": {"shipment": 1}}, 0)
        self.assertIsNone(failed["shipment"], "only a sent result books a shipment")
        with self.assertRaisesRegex(MessageError, r"results\[0\].details.shipment: 'amount'"):
            check_result({"event_uuid": "e", "status": "sent", "attempt": 1, "details": {"shipment": {
                "carrier": "parcelfast", "tracking_number": "PF1", "amount": "7"}}}, 0)
