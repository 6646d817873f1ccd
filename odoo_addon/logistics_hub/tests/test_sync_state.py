from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import HubCase


@tagged("post_install", "-at_install")
class TestSyncState(HubCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hook = cls._create_connector("hook", "Webhook", ["order.confirmed", "order.cancelled"])
        cls.order = cls.env["sale.order"].create({
            "partner_id": cls.customer.id,
            "order_line": [(0, 0, {"product_id": cls.product.id, "product_uom_qty": 1})],
        })
        cls.order.action_confirm()
        events = cls.env["hub.event"].search([
            ("res_model", "=", "sale.order"), ("res_id", "=", cls.order.id), ("event_type", "=", "order.confirmed"),
        ])
        cls.event = events.filtered(lambda e: e.connector_id == cls.wms)
        cls.hook_event = events.filtered(lambda e: e.connector_id == cls.hook)

    def _apply(self, *results):
        return self.env["hub.sync.state"].hub_apply_results([
            {"event_uuid": self.event.uuid, "error": None, "external_ref": None, "at": "2026-11-23T16:00:00Z", **r}
            for r in results
        ])

    def _state(self, connector=None):
        return self._sync_state(self.order, connector or self.wms)

    def _snapshot(self):
        state = self._state()
        return state.read(["status", "attempts", "last_attempt", "last_event_id", "last_error", "external_ref",
                           "last_sync_at", "correlation_id"])[0]

    def test_apply_sent(self):
        outcomes = self._apply({"status": "sent", "attempt": 1, "external_ref": "ORD-77", "correlation_id": "x"})
        self.assertEqual(outcomes, [{"event_uuid": self.event.uuid, "outcome": "applied"}])
        state = self._state()
        self.assertEqual(state.status, "sent")
        self.assertEqual(state.attempts, 1)
        self.assertEqual(state.external_ref, "ORD-77")
        self.assertEqual(state.correlation_id, self.event.correlation_id)
        self.assertEqual(str(state.last_sync_at), "2026-11-23 16:00:00")
        self.assertEqual(self._state(self.hook).status, "pending", "other connectors are untouched")
        self.assertEqual(self.event.state, "pending", "hub_event.state belongs to the sidecar")

    def test_apply_twice_is_like_once(self):
        result = {"status": "failed", "attempt": 2, "error": "HTTP 503"}
        self._apply(result)
        once = self._snapshot()
        self.assertEqual(self._apply(result), [{"event_uuid": self.event.uuid, "outcome": "applied"}])
        self.assertEqual(self._snapshot(), once)
        self.assertEqual(once["last_error"], "HTTP 503")

    def test_older_attempt_is_stale(self):
        self._apply({"status": "failed", "attempt": 2, "error": "timeout"})
        self.assertEqual(self._apply({"status": "sent", "attempt": 1}),
                         [{"event_uuid": self.event.uuid, "outcome": "stale"}])
        self.assertEqual(self._state().status, "failed")
        self.assertEqual(self._state().last_attempt, 2)

    def test_older_event_is_stale(self):
        self.order.with_context(disable_cancel_warning=True).action_cancel()
        cancelled = self._events(self.order, "order.cancelled").filtered(lambda e: e.connector_id == self.wms)
        self.assertEqual(self._state().last_event_id, cancelled)
        self.assertEqual(self._apply({"status": "acknowledged", "attempt": 1}),
                         [{"event_uuid": self.event.uuid, "outcome": "stale"}])
        self.assertEqual(self._state().status, "pending")

    def test_acknowledged_is_never_downgraded(self):
        self._apply({"status": "acknowledged", "attempt": 1, "external_ref": "WMS-1"})
        outcomes = self._apply({"status": "sent", "attempt": 1}, {"status": "failed", "attempt": 3, "error": "late"})
        self.assertEqual([o["outcome"] for o in outcomes], ["stale", "stale"])
        state = self._state()
        self.assertEqual(state.status, "acknowledged")
        self.assertEqual(state.external_ref, "WMS-1")
        self.assertFalse(state.last_error)

    def test_reordered_batch(self):
        outcomes = self._apply({"status": "sent", "attempt": 2}, {"status": "failed", "attempt": 1, "error": "x"})
        self.assertEqual([o["outcome"] for o in outcomes], ["applied", "stale"])
        self.assertEqual(self._state().status, "sent")

    def test_unknown_event(self):
        outcomes = self.env["hub.sync.state"].hub_apply_results([{"event_uuid": "nope", "status": "sent", "attempt": 1}])
        self.assertEqual(outcomes, [{"event_uuid": "nope", "outcome": "unknown_event"}])

    def test_malformed_results(self):
        SyncState = self.env["hub.sync.state"]
        with self.assertRaisesRegex(ValidationError, "must be a list"):
            SyncState.hub_apply_results({"event_uuid": self.event.uuid})
        with self.assertRaisesRegex(ValidationError, r"results\[0\]: 'status'"):
            SyncState.hub_apply_results([{"event_uuid": self.event.uuid, "status": "done", "attempt": 1}])
        with self.assertRaisesRegex(ValidationError, "too many"):
            SyncState.hub_apply_results([{"event_uuid": "x", "status": "sent", "attempt": 1}] * 501)
        self.assertEqual(self._state().status, "pending")

    def test_aggregated_status_and_summary(self):
        self.assertEqual(self.order.hub_sync_status, "pending")
        self._apply({"status": "acknowledged", "attempt": 1})
        self.env["hub.sync.state"].hub_apply_results([
            {"event_uuid": self.hook_event.uuid, "status": "failed", "attempt": 1, "error": "HTTP 500"},
        ])
        self.assertEqual(self.order.hub_sync_status, "failed")
        self.assertEqual(self.order.hub_sync_summary, "WMS Main: Acknowledged · Webhook: Failed")
        self.env["hub.sync.state"].hub_apply_results([
            {"event_uuid": self.hook_event.uuid, "status": "dead", "attempt": 5, "error": "gave up"},
        ])
        self.assertEqual(self.order.hub_sync_status, "dead")

        other = self._create_order()
        self.assertIs(other.hub_sync_status, False)
        self.assertIs(other.hub_sync_summary, False)
        orders = self.order | other
        orders.invalidate_recordset(["hub_sync_status"])
        self.assertEqual(orders.mapped("hub_sync_status"), ["dead", False])
