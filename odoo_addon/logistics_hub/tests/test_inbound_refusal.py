from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import HubCase

# The sidecar's table as docs/contract.md describes it (sidecar/src/db/refusal-plans.ts creates it;
# test/e2e/attempts-visible.test.ts reads the real one through Odoo).
SIDECAR_TABLE = """
    CREATE SCHEMA IF NOT EXISTS hub_sidecar;
    CREATE TABLE IF NOT EXISTS hub_sidecar.inbound_refusal (
        id bigserial PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now(), connector_code text,
        reason text NOT NULL, http_status integer NOT NULL, detail text, remote_addr text, webhook_id text,
        body_excerpt text, suppressed_before integer NOT NULL DEFAULT 0
    )
"""


@tagged("post_install", "-at_install")
class TestInboundRefusal(HubCase):
    """Callbacks the sidecar refused are listed in Odoo (Monitoring > Rejected Callbacks)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "refusal_manager", groups="base.group_user,logistics_hub.group_hub_manager")
        cls.hub_user = new_test_user(cls.env, "refusal_user", groups="base.group_user,logistics_hub.group_hub_user")

    def _refuse(self, received_at, code, reason, status, **values):
        self.env.cr.execute(
            """INSERT INTO hub_sidecar.inbound_refusal (received_at, connector_code, reason, http_status, detail,
                   remote_addr, webhook_id, body_excerpt, suppressed_before)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (received_at, code, reason, status, values.get("detail"), values.get("remote_addr", "203.0.113.7"),
             values.get("webhook_id"), values.get("body"), values.get("suppressed", 0)),
        )

    def test_lists_the_sidecar_refusals_newest_first(self):
        self.env.cr.execute(SIDECAR_TABLE)
        self.env.cr.execute("TRUNCATE hub_sidecar.inbound_refusal")
        self._refuse("2026-11-23 16:00:00+00", "wms-main", "bad_signature", 401, detail="No matching signature found",
                     webhook_id="msg_1", body='{"api_key":"***"}')
        self._refuse("2026-11-23 17:00:00+01", "nope", "unknown_connector", 404, detail="no active connector nope")
        self._refuse("2026-11-23 16:30:00+00", "wms-main", "oversized", 413, suppressed=12)
        refusals = self.env["hub.inbound.refusal"].with_user(self.manager).search([])
        self.assertEqual(refusals.mapped("reason"), ["oversized", "unknown_connector", "bad_signature"])
        self.assertEqual([str(r.received_at) for r in refusals],
                         ["2026-11-23 16:30:00", "2026-11-23 16:00:00", "2026-11-23 16:00:00"], "stored as UTC")
        signature = refusals[2]
        self.assertEqual(signature.connector_id, self.wms, "the connector with that code")
        self.assertEqual((signature.http_status, signature.webhook_id, signature.body_excerpt, signature.remote_addr),
                         (401, "msg_1", '{"api_key":"***"}', "203.0.113.7"))
        self.assertFalse(refusals[1].connector_id, "an unknown code names no connector")
        self.assertEqual(refusals[0].suppressed_before, 12)
        by_reason = self.env["hub.inbound.refusal"].with_user(self.manager).read_group([], ["reason"], ["reason"])
        self.assertEqual(sorted(g["reason"] for g in by_reason), ["bad_signature", "oversized", "unknown_connector"])

    def test_lists_nothing_before_the_sidecar_created_its_table(self):
        self.env.cr.execute("DROP SCHEMA IF EXISTS hub_sidecar CASCADE")
        self.assertEqual(self.env["hub.inbound.refusal"].with_user(self.manager).search_count([]), 0)

    def test_managers_only(self):
        self.env.cr.execute(SIDECAR_TABLE)
        with self.assertRaises(AccessError):
            self.env["hub.inbound.refusal"].with_user(self.hub_user).search([])
        self.assertFalse(self.env.ref("logistics_hub.menu_hub_inbound_refusal").with_user(self.hub_user)._filter_visible_menus())

    def test_callbacks_odoo_could_not_apply_are_listed_beside_them(self):
        """An accepted callback for an unknown picking is parked by Odoo: the Monitoring menu lists those too."""
        outcome = self.env["hub.event"].hub_apply_inbound("wms-main", [{
            "id": "msg_unknown_picking", "type": "fulfilment.packed", "correlation_id": None,
            "data": {"picking_id": 999999, "external_ref": "F-9", "lines": []},
        }])
        self.assertEqual(outcome[0]["outcome"], "error")
        action = self.env.ref("logistics_hub.hub_exception_parked_inbound_action")
        self.assertEqual(self.env.ref("logistics_hub.menu_hub_parked_inbound").action, action)
        parked = self.env["hub.exception"].search(safe_eval(action.domain))
        self.assertIn(outcome[0]["exception"], parked.mapped("name"))
