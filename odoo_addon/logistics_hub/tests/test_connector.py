from psycopg2.errors import CheckViolation, UniqueViolation

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HubCase


@tagged("post_install", "-at_install")
class TestConnector(HubCase):

    def test_defaults(self):
        connector = self.env["hub.connector"].create({"code": "carrier_1", "name": "Carrier"})
        self.assertRegex(connector.secret, r"^whsec_[A-Za-z0-9+/]{32}$")
        self.assertEqual(
            (connector.timeout, connector.rate_limit, connector.max_attempts, connector.retry_delay,
             connector.retry_backoff, connector.sync_mode, connector.batch_interval),
            (10, 0, 5, 10, True, "realtime", 15),
        )
        copy = connector.copy()
        self.assertEqual(copy.code, "carrier_1-copy")
        self.assertNotEqual(copy.secret, connector.secret)

    def test_code_is_url_safe(self):
        for code in ("Main WMS", "wms/1", "WMS", "é"):
            with self.assertRaises(ValidationError, msg=code):
                self.env["hub.connector"].create({"code": code, "name": "Bad"})

    @mute_logger("odoo.sql_db")
    def test_database_constraints(self):
        for vals, error in (
            ({"timeout": 0}, CheckViolation),
            ({"max_attempts": 0}, CheckViolation),
            ({"batch_interval": 0}, CheckViolation),
            ({"code": "wms-main"}, UniqueViolation),
        ):
            with self.subTest(vals=vals), self.assertRaises(error), self.env.cr.savepoint():
                self.env["hub.connector"].create({"code": "x", "name": "X", **vals})
        with self.assertRaises(UniqueViolation), self.env.cr.savepoint():
            self.env["hub.route"].create({"connector_id": self.wms.id, "event_type": "picking.ready"})
