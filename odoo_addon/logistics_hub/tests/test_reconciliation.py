from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import ShipmentCase


@tagged("post_install", "-at_install")
class TestDriftReport(ShipmentCase):
    """hub.exception.hub_report_drift: what the sidecar's reconciliation finds becomes exceptions."""

    def _drift(self, picking, reason="unacknowledged", connector="wms-main", event=None):
        return self.env["hub.exception"].hub_report_drift([{
            "res_model": "stock.picking", "res_id": picking.id, "connector_code": connector, "reason": reason,
            "description": "sent 3 h ago, never acknowledged", "correlation_id": event.correlation_id if event else None,
            "event_uuid": event.uuid if event else None,
        }])

    def test_drift_opens_one_exception_whose_retry_resends(self):
        order = self._create_order()
        order.action_confirm()
        picking = order.picking_ids
        sent = self._events(picking, "picking.ready").filtered(lambda e: e.connector_id == self.wms)
        self.assertTrue(sent)
        outcome = self._drift(picking, event=sent)
        self.assertEqual(outcome[0]["outcome"], "reported")
        self._drift(picking, event=sent)  # the next run finds the same drift the same day
        exception = self.env["hub.exception"].search([("picking_id", "=", picking.id), ("reason", "=", "unacknowledged")])
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.occurrences, 1)
        self.assertEqual(exception.event_id, sent)

        sent.sudo().state = "delivered"  # what the sidecar had done
        action = exception.action_retry()
        with self.assertRaises(UserError, msg="the partner accepted it: a person must say so"):
            self._resend(action)
        self._resend(action, send_confirmed=True)
        resent = self._events(picking, "picking.ready").filtered(lambda e: e.connector_id == self.wms) - sent
        self.assertEqual((resent.state, resent.correlation_id), ("pending", sent.correlation_id))

    def test_unknown_records_and_malformed_items(self):
        picking = self._done_picking()
        self.assertEqual(self._drift(picking, connector="nope")[0]["outcome"], "unknown_record")
        with self.assertRaises(ValidationError):
            self._drift(picking, reason="made_up")
        with self.assertRaises(ValidationError):
            self.env["hub.exception"].hub_report_drift({"not": "a list"})

    def test_only_managers_report_drift(self):
        user = new_test_user(self.env, "drift_user", groups="base.group_user,logistics_hub.group_hub_user")
        with self.assertRaises(AccessError):
            self.env["hub.exception"].with_user(user).hub_report_drift([])
