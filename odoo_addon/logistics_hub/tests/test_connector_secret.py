from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import HubCase


@tagged("post_install", "-at_install")
class TestConnectorSecret(HubCase):
    """A connector's secret can be shown (logged), rotated with an overlap, and every change is in the chatter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub_user = new_test_user(cls.env, "hub_secret_user", groups="base.group_user,logistics_hub.group_hub_user")

    def _shown(self, action):
        self.assertEqual((action["res_model"], action["target"]), ("hub.connector.secret", "new"))
        # as the web client opens it: a new, never saved record in the action's context
        return Form(self.env["hub.connector.secret"].with_context(**action["context"])).secret

    def _chatter(self):
        return [m.body for m in self.wms.message_ids]

    def test_rotation_shows_the_new_secret_once_and_keeps_the_old_one_for_the_overlap(self):
        old = self.wms.secret
        shown = self._shown(self.wms.action_regenerate_secret())
        self.assertRegex(shown, r"^whsec_")
        self.assertNotEqual(shown, old)
        self.assertEqual(self.wms.secret, shown, "what was shown is what signs from now on")
        self.assertEqual(self.wms.previous_secret, old)
        expected = fields.Datetime.now() + timedelta(hours=24)
        self.assertLess(abs((self.wms.previous_secret_expires - expected).total_seconds()), 60)
        note = self._chatter()[0]
        self.assertIn("Secret rotated by", note)
        self.assertNotIn(shown, note, "the chatter never holds a secret")
        self.assertNotIn(old, note)

    def test_rotation_without_overlap_retires_the_old_secret_at_once(self):
        self.wms.secret_overlap_hours = 0
        self.wms.action_regenerate_secret()
        self.assertFalse(self.wms.previous_secret)
        self.assertFalse(self.wms.previous_secret_expires)
        self.assertIn("stopped working at once", self._chatter()[0])

    def test_the_overlap_can_be_ended_early(self):
        self.wms.action_regenerate_secret()
        self.wms.action_end_secret_overlap()
        self.assertFalse(self.wms.previous_secret)
        self.assertIn("Previous secret retired", self._chatter()[0])

    def test_show_secret_is_logged(self):
        self.assertEqual(self._shown(self.wms.action_show_secret()), self.wms.secret)
        self.assertIn("Secret shown to", self._chatter()[0])

    def test_a_pasted_secret_is_logged_without_its_value(self):
        self.wms.secret = "whsec_cGFzdGVkLWJ5LWEtbWFuYWdlci1wYXN0ZWQ="
        self.assertIn("Secret changed by", self._chatter()[0])
        self.assertNotIn("cGFzdGVk", self._chatter()[0])

    def test_settings_changes_are_tracked_in_the_chatter(self):
        # HubCase turns tracking off for speed; a real write tracks
        self.wms.with_context(tracking_disable=False).base_url = "https://wms.example.com/v2"
        self._at_commit()  # tracking values are written in precommit
        tracked = self.wms.message_ids[0].tracking_value_ids
        self.assertIn("base_url", tracked.mapped("field_id.name"))

    def test_only_managers_see_or_change_secrets(self):
        connector = self.wms.with_user(self.hub_user)
        for action in (connector.action_show_secret, connector.action_regenerate_secret, connector.action_end_secret_overlap):
            with self.assertRaises(AccessError):
                action()

    def test_a_secret_is_never_shared_between_connectors(self):
        # A signature does not name its connector, so a shared secret would let one
        # partner's messages pass as another's. Current and previous (rotation overlap) secrets count.
        other = self._create_connector("wms-other", "WMS Other", [], kind="wms", adapter="wms")
        with self.assertRaisesRegex(ValidationError, "WMS Main"), self.env.cr.savepoint():
            other.secret = self.wms.secret
        with self.assertRaisesRegex(ValidationError, "WMS Main"), self.env.cr.savepoint():
            self._create_connector("wms-copy", "WMS Copy", [], secret=self.wms.secret)
        old = self.wms.secret
        self.wms.action_regenerate_secret()
        with self.assertRaisesRegex(ValidationError, "WMS Main"), self.env.cr.savepoint():
            other.secret = old  # still accepted by wms-main until the overlap ends
        self.wms.active = False
        with self.assertRaisesRegex(ValidationError, "WMS Main"), self.env.cr.savepoint():
            other.secret = self.wms.secret  # unarchiving wms-main would bring the clash back
        self.assertNotEqual(other.secret, self.wms.secret)
        # Its own previous secret back as current (a rotation undone) is no clash.
        self.wms.active = True
        self.wms.secret = old
        self.assertEqual(self.wms.secret, self.wms.previous_secret)
