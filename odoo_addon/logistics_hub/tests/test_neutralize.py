from odoo.modules import neutralize
from odoo.tests import tagged

from .common import HubCase


@tagged("post_install", "-at_install")
class TestNeutralize(HubCase):
    """A copied database (odoo-bin neutralize) keeps no way to reach partners or let them in."""

    def test_secrets_and_connectors_are_neutralized(self):
        client = self.env["hub.api.client"].create({"name": "Portal", "partner_id": self.customer.id})
        client.action_generate_secret()
        self.assertTrue(self.wms.secret)
        self.env.flush_all()
        for query in neutralize.get_neutralization_queries(["logistics_hub"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.assertFalse(self.wms.with_context(active_test=False).secret)
        self.assertFalse(self.wms.with_context(active_test=False).active)
        self.assertFalse(client.secret_hash)
