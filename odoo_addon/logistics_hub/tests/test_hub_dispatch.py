from odoo.exceptions import AccessError
from odoo.tests import BaseCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..hub.access import check_manager
from ..hub.inbound import INBOUND_APPLIERS, INBOUND_TYPE_LABELS, inbound_applier
from ..hub.messages import MessageError
from ..hub.status import FULFILMENT_STAGES
from .common import HubCase


@tagged("post_install", "-at_install")
class TestInboundTable(BaseCase):
    """The inbound dispatch table (hub/inbound.py), without a database."""

    def test_every_labelled_type_has_an_applier_and_back(self):
        self.assertEqual(set(INBOUND_APPLIERS), set(INBOUND_TYPE_LABELS))
        for message_type in FULFILMENT_STAGES:
            self.assertEqual(inbound_applier(message_type), "_hub_apply_fulfilment")
        self.assertEqual(inbound_applier("shipment.tracking"), "_hub_apply_tracking")

    def test_unknown_type_is_refused_by_name(self):
        for message_type in ("fulfilment.cancelled", "", None, "_hub_apply_fulfilment"):
            with self.assertRaisesRegex(MessageError, "unsupported message type"):
                inbound_applier(message_type)


@tagged("post_install", "-at_install")
class TestHubDispatch(HubCase):
    """The model goes through the table and the manager check of hub/."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub_user = new_test_user(cls.env, "dispatch_hub_user", groups="base.group_user,logistics_hub.group_hub_user")
        cls.manager = new_test_user(
            cls.env, "dispatch_manager", groups="base.group_user,logistics_hub.group_hub_manager"
        )

    def test_manager_check_refuses_with_the_callers_message(self):
        with self.assertRaisesRegex(AccessError, "only managers may do this"):
            check_manager(self.env(user=self.hub_user), "only managers may do this")
        check_manager(self.env(user=self.manager), "not raised")
        check_manager(self.env(user=self.hub_user, su=True), "not raised: superuser mode has decided already")
        with self.assertRaisesRegex(AccessError, "may send events again"):
            self.env["hub.event"].with_user(self.hub_user)._hub_check_resend_rights()

    @mute_logger("odoo.addons.logistics_hub.models.hub_event")
    def test_unknown_inbound_type_is_an_error_parked_as_sent(self):
        order = self._create_order()
        order.action_confirm()
        picking = order.picking_ids
        message = {"id": "m-unknown", "type": "fulfilment.cancelled", "correlation_id": None,
                   "data": {"picking_id": picking.id}}
        [outcome] = self.env["hub.event"].hub_apply_inbound("wms-main", [message])
        self.assertEqual(outcome["outcome"], "error")
        self.assertIn("'fulfilment.cancelled'", outcome["error"])
        parked = self.env["hub.exception"].search([("name", "=", outcome["exception"])])
        self.assertEqual(parked.parked_item, message)
        self.assertFalse(self._events(picking, direction="in"), "nothing recorded for a message that was not applied")
