import base64

from odoo.tests import TransactionCase

LABEL_PDF = b"%PDF-1.4\n% hub test label\n%%EOF\n"


class HubCase(TransactionCase):
    """Builders shared by the hub tests: a routed connector, stock, a customer, sale orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.customer = cls.env["res.partner"].create({
            "name": "Hub Customer",
            "street": "1 Quay Street",
            "city": "Rotterdam",
            "zip": "3011",
            "country_id": cls.env.ref("base.nl").id,
        })
        cls.product = cls._create_product("HUB-SKU-1", qty=100)
        cls.wms = cls._create_connector(
            "wms-main", "WMS Main",
            ["order.confirmed", "order.cancelled", "picking.ready", "picking.done", "invoice.posted"],
            kind="wms", adapter="wms",
        )

    @classmethod
    def _create_connector(cls, code, name, event_types, **vals):
        return cls.env["hub.connector"].create({
            "code": code,
            "name": name,
            "base_url": f"https://{code}.example.com",
            "route_ids": [(0, 0, {"event_type": event_type}) for event_type in event_types],
            **vals,
        })

    @classmethod
    def _create_product(cls, sku, qty=0.0, price=10.0, weight=0.0):
        product = cls.env["product.product"].create({
            "name": f"Hub product {sku}",
            "default_code": sku,
            "type": "consu",
            "is_storable": True,
            "list_price": price,
            "weight": weight,
            "invoice_policy": "order",
        })
        if qty:
            cls.env["stock.quant"]._update_available_quantity(product, cls.warehouse.lot_stock_id, qty)
        return product

    def _create_order(self, lines=None, partner=None):
        lines = lines or [(self.product, 3)]
        return self.env["sale.order"].create({
            "partner_id": (partner or self.customer).id,
            "warehouse_id": self.warehouse.id,
            "order_line": [
                (0, 0, {"product_id": product.id, "product_uom_qty": qty}) for product, qty in lines
            ],
        })

    def _at_commit(self):
        """Run what a commit runs before committing (ORM flush, precommit hooks): picking.ready is
        checked there (stock.picking._hub_emit_ready_at_commit), and a test transaction never commits."""
        self.env.cr.flush()

    def _events(self, record, event_type=None, direction="out"):
        self._at_commit()
        domain = [("res_model", "=", record._name), ("res_id", "=", record.id), ("direction", "=", direction)]
        if event_type:
            domain.append(("event_type", "=", event_type))
        return self.env["hub.event"].search(domain, order="id")

    def _resend(self, action, **options):
        """Confirm the re-send dialog an action opened (Replay, Retry, Send Again) with ``options``."""
        self.assertEqual(action["res_model"], "hub.resend.wizard", "re-sending always asks first")
        wizard = self.env["hub.resend.wizard"].browse(action["res_id"])
        wizard.write(options)
        return wizard.action_confirm()

    def _sync_state(self, record, connector):
        self._at_commit()
        return self.env["hub.sync.state"].search([
            ("res_model", "=", record._name), ("res_id", "=", record.id), ("connector_id", "=", connector.id),
        ])


class ShipmentCase(HubCase):
    """Carriers, a rate-shopping connector booking done deliveries, and builders for the sidecar's
    shipment results and tracking messages (docs/contract.md, "Shipments")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.best = cls._create_connector("best", "Best Carrier", ["picking.done"], kind="carrier", adapter="rate_shop")
        cls.parcelfast = cls._create_connector("parcelfast", "ParcelFast", [], kind="carrier", adapter="parcelfast")
        cls.swiftpost = cls._create_connector("swiftpost", "SwiftPost", [], kind="carrier", adapter="swiftpost")

    def _done_picking(self, partner=None):
        order = self._create_order(partner=partner)
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def _outbound(self, picking, connector, event_type="picking.done"):
        return self._events(picking, event_type).filtered(lambda e: e.connector_id == connector)

    def _result(self, event, status="sent", attempt=1, error=None, shipment=None, at="2026-11-23T16:00:00Z"):
        return {
            "event_uuid": event.uuid, "status": status, "attempt": attempt, "error": error,
            "external_ref": shipment["tracking_number"] if shipment else None,
            "details": {"shipment": shipment} if shipment else None,
            "at": at, "correlation_id": event.correlation_id,
        }

    def _shipment(self, tracking="PF100000001", carrier="parcelfast", label=LABEL_PDF, amount=7.45):
        return {
            "carrier": carrier, "service": "express", "tracking_number": tracking,
            "label_pdf_base64": base64.b64encode(label).decode() if label else None,
            "amount": amount, "currency": "EUR" if amount is not None else None, "rates_considered": 4,
        }

    def _apply_results(self, *results):
        return self.env["hub.sync.state"].hub_apply_results(list(results))

    def _book(self, picking, tracking="PF100000001", carrier="parcelfast", connector=None, **shipment):
        """The sidecar booked ``picking``'s picking.done on ``connector`` (default: rate shopping)."""
        event = self._outbound(picking, connector or self.best)
        outcomes = self._apply_results(self._result(event, shipment=self._shipment(tracking, carrier, **shipment)))
        self.assertEqual(outcomes[0]["outcome"], "applied")
        return event

    def _tracking_event(self, uid, status, at, tracking="PF100000001", reason=None, pod=None, location="Utrecht"):
        return {
            "id": uid, "tracking_number": tracking, "status": status, "reason": reason,
            "carrier_status": status.upper(), "occurred_at": at, "location": location, "pod": pod,
        }

    def _track(self, message_id, *events, connector="parcelfast", tracking=None):
        message = {
            "id": message_id, "type": "shipment.tracking", "correlation_id": None,
            "data": {"tracking_number": tracking or events[0]["tracking_number"], "events": list(events)},
        }
        return self.env["hub.event"].hub_apply_inbound(connector, [message])
