import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..hub.channels import SYNC_NOTIFICATION_TYPE, parse_sync_channel, sync_channel
from ..hub.preview import MASK, mask_secrets
from .common import HubCase


@tagged("post_install", "-at_install")
class TestSyncUi(HubCase):
    """What the OWL widgets call: badges, their bus notifications, the timeline preview and replay."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hook = cls._create_connector("hook", "Webhook", ["order.confirmed"])
        cls.order = cls.env["sale.order"].create({
            "partner_id": cls.customer.id,
            "order_line": [(0, 0, {"product_id": cls.product.id, "product_uom_qty": 3})],
        })
        cls.order.action_confirm()
        cls.event = cls.env["hub.event"].search([
            ("res_model", "=", "sale.order"), ("res_id", "=", cls.order.id),
            ("event_type", "=", "order.confirmed"), ("connector_id", "=", cls.wms.id),
        ])
        cls.hub_user = new_test_user(cls.env, "hub_ui_user", groups="base.group_user,logistics_hub.group_hub_user,sales_team.group_sale_salesman_all_leads")
        cls.plain_user = new_test_user(cls.env, "hub_ui_plain", groups="base.group_user,sales_team.group_sale_salesman_all_leads")

    def _result(self, status, attempt=1, error=None, event=None):
        event = event or self.event
        return {"event_uuid": event.uuid, "status": status, "attempt": attempt, "error": error,
                "external_ref": None, "at": "2026-11-23T16:00:00Z"}

    def _bus_messages(self, channel):
        """Bus notifications written by this transaction for ``channel`` (bus.bus rows are created
        in precommit, which a test transaction never reaches on its own)."""
        self.env.cr.precommit.run()
        key = json.dumps([self.env.cr.dbname, channel], separators=(",", ":"))
        rows = self.env["bus.bus"].sudo().search([("channel", "=", key)], order="id")
        return [json.loads(row.message) for row in rows]

    # ------------------------------------------------------------------
    # Badges
    # ------------------------------------------------------------------

    def test_badges_one_per_connector(self):
        self.env["hub.sync.state"].hub_apply_results([self._result("failed", attempt=2, error="HTTP 503")])
        badges = self.order.hub_sync_badges
        self.assertEqual({b["connector"]: b["status"] for b in badges}, {"Webhook": "pending", "WMS Main": "failed"})
        wms = next(b for b in badges if b["connector_id"] == self.wms.id)
        self.assertEqual(wms["connector_id"], self.wms.id)
        self.assertEqual(wms["attempts"], 2)
        self.assertEqual(wms["last_error"], "HTTP 503")
        self.assertEqual(wms["correlation_id"], self.event.correlation_id)
        self.assertEqual(wms["last_sync_at"], "2026-11-23 16:00:00")

    def test_badges_empty_for_unsynced_record(self):
        self.assertFalse(self._create_order().hub_sync_badges)

    def test_badge_details_need_hub_user(self):
        self.env["hub.sync.state"].hub_apply_results([self._result("failed", attempt=2, error="HTTP 503")])
        employee = new_test_user(self.env, "hub_ui_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.order.with_user(employee).read(["hub_sync_badges"])
        # a salesperson is a Status Viewer: the status, not what the partner answered
        [salesperson] = [b for b in self.order.with_user(self.plain_user).read(["hub_sync_badges"])[0]["hub_sync_badges"]
                         if b["connector_id"] == self.wms.id]
        self.assertEqual((salesperson["status"], salesperson["last_error"], salesperson["correlation_id"]), ("failed", False, False))
        [hub] = [b for b in self.order.with_user(self.hub_user).read(["hub_sync_badges"])[0]["hub_sync_badges"]
                 if b["connector_id"] == self.wms.id]
        self.assertEqual(hub["last_error"], "HTTP 503")

    # ------------------------------------------------------------------
    # Live updates through the bus
    # ------------------------------------------------------------------

    def test_write_back_notifies_the_record_channel(self):
        channel = sync_channel("sale.order", self.order.id)
        self._bus_messages(channel)  # whatever setUp wrote is in bus.bus now, and goes
        self.env["bus.bus"].sudo().search([]).unlink()
        self.env["hub.sync.state"].hub_apply_results([self._result("sent")])
        # the order's process card is told on the same channel with its own type (tests/test_process_card.py)
        messages = [m for m in self._bus_messages(channel) if m["type"] == SYNC_NOTIFICATION_TYPE]
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages[0]["type"], SYNC_NOTIFICATION_TYPE)
        payload = messages[0]["payload"]
        self.assertEqual((payload["model"], payload["id"]), ("sale.order", self.order.id))
        self.assertEqual({b["connector"]: b["status"] for b in payload["badges"]}, {"WMS Main": "sent", "Webhook": "pending"})

    def test_new_event_is_not_pushed_but_acknowledgement_is(self):
        self.env["bus.bus"].sudo().search([]).unlink()
        order = self._create_order()
        order.action_confirm()
        picking = order.picking_ids
        # the confirming user's form reloads with the new badge; nobody else needs a push for it
        self.assertEqual(self._bus_messages(sync_channel("stock.picking", picking.id)), [])
        self.assertEqual([b["status"] for b in picking.hub_sync_badges], ["pending"], "picking.ready made the picking pending")
        self.env["bus.bus"].sudo().search([]).unlink()
        self._sync_state(picking, self.wms)._hub_acknowledge("WMS-1")
        messages = self._bus_messages(sync_channel("stock.picking", picking.id))
        self.assertEqual(messages[-1]["payload"]["badges"][0]["status"], "acknowledged")
        self.assertEqual(messages[-1]["payload"]["badges"][0]["external_ref"], "WMS-1")

    def test_stale_result_notifies_nothing(self):
        self.env["hub.sync.state"].hub_apply_results([self._result("failed", attempt=3)])
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        outcomes = self.env["hub.sync.state"].hub_apply_results([self._result("failed", attempt=2)])
        self.assertEqual(outcomes[0]["outcome"], "stale")
        self.assertEqual(self._bus_messages(sync_channel("sale.order", self.order.id)), [])

    def test_websocket_keeps_only_followable_sync_channels(self):
        mine = sync_channel("sale.order", self.order.id)
        missing = sync_channel("sale.order", 999999999)
        not_synced = sync_channel("res.partner", self.customer.id)
        requested = [mine, missing, not_synced, "logistics_hub.sync/garbage", "some_other_channel"]
        kept = self.env["ir.websocket"].with_user(self.hub_user)._hub_filter_channels(list(requested))
        self.assertIn(mine, kept)
        self.assertIn("some_other_channel", kept, "other modules' channels are not our business")
        for channel in (missing, not_synced, "logistics_hub.sync/garbage"):
            self.assertNotIn(channel, kept)
        kept = self.env["ir.websocket"].with_user(self.plain_user)._hub_filter_channels(list(requested))
        self.assertNotIn(mine, kept, "no sync channel for users outside the hub groups")

    def test_channel_names(self):
        self.assertEqual(parse_sync_channel(sync_channel("stock.picking", 42)), ("stock.picking", 42))
        for bad in ("logistics_hub.sync/stock.picking/0", "logistics_hub.sync/stock.picking/4x",
                    "logistics_hub.sync/Stock/1", "logistics_hub.sync/a/1/2", None, 42):
            self.assertIsNone(parse_sync_channel(bad))

    # ------------------------------------------------------------------
    # Timeline: preview and replay
    # ------------------------------------------------------------------

    def test_mask_secrets(self):
        masked = mask_secrets({
            "order": {"name": "S1", "api_token": "t0k", "lines": [{"Password": "p", "sku": "A"}]},
            "headers": {"Authorization": "Bearer abc", "X-Signature": "v1,xyz", "accept": "json"},
            "secret": "", "note": "whsec_c2VjcmV0", "empty_token": None,
        })
        self.assertEqual(masked["order"], {"name": "S1", "api_token": MASK, "lines": [{"Password": MASK, "sku": "A"}]})
        self.assertEqual(masked["headers"], {"Authorization": MASK, "X-Signature": MASK, "accept": "json"})
        self.assertEqual((masked["secret"], masked["note"], masked["empty_token"]), ("", MASK, None))

    def test_preview_is_the_envelope_with_secrets_masked(self):
        self.event.sudo().payload = dict(self.event.payload, credentials={"password": "hunter2"}, token="abc")
        [row] = self.env["hub.event"].with_user(self.hub_user).hub_event_preview([self.event.id])
        self.assertEqual(row["id"], self.event.id)
        envelope = json.loads(row["preview"])
        self.assertEqual(envelope["id"], self.event.uuid)
        self.assertEqual(envelope["type"], "order.confirmed")
        self.assertEqual(envelope["source"], {"model": "sale.order", "id": self.order.id})
        self.assertEqual(envelope["data"]["order"]["name"], self.order.name)
        self.assertEqual(envelope["data"]["credentials"], {"password": MASK})
        self.assertEqual(envelope["data"]["token"], MASK)
        self.assertNotIn("hunter2", row["preview"])
        self.assertNotIn("hunter2", self.event.envelope_preview, "the event form shows the masked envelope too")

    def test_preview_needs_read_access(self):
        with self.assertRaises(AccessError):
            self.env["hub.event"].with_user(self.plain_user).hub_event_preview([self.event.id])

    def test_replay_writes_a_new_pending_event(self):
        self.env["hub.sync.state"].hub_apply_results([self._result("dead", attempt=5, error="HTTP 422")])
        self.event.sudo().write({"state": "dead"})
        self.order.client_order_ref = "PO-REPLAY"
        before = self._events(self.order, "order.confirmed")
        action = self.event.action_hub_replay()
        self.assertEqual(self._events(self.order, "order.confirmed"), before, "the dialog sends nothing by itself")
        self.assertEqual(self._resend(action)["tag"], "display_notification")
        replay = self._events(self.order, "order.confirmed") - before
        self.assertEqual(len(replay), 1)
        self.assertEqual(replay.state, "pending")
        self.assertEqual(replay.connector_id, self.wms, "same connector only")
        self.assertEqual(replay.correlation_id, self.event.correlation_id)
        self.assertNotEqual(replay.uuid, self.event.uuid)
        self.assertGreater(replay.id, self.event.id, "the lane delivers it after the original")
        self.assertEqual(self.event.state, "dead", "the sidecar's row is left alone")
        state = self._sync_state(self.order, self.wms)
        self.assertEqual((state.status, state.last_event_id, state.attempts), ("pending", replay, 0))
        self.assertIn("sent again", self.order.message_ids[0].body)
        exception = self.env["hub.exception"].search([("res_model", "=", "sale.order"), ("res_id", "=", self.order.id), ("reason", "!=", "process_failed")])
        self.assertEqual((exception.state, exception.event_id), ("in_progress", replay),
                         "the dead delivery's exception now waits for the replay")
        self.assertIn("Sent again by", exception.message_ids[0].body)

    def test_replay_takes_a_fresh_snapshot(self):
        line = self.order.order_line[0]
        line.product_uom_qty = 7
        self._resend(self.event.action_hub_replay())
        replay = self._events(self.order, "order.confirmed")[-1]
        self.assertEqual(replay.payload["order"]["lines"][0]["quantity"], 7)
        self.assertEqual(self.event.payload["order"]["lines"][0]["quantity"], 3)

    def test_replay_is_for_managers_and_outbound_events(self):
        with self.assertRaises(AccessError):
            self.event.with_user(self.hub_user).action_hub_replay()
        inbound = self.env["hub.event"].sudo().create({
            "direction": "in", "event_type": "fulfilment.picked", "connector_id": self.wms.id,
            "res_model": "sale.order", "res_id": self.order.id, "state": "applied",
        })
        with self.assertRaises(UserError):
            inbound.action_hub_replay()
        self.wms.active = False
        with self.assertRaises(UserError):
            self.event.action_hub_replay()

    def test_replay_preview_shows_what_would_be_sent(self):
        self.order.order_line[0].product_uom_qty = 9
        envelope = json.loads(self.event._hub_replay_preview())
        self.assertEqual(envelope["type"], "order.confirmed")
        self.assertEqual(envelope["correlation_id"], self.event.correlation_id)
        self.assertEqual(envelope["data"]["order"]["lines"][0]["quantity"], 9)
        self.assertEqual(envelope["id"], self.event.uuid, "a re-send repeats the request: same partner key")

    def test_workbench_preview_of_a_dead_delivery(self):
        self.env["hub.sync.state"].hub_apply_results([self._result("dead", attempt=5, error="HTTP 422")])
        exception = self.env["hub.exception"].search([("res_model", "=", "sale.order"), ("res_id", "=", self.order.id), ("reason", "!=", "process_failed")])
        self.assertEqual((exception.reason, exception.event_id), ("partner_rejected", self.event),
                         "a dead-lettered delivery is an exception of the workbench")
        envelope = json.loads(exception.replay_preview)
        self.assertEqual((envelope["type"], envelope["source"]["id"]), ("order.confirmed", self.order.id))
        self._resend(exception.action_retry())
        self.assertIn("Sent again by", exception.message_ids[0].body)

