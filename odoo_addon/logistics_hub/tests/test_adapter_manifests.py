import json
from pathlib import Path

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..hub.adapter_manifests import MANIFEST_FILE, adapter_manifests, adapters_with
from ..hub.incidents import CARRIER_ADAPTERS, SHIPPING_ADAPTERS
from ..hub.process_signals import COMPENSATION_EVENT_TYPES
from ..models.hub_connector import DEFAULT_REST_MAPPING
from ..models.hub_route import EVENT_TYPE_SELECTION
from .common import HubCase

# In a repository checkout the sidecar's sources sit beside the addon; Odoo's container mounts the addon alone.
SIDECAR_ADAPTERS = Path(__file__).resolve().parents[3] / "sidecar" / "src" / "adapters"
# Keys databases already store: they must stay offered whatever the manifests become.
RELEASED_KEYS = {"webhook", "wms", "parcelfast", "swiftpost", "rate_shop", "tms"}


@tagged("post_install", "-at_install")
class TestAdapterManifests(HubCase):
    """hub.connector's adapter list is the sidecar's registry (test/sidecar/adapter-manifest.test.ts checks
    the same from the other side): one manifest per adapter, read by both."""

    def test_adapter_selection_is_the_manifests(self):
        selection = dict(self.env["hub.connector"]._fields["adapter"].selection)
        self.assertEqual(set(selection), {m["name"] for m in adapter_manifests()})
        self.assertEqual(selection, {m["name"]: m["label"] for m in adapter_manifests()})
        self.assertLessEqual(RELEASED_KEYS, set(selection))
        self.assertEqual(selection["rest"], "REST partner (mapping only)")

    def test_copy_equals_the_sidecar_manifests(self):
        if not SIDECAR_ADAPTERS.is_dir():
            self.skipTest("no sidecar sources beside the addon (a container mounting the addon alone)")
        sources = sorted(
            (json.loads(path.read_text(encoding="utf-8")) for path in SIDECAR_ADAPTERS.glob("*/manifest.json")),
            key=lambda m: m["name"],
        )
        self.assertEqual(list(adapter_manifests()), sources, f"{MANIFEST_FILE.name} is stale: run npm run build:manifests")

    def test_manifests_name_what_odoo_has(self):
        Connector = self.env["hub.connector"]
        kinds = dict(Connector._fields["kind"].selection)
        event_types = {key for key, _label in EVENT_TYPE_SELECTION}
        for manifest in adapter_manifests():
            with self.subTest(adapter=manifest["name"]):
                self.assertIn(manifest["kind"], kinds)
                for setting in manifest["settings"]:
                    self.assertIn(setting, Connector._fields, "a setting is a connector field the form can show")
                self.assertLessEqual(set(manifest["consumes"]), event_types | set(COMPENSATION_EVENT_TYPES.values()) | {"*"})

    def test_capabilities_drive_the_incident_lists(self):
        self.assertEqual(set(CARRIER_ADAPTERS), {"parcelfast", "swiftpost"})
        self.assertEqual(set(SHIPPING_ADAPTERS), {"rate_shop", "tms", "parcelfast", "swiftpost"})
        self.assertEqual(adapters_with("cancel"), ("wms",))
        self.assertEqual(set(adapters_with("void")), {"parcelfast", "swiftpost"})

    def test_form_shows_the_base_url_only_when_the_adapter_needs_one(self):
        connector = self.env["hub.connector"].create({"code": "best-form", "name": "Best", "adapter": "rate_shop", "kind": "carrier"})
        self.assertFalse(connector.adapter_needs_base_url)
        self.assertFalse(connector.adapter_takes_mapping)
        connector.adapter = "webhook"
        self.assertTrue(connector.adapter_needs_base_url)
        connector.adapter = "rest"
        self.assertTrue(connector.adapter_needs_base_url)
        self.assertTrue(connector.adapter_takes_mapping)
        arch = self.env["hub.connector"].get_view(view_type="form")["arch"]
        self.assertIn('invisible="not adapter_needs_base_url"', arch)

    def test_routes_say_whether_the_adapter_takes_their_event(self):
        """The manifest's ``consumes`` decides which routes make sense: the routes list marks the others and
        choosing one warns (events routed there would only be dead-lettered)."""
        wms_routes = {route.event_type: route.adapter_takes_event for route in self.wms.route_ids}
        self.assertTrue(wms_routes["picking.ready"])
        self.assertFalse(wms_routes["order.confirmed"])
        hook = self.env["hub.connector"].create({
            "code": "any-hook", "name": "Any", "adapter": "webhook", "route_ids": [(0, 0, {"event_type": "invoice.posted"})],
        })
        self.assertTrue(hook.route_ids.adapter_takes_event, "a webhook takes any routed type (consumes *)")
        warning = self.env["hub.route"].new({"connector_id": self.wms.id, "event_type": "invoice.posted"})._onchange_event_type_adapter()
        self.assertIn("Invoice posted", warning["warning"]["message"])
        self.assertIn("WMS", warning["warning"]["message"])
        self.assertFalse(self.env["hub.route"].new({"connector_id": self.wms.id, "event_type": "picking.ready"})._onchange_event_type_adapter())

    def test_rest_mapping_default_and_shape(self):
        connector = self.env["hub.connector"].create({"code": "rest-1", "name": "REST", "adapter": "rest"})
        self.assertEqual(connector.rest_mapping, DEFAULT_REST_MAPPING)
        mapping_ts = SIDECAR_ADAPTERS / "rest" / "mapping.ts"
        if mapping_ts.is_file():
            self.assertIn(f"DEFAULT_REST_MAPPING = '{DEFAULT_REST_MAPPING}'", mapping_ts.read_text(encoding="utf-8"),
                          "Odoo's default is the sidecar's")
        connector.rest_mapping = '{"path": "/orders", "request": "{ \'ref\': data.order.name }", "reference": "id"}'
        for bad, says in (
            ("{ path: /orders", "not JSON"),
            ('{"path": "/orders"}', '"request"'),
            ('{"request": "$", "refrence": "id"}', "unknown keys: refrence"),
            ('{"request": "$", "reference": 42}', '"reference" text or null'),
            ('{"path": "https://elsewhere.example/x", "request": "$"}', "a path under the Base URL"),
            ('{"path": "//elsewhere.example/x", "request": "$"}', "a path under the Base URL"),
        ):
            with self.subTest(bad=bad), self.assertRaisesRegex(ValidationError, says):
                connector.rest_mapping = bad
        # Other adapters ignore the field: no check stands in their way.
        self.env["hub.connector"].create({"code": "hook-1", "name": "Hook", "adapter": "webhook", "rest_mapping": "not json"})
