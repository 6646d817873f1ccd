import re
from pathlib import Path

from odoo.modules import neutralize
from odoo.tests import tagged

from .common import HubCase

# The sidecar creates its tables at start; the test creates them with the sidecar's own DDL, so a table
# the sidecar adds or renames is noticed here rather than left behind in a copied database.
SIDECAR_DB = Path(__file__).resolve().parents[3] / "sidecar" / "src" / "db"
SIDECAR_TABLES = {
    "jwt_key": "jwt-key-plans.ts",
    "heartbeat": "heartbeat-plans.ts",
    "inbound_refusal": "refusal-plans.ts",
}


def sidecar_ddl(table, plans_file):
    source = (SIDECAR_DB / plans_file).read_text()
    match = re.search(rf"`(CREATE TABLE IF NOT EXISTS hub_sidecar\.{table} \(.*?\))`", source, re.S)
    assert match, f"no {table} table in {plans_file}"
    return match.group(1)


@tagged("post_install", "-at_install")
class TestNeutralize(HubCase):
    """A copied database (odoo-bin neutralize) keeps no way to reach partners or let them in."""

    def _neutralize(self):
        self.env.flush_all()
        for query in neutralize.get_neutralization_queries(["logistics_hub"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()

    def test_secrets_and_connectors_are_neutralized(self):
        client = self.env["hub.api.client"].create({"name": "Portal", "partner_id": self.customer.id})
        client.action_generate_secret()
        self.assertTrue(self.wms.secret)
        self._neutralize()
        self.assertFalse(self.wms.with_context(active_test=False).secret)
        self.assertFalse(self.wms.with_context(active_test=False).active)
        self.assertFalse(client.secret_hash)

    def test_every_secret_the_hub_holds_is_cleared(self):
        """The rotation overlap's previous secret, the sidecar admin token and the
        sidecar's own tables (JWT keys, production heartbeats, refused callbacks) go too."""
        self.wms.action_regenerate_secret()
        self.assertTrue(self.wms.previous_secret, "a rotation keeps the old secret for the overlap")
        self.env["ir.config_parameter"].sudo().set_param("logistics_hub.sidecar_token", "prod-admin-token")
        self.env.cr.execute("CREATE SCHEMA IF NOT EXISTS hub_sidecar")
        for table, plans_file in SIDECAR_TABLES.items():
            self.env.cr.execute(sidecar_ddl(table, plans_file))
        self.env.cr.execute(
            """INSERT INTO hub_sidecar.jwt_key (kid, private_jwk, public_jwk)
               VALUES ('prod-kid', '{"d": "private"}', '{"x": "public"}')""")
        self.env.cr.execute(
            """INSERT INTO hub_sidecar.heartbeat (replica, hostname, pid, version, started_at, beat_at, interval_seconds)
               VALUES ('prod-1', 'prod-host', 7, '0.1.0', now(), now(), 15)""")
        self.env.cr.execute(
            """INSERT INTO hub_sidecar.inbound_refusal (connector_code, reason, http_status, remote_addr, body_excerpt)
               VALUES ('wms', 'bad_signature', 401, '203.0.113.7', '{"order": "S0001"}')""")
        self._neutralize()
        wms = self.wms.with_context(active_test=False)
        self.assertFalse(wms.secret)
        self.assertFalse(wms.previous_secret)
        self.assertFalse(wms.previous_secret_expires)
        self.assertFalse(self.env["ir.config_parameter"].sudo().get_param("logistics_hub.sidecar_token"))
        for table in SIDECAR_TABLES:
            self.env.cr.execute(f"SELECT count(*) FROM hub_sidecar.{table}")  # noqa: S608
            self.assertEqual(self.env.cr.fetchone()[0], 0, f"hub_sidecar.{table} is emptied")
