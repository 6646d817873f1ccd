from unittest.mock import patch

import psycopg2
from psycopg2 import errors as pg_errors

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.sql_db import PoolError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import ShipmentCase


@tagged("post_install", "-at_install")
class TestParked(ShipmentCase):
    """Partner messages and delivery results Odoo refuses are parked as exceptions holding them, and
    Apply again re-applies them (docs/contract.md, "Parked items")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub_user = new_test_user(cls.env, "hub_park_user", groups="base.group_user,logistics_hub.group_hub_user")
        cls.product_2 = cls._create_product("HUB-SKU-2", qty=10)

    def setUp(self):
        super().setUp()
        order = self._create_order()
        order.action_confirm()
        self._at_commit()  # the confirmation commits (and sends picking.ready to the WMS) before any callback
        self.picking = order.picking_ids
        self.assertEqual(self.picking.state, "assigned")

    def _message(self, msg_id, stage, lines=None, picking_id=None):
        return {
            "id": msg_id,
            "type": f"fulfilment.{stage}",
            "correlation_id": "corr-park",
            "data": {"picking_id": picking_id or self.picking.id, "external_ref": "WMS-F-7", "lines": lines or []},
            # Not part of the contract: parked exactly as sent all the same.
            "x-partner-trace": {"attempt": 1},
        }

    def _apply(self, *messages, code="wms-main"):
        return self.env["hub.event"].hub_apply_inbound(code, list(messages))

    def _parked(self, kind=None, key=None):
        domain = [("parked_kind", "!=", False)]
        if kind:
            domain.append(("parked_kind", "=", kind))
        if key:
            domain.append(("parked_key", "=", key))
        return self.env["hub.exception"].search(domain)

    def _park(self, *items):
        return self.env["hub.exception"].hub_park(list(items))

    def _park_item(self, kind, key, item, error="refused", connector_code=None, correlation_id=None):
        return {"kind": kind, "connector_code": connector_code, "key": key, "item": item, "error": error,
                "correlation_id": correlation_id}

    # ------------------------------------------------------------------
    # Parked in the call that refused them
    # ------------------------------------------------------------------

    @mute_logger("odoo.addons.logistics_hub.models.hub_event")
    def test_refused_message_is_parked_with_the_message(self):
        message = self._message("m1", "picked", [{"move_id": None, "sku": "HUB-SKU-2", "quantity": 2}])
        outcome = self._apply(message)
        exception = self._parked()
        self.assertEqual(len(exception), 1)
        self.assertEqual(outcome, [{
            "id": "m1", "outcome": "error", "exception": exception.name,
            "error": f"Line HUB-SKU-2 matches no open move of picking {self.picking.name}.",
        }])
        self.assertEqual((exception.reason, exception.state, exception.parked_kind, exception.parked_key),
                         ("inbound_rejected", "open", "inbound", "wms-main:m1"))
        self.assertEqual(exception.parked_item, message, "the message exactly as the sidecar sent it")
        self.assertEqual((exception.connector_id, exception.picking_id, exception.record_ref),
                         (self.wms, self.picking, self.picking))
        self.assertEqual((exception.correlation_id, exception.occurrences), ("corr-park", 1))
        self.assertIn("HUB-SKU-2", exception.description)
        self.assertIn("HUB-SKU-2", exception.parked_preview)
        self.assertFalse(self._events(self.picking, direction="in"), "the refused message changed nothing")
        self.assertIn(exception.name, self.picking.message_ids[0].body)

        self.assertEqual(self._apply(message), outcome, "a replayed call answers the same")
        self.assertEqual(self._parked(), exception)
        self.assertEqual(exception.occurrences, 1, "the same message refused again in a replay counts once")

    @mute_logger("odoo.addons.logistics_hub.models.hub_event")
    def test_message_naming_no_record_is_parked_without_one(self):
        outcome = self._apply(self._message("m-ghost", "packed", picking_id=999999),
                              {"id": "m-bad", "type": "fulfilment.picked", "data": {"picking_id": "one"}})
        self.assertEqual([o["outcome"] for o in outcome], ["error", "error"])
        ghost, bad = (self._parked(key=f"wms-main:{o['id']}") for o in outcome)
        self.assertEqual([ghost.name, bad.name], [o["exception"] for o in outcome])
        for exception in ghost | bad:
            self.assertFalse(exception.res_model or exception.res_id or exception.record_ref or exception.picking_id)
            self.assertEqual(exception.connector_id, self.wms)
        self.assertEqual(bad.parked_item, {"id": "m-bad", "type": "fulfilment.picked", "data": {"picking_id": "one"}})

        picking = self._done_picking()
        self._book(picking)
        unknown = self._track("t1", self._tracking_event("pf:X:1", "in_transit", "2026-11-24T10:00:00Z",
                                                         tracking="NOPE"))
        foreign = self._track("t2", self._tracking_event("sp:1:1", "in_transit", "2026-11-24T10:00:00Z"),
                              connector="swiftpost")
        self.assertFalse(self._parked(key="parcelfast:t1").res_id)
        self.assertEqual(unknown[0]["exception"], self._parked(key="parcelfast:t1").name)
        foreign_exception = self._parked(key="swiftpost:t2")
        self.assertEqual(foreign[0]["exception"], foreign_exception.name)
        self.assertEqual((foreign_exception.picking_id, foreign_exception.connector_id), (picking, self.swiftpost),
                         "filed with the shipment its tracking number names, on the connector that sent it")

    def test_transient_database_error_fails_the_call(self):
        """A busy or unavailable database is no verdict on the message: never parked, the whole call fails."""
        message = self._message("m1", "picked", [{"move_id": self.picking.move_ids.id, "sku": None, "quantity": 3}])
        Picking = type(self.env["stock.picking"])
        for error in (
            psycopg2.OperationalError("server closed the connection unexpectedly"),
            pg_errors.QueryCanceled("canceling statement due to statement timeout"),
            pg_errors.SerializationFailure("could not serialize access due to concurrent update"),
            psycopg2.InterfaceError("connection already closed"),
            PoolError("The Connection Pool Is Full"),
        ):
            with self.subTest(error=type(error).__name__), \
                    patch.object(Picking, "_hub_apply_picked", autospec=True, side_effect=error):
                with self.assertRaises(type(error)):
                    self._apply(message)
        self.assertFalse(self.env["hub.exception"].search([]))
        self.assertFalse(self._events(self.picking, direction="in"))
        self.assertFalse(self.picking.move_ids.picked)
        self.assertEqual(self._apply(message), [{"id": "m1", "outcome": "applied"}], "the sidecar's retry applies it")

    # ------------------------------------------------------------------
    # hub_park
    # ------------------------------------------------------------------

    def test_hub_park_inbound_items(self):
        message = self._message("p1", "shipped")
        self.wms.active = False
        outcomes = self._park(
            self._park_item("inbound", "wms-main:p1", message, "rejected as a whole", connector_code="wms-main"),
            self._park_item("inbound", "gone:p2", self._message("p2", "shipped", picking_id=999999),
                            connector_code="gone", correlation_id="corr-gone"),
        )
        found, ghost = self._parked(key="wms-main:p1"), self._parked(key="gone:p2")
        self.assertEqual(outcomes, [{"index": 0, "outcome": "parked", "exception": found.name},
                                    {"index": 1, "outcome": "parked", "exception": ghost.name}])
        self.assertEqual((found.reason, found.connector_id, found.picking_id, found.parked_item),
                         ("inbound_rejected", self.wms, self.picking, message), "archived connectors are found too")
        self.assertEqual((found.description, found.correlation_id), ("rejected as a whole", "corr-park"))
        self.assertEqual((ghost.connector_id, ghost.res_model, ghost.correlation_id),
                         (self.env["hub.connector"], False, "corr-gone"))

        again = self._park(self._park_item("inbound", "wms-main:p1", message, "rejected as a whole"))
        self.assertEqual(again, [{"index": 0, "outcome": "parked", "exception": found.name}])
        self.assertEqual(found.occurrences, 1)
        self.assertEqual(len(self._parked()), 2)

    def test_hub_park_writeback_items(self):
        picking = self._done_picking()
        event = self._outbound(picking, self.best)
        malformed = dict(self._result(event), details={"shipment": {"carrier": "parcelfast"}})
        unknown = {"event_uuid": "00000000-dead-beef-0000-000000000000", "status": "sent", "attempt": 1, "at": None}
        outcomes = self._park(
            self._park_item("writeback", f"{event.uuid}:1:sent", malformed, "details.shipment: 'tracking_number'"),
            self._park_item("writeback", f"{unknown['event_uuid']}:1:sent", unknown, "unknown", connector_code="best"),
        )
        found = self._parked(key=f"{event.uuid}:1:sent")
        orphan = self._parked(key=f"{unknown['event_uuid']}:1:sent")
        self.assertEqual([o["exception"] for o in outcomes], [found.name, orphan.name])
        self.assertEqual((found.reason, found.parked_kind, found.connector_id, found.record_ref, found.picking_id),
                         ("writeback_rejected", "writeback", self.best, picking, picking))
        self.assertEqual((found.parked_item, found.correlation_id), (malformed, event.correlation_id))
        self.assertFalse(found.event_id, "Apply again re-applies the result; it resends nothing")
        self.assertEqual((orphan.res_model, orphan.connector_id), (False, self.best))

        self._park(self._park_item("writeback", f"{event.uuid}:1:sent", malformed,
                                   "details.shipment: 'tracking_number'"))
        self.assertEqual((len(self._parked()), found.occurrences), (2, 1), "idempotent per kind and key")

    def test_hub_park_rejects_malformed_input(self):
        item = self._park_item("inbound", "wms-main:p1", self._message("p1", "picked"))
        with self.assertRaisesRegex(ValidationError, "items must be a list"):
            self.env["hub.exception"].hub_park(item)
        with self.assertRaisesRegex(ValidationError, "too many items: 501"):
            self._park(*[item] * 501)
        for broken, message in (
            (dict(item, kind="outbound"), r"items\[1\]: 'kind' must be one of inbound, writeback"),
            (dict(item, key=""), r"items\[1\]: 'key' is required"),
            (dict(item, item=[1]), r"items\[1\]: 'item' must be an object"),
            (dict(item, error=None), r"items\[1\]: 'error' is required"),
            (dict(item, connector_code=7), r"items\[1\]: 'connector_code' must be a string or null"),
            ("parked", r"items\[1\] must be an object"),
        ):
            with self.subTest(message=message), self.assertRaisesRegex(ValidationError, message):
                self._park(item, broken)
        self.assertFalse(self._parked(), "a malformed call parks nothing")
        with self.assertRaises(AccessError):
            self.env["hub.exception"].with_user(self.hub_user).hub_park([item])

    # ------------------------------------------------------------------
    # Apply again
    # ------------------------------------------------------------------

    @mute_logger("odoo.addons.logistics_hub.models.hub_event")
    def test_apply_again_after_the_cause_is_fixed(self):
        message = self._message("m1", "picked", [{"move_id": None, "sku": "HUB-SKU-2", "quantity": 2}])
        self._apply(message)
        exception = self._parked()
        self.assertEqual(exception.state, "open")

        # A person adds the missing product to the delivery.
        move = self.env["stock.move"].create({
            "name": self.product_2.name, "product_id": self.product_2.id, "product_uom_qty": 2,
            "product_uom": self.product_2.uom_id.id, "picking_id": self.picking.id,
            "location_id": self.picking.location_id.id, "location_dest_id": self.picking.location_dest_id.id,
        })
        move._action_confirm()
        action = exception.action_retry()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(exception.state, "resolved")
        self.assertIn("applied", exception.message_ids[0].body)
        self.assertEqual((move.quantity, move.picked), (2, True))
        self.assertEqual(self._events(self.picking, direction="in").mapped("uuid"), ["m1"])

        self.assertEqual(self._apply(message), [{"id": "m1", "outcome": "duplicate"}], "applied exactly once")
        self.assertEqual(self._parked(), exception)
        with self.assertRaises(UserError):
            exception.action_retry()

    def test_apply_again_of_a_result_whose_event_now_exists(self):
        picking = self._done_picking()
        uuid = "11111111-2222-3333-4444-555555555555"
        result = {"event_uuid": uuid, "status": "sent", "attempt": 1, "error": None, "external_ref": "PF100000001",
                  "details": {"shipment": self._shipment()}, "at": "2026-11-23T16:00:00Z"}
        self._park(self._park_item("writeback", f"{uuid}:1:sent", result, "refused", connector_code="best"))
        exception = self._parked()
        self.assertEqual((exception.res_model, exception.connector_id), (False, self.best))

        # The event turns up (e.g. restored from a backup): the result now has something to apply to.
        event = self.env["hub.event"].create({
            "uuid": uuid, "direction": "out", "event_type": "picking.done", "connector_id": self.best.id,
            "res_model": "stock.picking", "res_id": picking.id, "payload": {},
        })
        exception.action_retry()
        self.assertEqual(exception.state, "resolved")
        self.assertIn("applied", exception.message_ids[0].body)
        state = self._sync_state(picking, self.best)
        self.assertEqual((state.status, state.last_event_id, state.external_ref), ("acknowledged", event, "PF100000001"))
        self.assertEqual(picking.hub_tracking_number, "PF100000001")

        self._apply_results(result)
        labels = self.env["ir.attachment"].search([("res_model", "=", "stock.picking"), ("res_id", "=", picking.id)])
        self.assertEqual(labels.mapped("name"), ["Label-PF100000001.pdf"], "booked exactly once")
        self.assertEqual(len(self._parked()), 1)

    @mute_logger("odoo.addons.logistics_hub.models.hub_event")
    def test_apply_again_refused_again_keeps_one_exception(self):
        self._apply(self._message("m1", "picked", [{"move_id": None, "sku": "HUB-SKU-2", "quantity": 2}]))
        inbound = self._parked()
        action = inbound.action_retry()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual((self._parked(), inbound.state, inbound.occurrences), (inbound, "open", 1))
        self.assertIn("still not applied", inbound.message_ids[0].body)
        self.assertIn("HUB-SKU-2", inbound.message_ids[0].body)

        picking = self._done_picking()
        event = self._outbound(picking, self.best)
        malformed = dict(self._result(event), details={"shipment": {"carrier": "parcelfast"}})
        self._park(self._park_item("writeback", f"{event.uuid}:1:sent", malformed, "Odoo refused the call"))
        writeback = self._parked("writeback")
        writeback.action_retry()
        self.assertEqual((self._parked("writeback"), writeback.state), (writeback, "open"))
        self.assertIn("tracking_number", writeback.description, "the new error replaces the sidecar's")
        self.assertEqual(writeback.occurrences, 2, "refused for another reason: one more occurrence")
        self.assertIn("still not applied", writeback.message_ids[0].body)
        self.assertIn("tracking_number", writeback.message_ids[0].body)
        self.assertEqual(self._sync_state(picking, self.best).status, "pending", "nothing of it was applied")

    def test_apply_again_says_when_the_connector_is_gone(self):
        self._park(
            self._park_item("inbound", "gone:p1", self._message("p1", "picked"), connector_code="gone"),
            self._park_item("inbound", "wms-main:p2", self._message("p2", "picked"), connector_code="wms-main"),
        )
        with self.assertRaisesRegex(UserError, r"connector of this partner message \(gone\) no longer exists"):
            self._parked(key="gone:p1").action_retry()
        self.wms.active = False
        with self.assertRaisesRegex(UserError, "Connector WMS Main is archived"):
            self._parked(key="wms-main:p2").action_retry()
        self.assertEqual(set(self._parked().mapped("state")), {"open"})

        self.wms.active = True
        self._parked(key="wms-main:p2").action_retry()
        self.assertEqual(self._parked(key="wms-main:p2").state, "resolved")
        self.assertTrue(self.picking.move_ids.picked)

    def test_hub_user_cannot_apply_again(self):
        self._park(self._park_item("inbound", "wms-main:p1", self._message("p1", "picked"), connector_code="wms-main"))
        with self.assertRaises(AccessError):
            self._parked().with_user(self.hub_user).action_retry()
        self.assertFalse(self.picking.move_ids.picked)
