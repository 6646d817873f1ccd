from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import HubCase


@tagged("post_install", "-at_install")
class TestResend(HubCase):
    """Replay, Retry and Send Again go through one dialog that says what it will do, refuses to send
    what the partner already confirmed unless told to, and repeats the partner request key."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._create_order(cls)
        cls.order.action_confirm()
        cls.event = cls.env["hub.event"].search([
            ("res_model", "=", "sale.order"), ("res_id", "=", cls.order.id), ("connector_id", "=", cls.wms.id),
        ])
        cls.hub_user = new_test_user(cls.env, "hub_resend_user", groups="base.group_user,logistics_hub.group_hub_user")

    def _confirmed_by_partner(self, event=None, ref="FUL-000001"):
        event = event or self.event
        event.sudo().state = "delivered"
        self._sync_state(self.order, self.wms)._hub_acknowledge(ref)

    def _outbound(self):
        return self._events(self.order, "order.confirmed").filtered(lambda e: e.connector_id == self.wms)

    def test_the_dialog_says_what_will_be_sent_and_sends_nothing_by_itself(self):
        self._confirmed_by_partner()
        action = self.event.action_hub_replay()
        wizard = self.env["hub.resend.wizard"].browse(action["res_id"])
        self.assertEqual(self._outbound(), self.event, "opening the dialog writes no event")
        self.assertEqual(wizard.confirmed_count, 1)
        self.assertIn(self.order.name, wizard.summary, "records are named as people know them")
        self.assertIn("Order confirmed", wizard.summary, "event types by their label")
        self.assertIn("FUL-000001", wizard.summary, "the partner's confirmation is shown")
        self.assertIn(self.event.uuid, wizard.summary, "and the request key that will be repeated")

    def test_what_the_partner_confirmed_is_refused_without_the_override(self):
        self._confirmed_by_partner()
        with self.assertRaisesRegex(UserError, "already confirmed"):
            self._resend(self.event.action_hub_replay())
        self.assertEqual(self._outbound(), self.event, "nothing was sent")
        self.assertEqual(self._sync_state(self.order, self.wms).external_ref, "FUL-000001")

    def test_override_repeats_the_original_request_key(self):
        self._confirmed_by_partner()
        self._resend(self.event.action_hub_replay(), send_confirmed=True)
        resend = self._outbound() - self.event
        self.assertEqual(len(resend), 1)
        self.assertNotEqual(resend.uuid, self.event.uuid, "a new event of its own")
        with self.assertRaisesRegex(UserError, "sent again already"):
            self.env["hub.resend.wizard"].search([], order="id desc", limit=1).action_confirm()
        self.assertEqual(self._outbound() - self.event, resend, "a second click sends nothing")
        self.assertEqual(resend.idempotency_key, self.event.uuid, "the partner sees the first request's key")
        self.assertIn(f"with the original request key {self.event.uuid}", self.order.message_ids[0].body)

        # a re-send of the re-send still repeats the FIRST request
        resend.sudo().state = "delivered"
        self._resend(resend.action_hub_replay(), send_confirmed=True)
        again = self._outbound() - self.event - resend
        self.assertEqual(again.idempotency_key, self.event.uuid)

    def test_a_new_request_only_when_asked(self):
        self.event.sudo().state = "dead"
        self._resend(self.event.action_hub_replay(), new_request=True)
        resend = self._outbound() - self.event
        self.assertFalse(resend.idempotency_key, "a new request: the partner sees the new message id")
        self.assertIn("as a new request", self.order.message_ids[0].body)

    def test_dead_events_are_sent_again_in_bulk_without_override(self):
        other = self._create_order()
        other.action_confirm()
        dead = self.env["hub.event"].search([
            ("res_model", "=", "sale.order"), ("res_id", "in", (self.order | other).ids), ("connector_id", "=", self.wms.id),
        ])
        dead.sudo().state = "dead"
        action = self.env.ref("logistics_hub.hub_event_action_resend").with_context(
            active_model="hub.event", active_ids=dead.ids).run()
        notification = self._resend(action)
        self.assertEqual(notification["params"]["message"].split(" ")[0], "2")
        for order in (self.order, other):
            resends = self._events(order, "order.confirmed").filtered(lambda e: e.connector_id == self.wms and e.state == "pending")
            self.assertEqual(len(resends), 1)

    def test_only_managers_send_again(self):
        self.event.sudo().state = "dead"
        with self.assertRaises(AccessError):
            self.event.with_user(self.hub_user).action_hub_replay()
        action = self.event.action_hub_replay()
        wizard = self.env["hub.resend.wizard"].browse(action["res_id"])
        with self.assertRaises(AccessError):
            wizard.with_user(self.hub_user).action_confirm()
        self.assertEqual(self._outbound(), self.event)

    def test_a_deduplicated_resend_stays_acknowledged(self):
        self._confirmed_by_partner(ref="FUL-000001")
        self._resend(self.event.action_hub_replay(), send_confirmed=True)
        resend = self._outbound() - self.event

        def sent(event, ref):
            self.env["hub.sync.state"].hub_apply_results([{
                "event_uuid": event.uuid, "status": "sent", "attempt": 1, "error": None,
                "external_ref": ref, "at": "2026-12-01T10:00:00Z",
            }])
            return self._sync_state(self.order, self.wms)

        state = sent(resend, "FUL-000001")
        self.assertEqual((state.status, state.external_ref), ("acknowledged", "FUL-000001"),
                         "the partner answered with the request it had confirmed")
        self._resend(resend.action_hub_replay(), send_confirmed=True, new_request=True)
        state = sent(self._outbound().sorted("id")[-1], "FUL-000002")
        self.assertEqual((state.status, state.external_ref, state.confirmed_ref), ("sent", "FUL-000002", "FUL-000001"),
                         "a new request waits for its own confirmation")
