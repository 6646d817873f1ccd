from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import HubCase


@tagged("post_install", "-at_install")
class TestSecurity(HubCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub_user = new_test_user(cls.env, "hub_user", groups="base.group_user,logistics_hub.group_hub_user")
        cls.plain_user = new_test_user(cls.env, "plain_user", groups="base.group_user")
        cls.manager = new_test_user(
            cls.env, "hub_manager", groups="base.group_user,stock.group_stock_user,logistics_hub.group_hub_manager"
        )
        cls.salesman = new_test_user(cls.env, "salesman", groups="sales_team.group_sale_salesman")

    def test_hub_user_reads_connectors_but_not_secrets(self):
        connector = self.wms.with_user(self.hub_user)
        self.assertEqual(connector.name, "WMS Main")
        self.assertIn("picking.ready", connector.route_ids.mapped("event_type"))
        with self.assertRaises(AccessError):
            connector.read(["secret"])
        with self.assertRaises(AccessError):
            connector.action_regenerate_secret()
        self.assertNotIn("secret", connector.fields_get())

    def test_hub_user_cannot_apply(self):
        with self.assertRaises(AccessError):
            self.env["hub.sync.state"].with_user(self.hub_user).hub_apply_results([])
        with self.assertRaises(AccessError):
            self.env["hub.event"].with_user(self.hub_user).hub_apply_inbound("wms-main", [])

    def test_user_without_hub_group_cannot_read_events(self):
        with self.assertRaises(AccessError):
            self.env["hub.event"].with_user(self.plain_user).search([])
        with self.assertRaises(AccessError):
            self.env["hub.sync.state"].with_user(self.plain_user).search([])

    def test_manager_can(self):
        connector = self.wms.with_user(self.manager)
        self.assertTrue(connector.secret.startswith("whsec_"))
        old = connector.secret
        connector.action_regenerate_secret()
        self.assertNotEqual(connector.secret, old)
        self.assertEqual(self.env["hub.sync.state"].with_user(self.manager).hub_apply_results([]), [])
        self.assertEqual(self.env["hub.event"].with_user(self.manager).hub_apply_inbound("wms-main", []), [])
        self.assertTrue(self.env.ref("base.user_admin").has_group("logistics_hub.group_hub_manager"))

    def test_events_are_written_whatever_the_user_may_read(self):
        order = self._create_order()
        order.user_id = self.salesman
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(len(self._events(order, "order.confirmed")), 1)
        self.assertEqual(len(self._events(order.sudo().picking_ids, "picking.ready")), 1)
