from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSubgraphConnector(TransactionCase):
    """The gateway reports how each GraphQL subgraph connector composed (hub_report_subgraphs)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fleet = cls.env["hub.connector"].create({
            "code": "fleet", "name": "Fleet TMS", "kind": "subgraph", "adapter": "graphql_subgraph",
            "base_url": "http://tms.example.com/graphql",
        })

    def test_a_report_is_written_on_the_connector_and_only_changes_are_tracked(self):
        Connector = self.env["hub.connector"]
        error = 'Type of field "Shipment.trackingNumber" is incompatible across subgraphs'
        self.assertEqual(Connector.hub_report_subgraphs([{"code": "fleet", "status": "failed", "error": error}]),
                         [{"code": "fleet", "outcome": "reported"}])
        self.assertEqual((self.fleet.subgraph_status, self.fleet.subgraph_error), ("failed", error))
        messages = len(self.fleet.message_ids)
        Connector.hub_report_subgraphs([{"code": "fleet", "status": "failed", "error": error}])
        self.assertEqual(len(self.fleet.message_ids), messages, "the same report again tracks nothing")
        Connector.hub_report_subgraphs([{"code": "fleet", "status": "composed", "error": None}])
        self.assertEqual((self.fleet.subgraph_status, self.fleet.subgraph_error), ("composed", False))
        self.assertTrue(self.fleet.subgraph_checked_at)
        self.assertEqual(Connector.hub_report_subgraphs([{"code": "nope", "status": "composed", "error": None}]),
                         [{"code": "nope", "outcome": "unknown_connector"}])

    def test_malformed_reports_are_refused(self):
        Connector = self.env["hub.connector"]
        for bad in ("fleet", [{"code": "fleet", "status": "great", "error": None}], [{"status": "composed"}],
                    [{"code": "fleet", "status": "failed", "error": 42}], [{"code": "fleet"}] * 201):
            with self.subTest(bad=str(bad)[:60]), self.assertRaises(ValidationError):
                Connector.hub_report_subgraphs(bad)

    def test_only_hub_managers_report(self):
        user = new_test_user(self.env, login="subgraph-viewer", groups="base.group_user,logistics_hub.group_hub_user")
        with self.assertRaises(AccessError):
            self.env["hub.connector"].with_user(user).hub_report_subgraphs(
                [{"code": "fleet", "status": "composed", "error": None}])
