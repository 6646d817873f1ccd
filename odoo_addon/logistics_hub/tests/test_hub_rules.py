from datetime import datetime

from odoo.tests import BaseCase, tagged

from ..hub.envelope import build_envelope, correlation_id_for_transaction, iso_utc, new_secret
from ..hub.messages import MessageError, check_batch, check_fulfilment_data, check_result
from ..hub.status import fulfilment_stage, is_late_fulfilment, is_stale, worst_status


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
        self.assertEqual(correlation_id_for_transaction(7), correlation_id_for_transaction(7))
        self.assertNotEqual(correlation_id_for_transaction(7), correlation_id_for_transaction(8))
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
