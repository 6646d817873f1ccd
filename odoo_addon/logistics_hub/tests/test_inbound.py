from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HubCase


@tagged("post_install", "-at_install")
class TestInbound(HubCase):

    def setUp(self):
        super().setUp()
        self.order = self._create_order()
        self.order.action_confirm()
        self._at_commit()  # the confirmation commits (and sends picking.ready) before any callback
        self.picking = self.order.picking_ids
        self.move = self.picking.move_ids
        self.assertEqual(self.picking.state, "assigned")

    def _message(self, msg_id, stage, lines=None, picking=None, ref="WMS-F-1"):
        return {
            "id": msg_id,
            "type": f"fulfilment.{stage}",
            "correlation_id": "corr-1",
            "data": {"picking_id": (picking or self.picking).id, "external_ref": ref, "lines": lines or []},
        }

    def _apply(self, *messages, code="wms-main"):
        return self.env["hub.event"].hub_apply_inbound(code, list(messages))

    def test_picked_then_packed_validates_and_acknowledges(self):
        outcomes = self._apply(self._message("m1", "picked", [{"move_id": self.move.id, "sku": None, "quantity": 3}]))
        self.assertEqual(outcomes, [{"id": "m1", "outcome": "applied"}])
        self.assertTrue(self.move.picked)
        self.assertEqual(self.move.quantity, 3)
        self.assertEqual(self.picking.state, "assigned")

        self.assertEqual(self._apply(self._message("m2", "packed")), [{"id": "m2", "outcome": "applied"}])
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.move.quantity, 3)
        state = self._sync_state(self.picking, self.wms)
        self.assertEqual(state.status, "acknowledged")
        self.assertEqual(state.external_ref, "WMS-F-1")

        inbound = self._events(self.picking, direction="in")
        self.assertEqual(inbound.mapped("uuid"), ["m1", "m2"])
        self.assertEqual(set(inbound.mapped("state")), {"applied"})
        self.assertEqual(set(inbound.mapped("correlation_id")), {"corr-1"})
        self.assertEqual(inbound[0].payload["lines"][0]["quantity"], 3)
        self.assertEqual(self._events(self.picking, "picking.done").correlation_id, "corr-1",
                         "what the callback causes continues the partner's flow")
        self.assertIn("fulfilment.packed", self.picking.message_ids[0].body)

    def test_duplicate_changes_nothing(self):
        message = self._message("m1", "picked", [{"move_id": None, "sku": "HUB-SKU-1", "quantity": 2}])
        self._apply(message)
        self.move.quantity = 1
        self.assertEqual(self._apply(message), [{"id": "m1", "outcome": "duplicate"}])
        self.assertEqual(self.move.quantity, 1)
        self.assertEqual(len(self._events(self.picking, direction="in")), 1)
        self.assertEqual(self._apply(self._message("m9", "packed"), self._message("m9", "packed")),
                         [{"id": "m9", "outcome": "applied"}, {"id": "m9", "outcome": "duplicate"}])

    def test_out_of_order_picked_is_ignored(self):
        self.assertEqual(self._apply(self._message("m2", "packed"))[0]["outcome"], "applied")
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.move.quantity, 3, "without lines the full demand ships")

        late = self._message("m1", "picked", [{"move_id": self.move.id, "sku": None, "quantity": 1}])
        self.assertEqual(self._apply(late), [{"id": "m1", "outcome": "ignored"}])
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.move.quantity, 3)
        self.assertEqual(self._events(self.picking, direction="in").filtered(lambda e: e.uuid == "m1").state, "ignored")

        self.assertEqual(self._apply(self._message("m3", "shipped", ref="TRACK-9"))[0]["outcome"], "applied")
        self.assertEqual(self._sync_state(self.picking, self.wms).external_ref, "TRACK-9")
        self.assertEqual(self._apply(self._message("m4", "packed"))[0]["outcome"], "ignored")

    def test_short_shipment_by_sku_keeps_the_rest_on_a_backorder(self):
        outcome = self._apply(self._message("m1", "shipped", [{"move_id": None, "sku": "HUB-SKU-1", "quantity": 2}]))
        self.assertEqual(outcome[0]["outcome"], "applied")
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.move.quantity, 2)
        # The unit not shipped is not lost (tests/test_short_pick.py has the rest of it).
        backorder = self.env["stock.picking"].search([("backorder_id", "=", self.picking.id)])
        self.assertEqual(backorder.move_ids.product_uom_qty, 1)

    def test_malformed_input_is_rejected_clearly(self):
        with self.assertRaisesRegex(ValidationError, "messages must be a list"):
            self.env["hub.event"].hub_apply_inbound("wms-main", {"id": "m1"})
        with self.assertRaisesRegex(ValidationError, r"messages\[1\]: 'id' is required"):
            self._apply(self._message("m1", "picked"), {"type": "fulfilment.picked", "data": {}})
        with self.assertRaisesRegex(ValidationError, r"messages\[0\]: 'type' is required"):
            self._apply({"id": "m1", "data": {}})
        with self.assertRaisesRegex(ValidationError, "too many messages: 501"):
            self._apply(*[self._message(f"m{i}", "picked") for i in range(501)])
        with self.assertRaisesRegex(UserError, "Unknown or inactive connector: nowhere"):
            self._apply(self._message("m1", "picked"), code="nowhere")
        self.assertFalse(self._events(self.picking, direction="in"))

    @mute_logger("odoo.addons.logistics_hub.models.hub_event")
    def test_one_bad_message_does_not_abort_the_others(self):
        other = self._create_connector("other", "Other WMS", [])
        outcomes = self._apply(
            self._message("bad-picking", "packed", picking=self.env["stock.picking"].browse(999999)),
            self._message("bad-line", "packed", [{"move_id": 424242, "sku": None, "quantity": 1}]),
            {"id": "bad-data", "type": "fulfilment.picked", "data": {"picking_id": "one"}},
            {"id": "bad-type", "type": "fulfilment.lost", "data": {"picking_id": self.picking.id}},
            self._message("good", "picked", [{"move_id": self.move.id, "sku": None, "quantity": 3}]),
        )
        self.assertEqual([o["outcome"] for o in outcomes], ["error", "error", "error", "error", "applied"])
        self.assertIn("999999", outcomes[0]["error"])
        self.assertIn("424242", outcomes[1]["error"])
        self.assertIn("picking_id", outcomes[2]["error"])
        self.assertIn("fulfilment.lost", outcomes[3]["error"])
        self.assertEqual(self.picking.state, "assigned", "the failed packed message was rolled back")
        self.assertTrue(self.move.picked)
        self.assertEqual(self.env["hub.event"].search([("direction", "=", "in")]).mapped("uuid"), ["good"])

        foreign = self.env["hub.event"].hub_apply_inbound("other", [self._message("m-other", "packed")])
        self.assertEqual(foreign[0]["outcome"], "error")
        self.assertIn("never sent to connector other", foreign[0]["error"])
        self.assertEqual(self.picking.state, "assigned")
        self.assertTrue(other)

    def test_message_ids_are_deduplicated_per_connector(self):
        # Partners choose their message ids. One that learns another's ids must not make
        # that partner's callbacks count as duplicates (nor collide with the hub's own outbound ids).
        self._create_connector("wms-b", "WMS B", ["picking.ready"], kind="wms", adapter="wms")
        order = self._create_order()
        order.action_confirm()
        self._at_commit()
        picking = order.picking_ids
        move = picking.move_ids
        outbound_uuid = self._events(picking, "picking.ready")[0].uuid

        picked = self._message("shared-1", "picked", [{"move_id": move.id, "sku": None, "quantity": 3}], picking=picking)
        self.assertEqual(self._apply(picked), [{"id": "shared-1", "outcome": "applied"}])
        # The same id from the other connector is another message: applied, not a duplicate.
        packed = self._message("shared-1", "packed", picking=picking)
        self.assertEqual(self._apply(packed, code="wms-b"), [{"id": "shared-1", "outcome": "applied"}])
        self.assertEqual(picking.state, "done")
        self.assertEqual(self._apply(packed, code="wms-b"), [{"id": "shared-1", "outcome": "duplicate"}],
                         "a connector's own replay is still a duplicate")
        inbound = self._events(picking, direction="in")
        self.assertEqual(sorted(inbound.mapped("connector_id.code")), ["wms-b", "wms-main"])

        # An inbound id equal to one of the hub's outbound ids is a partner message like any other.
        shipped = self._message(outbound_uuid, "shipped", picking=self.picking)
        self.assertEqual(self._apply(shipped), [{"id": outbound_uuid, "outcome": "applied"}])

    def test_message_id_keys_replace_the_global_unique_constraint(self):
        # An upgrade from the schema with UNIQUE(uuid) over both directions ends with the two
        # narrower keys (init() runs on module upgrade).
        cr = self.env.cr
        cr.execute("DROP INDEX hub_event_outbound_uuid_unique; DROP INDEX hub_event_inbound_uuid_unique")
        cr.execute("ALTER TABLE hub_event ADD CONSTRAINT hub_event_uuid_unique UNIQUE (uuid)")
        self.env["hub.event"].init()
        cr.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'hub_event'::regclass AND contype = 'u'")
        self.assertEqual(cr.fetchall(), [])
        cr.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'hub_event' AND indexdef LIKE '%%UNIQUE%%'"
                   " AND indexname LIKE '%%uuid%%' ORDER BY indexname")
        indexes = dict(cr.fetchall())
        self.assertEqual(sorted(indexes), ["hub_event_inbound_uuid_unique", "hub_event_outbound_uuid_unique"])
        self.assertIn("(connector_id, uuid) WHERE ((direction)::text = 'in'::text)", indexes["hub_event_inbound_uuid_unique"])
        self.assertIn("(uuid) WHERE ((direction)::text = 'out'::text)", indexes["hub_event_outbound_uuid_unique"])
