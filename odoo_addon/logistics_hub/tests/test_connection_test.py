import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import HubCase


class FakeSidecarAdmin(BaseHTTPRequestHandler):
    """The sidecar's POST /admin/connectors/:code/test on a local port: the transport seam."""

    requests = []
    answer = (200, {"ok": True, "status": 204, "latency_ms": 12, "message": "reachable (HTTP 204)"})

    def do_POST(self):  # noqa: N802 - http.server's naming
        type(self).requests.append({"path": self.path, "authorization": self.headers.get("Authorization")})
        status, body = type(self).answer
        raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html" if isinstance(body, str) else "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestConnectionTest(HubCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSidecarAdmin)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("logistics_hub.sidecar_url", f"http://127.0.0.1:{cls.server.server_port}/")
        params.set_param("logistics_hub.sidecar_token", "admin-token-0123456789")

    def setUp(self):
        super().setUp()
        FakeSidecarAdmin.requests = []

    def test_reachable(self):
        FakeSidecarAdmin.answer = (200, {"ok": True, "status": 204, "latency_ms": 12, "message": "reachable (HTTP 204)"})
        action = self.wms.action_test_connection()
        self.assertEqual(FakeSidecarAdmin.requests, [
            {"path": "/admin/connectors/wms-main/test", "authorization": "Bearer admin-token-0123456789"},
        ])
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(action["params"]["message"], "reachable (HTTP 204), 12 ms")

    def test_partner_unreachable(self):
        FakeSidecarAdmin.answer = (200, {"ok": False, "status": None, "latency_ms": 3,
                                         "message": "unreachable: connection refused (is the partner running, and is the base URL right?)"})
        params = self.wms.action_test_connection()["params"]
        self.assertEqual(params["type"], "danger")
        self.assertTrue(params["sticky"])
        self.assertEqual(params["title"], "WMS Main: connection test failed")
        self.assertEqual(params["message"], "unreachable: connection refused (is the partner running, and is the base URL right?), 3 ms")

    def test_sidecar_refuses(self):
        """What to fix, never the raw answer."""
        cases = [
            ((401, {"error": "unauthorized", "message": "bad admin token"}),
             "The sidecar refused Odoo's admin token: set the Sidecar Admin Token in Settings to the sidecar's HUB_ADMIN_TOKEN."),
            ((503, {"error": "admin_disabled", "message": "set HUB_ADMIN_TOKEN to enable the admin API"}),
             "The sidecar's admin API is off: set HUB_ADMIN_TOKEN on the sidecar and the same token in Settings."),
            ((404, {"error": "unknown_connector", "message": "no active connector wms-main"}),
             "The sidecar finds no active connector with code wms-main."),
            ((500, {"error": "internal", "message": "internal error; see the sidecar log"}),
             "The sidecar could not run the test (HTTP 500); its log has the details."),
            ((200, "<html><body>Odoo</body></html>"),
             f"http://127.0.0.1:{self.server.server_port} answered HTTP 200, which is not the sidecar's admin API: "
             "check the Sidecar URL in Settings."),
        ]
        for answer, message in cases:
            with self.subTest(status=answer[0]):
                FakeSidecarAdmin.answer = answer
                params = self.wms.action_test_connection()["params"]
                self.assertEqual((params["type"], params["message"]), ("danger", message))

    def test_sidecar_down(self):
        """A human sentence, not requests' "HTTPConnectionPool(...): Max retries exceeded"."""
        params = self.env["ir.config_parameter"].sudo()
        cases = [
            ("http://127.0.0.1:9", "The sidecar at http://127.0.0.1:9 could not be reached: is it running, and is the "
                                   "Sidecar URL in Settings right?"),
            ("not a url", "The Sidecar URL in Settings (not a url) is not a valid URL."),
        ]
        for url, message in cases:
            with self.subTest(url=url):
                params.set_param("logistics_hub.sidecar_url", url)
                with self.assertLogs("odoo.addons.logistics_hub.models.hub_connector", "WARNING"):
                    notification = self.wms.action_test_connection()["params"]
                self.assertEqual((notification["type"], notification["message"]), ("danger", message))

    def test_managers_only(self):
        user = new_test_user(self.env, "hub_conn_user", groups="base.group_user,logistics_hub.group_hub_user")
        with self.assertRaises(AccessError):
            self.wms.with_user(user).action_test_connection()
        self.assertEqual(FakeSidecarAdmin.requests, [])

    def test_settings_hold_url_and_token(self):
        settings = self.env["res.config.settings"].create({
            "hub_sidecar_url": "http://sidecar:4000", "hub_sidecar_token": "s3cret-token-abcdefgh", "hub_sla_seconds": 120,
        })
        settings.execute()
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param("logistics_hub.sidecar_url"), "http://sidecar:4000")
        self.assertEqual(params.get_param("logistics_hub.sidecar_token"), "s3cret-token-abcdefgh")
        self.assertEqual(params.get_param("logistics_hub.sla_seconds"), "120")
