from odoo import fields
from odoo.tests import Form, tagged

from .common import HubCase


@tagged("post_install", "-at_install")
class TestSecretAtRest(HubCase):
    """A secret shown in a dialog is never written anywhere: the dialog gets it from the action's context.

    (the "shown once" dialogs used to store the plaintext in a transient row until the
    vacuum, so a database copy or backup taken meanwhile held it.)
    """

    def _tables_holding(self, value):
        """Every table of the database (Odoo's and the sidecar's) with a row whose text contains value."""
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT quote_ident(table_schema) || '.' || quote_ident(table_name)
              FROM information_schema.tables
             WHERE table_type = 'BASE TABLE' AND table_schema IN ('public', 'hub_sidecar')
        """)
        found = []
        for (table,) in self.env.cr.fetchall():
            self.env.cr.execute(f"SELECT 1 FROM {table} t WHERE t::text LIKE %s LIMIT 1", [f"%{value}%"])  # noqa: S608
            if self.env.cr.fetchone():
                found.append(table.split(".")[-1])
        return found

    def _open_dialog(self, action):
        """What the web client does with the action: the row res_id names, or a new record in its context."""
        self.assertEqual(action["target"], "new")
        model = self.env[action["res_model"]].with_context(**action.get("context", {}))
        return Form(model.browse(action["res_id"]) if action.get("res_id") else model)

    def test_api_client_secret_is_shown_but_stored_nowhere(self):
        client = self.env["hub.api.client"].create({"name": "Portal", "partner_id": self.customer.id})
        dialog = self._open_dialog(client.action_generate_secret())
        self.assertRegex(dialog.secret or "", r".{20,}")
        self.assertEqual(dialog.client_identifier, client.client_id)
        self.assertEqual(self._tables_holding(dialog.secret), [], "only the hash is kept")

    def test_connector_secret_dialogs_copy_the_secret_nowhere(self):
        rotated = self._open_dialog(self.wms.action_regenerate_secret())
        self.assertEqual(rotated.secret, self.wms.secret)
        self.assertEqual(fields.Datetime.to_datetime(rotated.previous_secret_expires), self.wms.previous_secret_expires)
        shown = self._open_dialog(self.wms.action_show_secret())
        self.assertEqual(shown.secret, self.wms.secret)
        # the connector row needs it to sign; no dialog row, chatter or tracking value holds a copy
        self.assertEqual(self._tables_holding(self.wms.secret), ["hub_connector"])
