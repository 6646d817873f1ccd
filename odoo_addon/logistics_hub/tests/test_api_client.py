import hashlib

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import HubCase


@tagged("post_install", "-at_install")
class TestApiClient(HubCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "api_manager", groups="base.group_user,logistics_hub.group_hub_manager")
        cls.hub_user = new_test_user(cls.env, "api_user", groups="base.group_user,logistics_hub.group_hub_user")
        cls.company = cls.env["res.partner"].create({"name": "Acme Logistics", "is_company": True})
        cls.contact = cls.env["res.partner"].create({"name": "Ann at Acme", "parent_id": cls.company.id})

    def _client(self, **vals):
        return self.env["hub.api.client"].with_user(self.manager).create({"name": "Acme portal", "partner_id": self.contact.id, **vals})

    def test_secret_is_shown_once_and_only_its_hash_is_kept(self):
        client = self._client()
        self.assertTrue(client.client_id.startswith("hub_"))
        self.assertEqual(client.commercial_partner_id, self.company, "reads are scoped to the commercial entity")
        action = client.action_generate_secret()
        shown = Form(self.env["hub.api.client.secret"].with_context(**action["context"])).secret
        self.assertGreaterEqual(len(shown), 40)
        self.assertEqual(client.secret_hash, hashlib.sha256(shown.encode()).hexdigest())
        self.assertNotIn(shown, str(client.read()[0].values()))
        # rotation: a new secret replaces the old hash
        second = Form(self.env["hub.api.client.secret"].with_context(**client.action_generate_secret()["context"])).secret
        self.assertNotEqual(second, shown)
        self.assertEqual(client.secret_hash, hashlib.sha256(second.encode()).hexdigest())

    def test_only_managers_issue_secrets_and_see_hashes(self):
        client = self._client()
        client.action_generate_secret()
        as_user = client.with_user(self.hub_user)
        self.assertEqual(as_user.name, "Acme portal")
        with self.assertRaises(AccessError):
            as_user.read(["secret_hash"])
        with self.assertRaises(AccessError):
            as_user.action_generate_secret()

    def test_scopes_are_checked(self):
        with self.assertRaises(ValidationError):
            self._client(scopes="orders:read orders:write")
        self.assertEqual(self._client(scopes="orders:read inventory:read").scopes, "orders:read inventory:read")

    def test_revoke_and_unique_client_id(self):
        client = self._client()
        client.action_revoke()
        self.assertTrue(client.revoked)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self._client(client_id=client.client_id)

    def test_default_customer_exposure_policy(self):
        rules = self.env["hub.status.exposure"].search([("res_model", "=", "stock.picking"), ("status_field", "=", "state")])
        self.assertEqual(dict(rules.mapped(lambda r: (r.internal_status, r.public_status)))["done"], "shipped")
