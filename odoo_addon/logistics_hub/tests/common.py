from odoo.tests import TransactionCase


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
    def _create_product(cls, sku, qty=0.0, price=10.0):
        product = cls.env["product.product"].create({
            "name": f"Hub product {sku}",
            "default_code": sku,
            "type": "consu",
            "is_storable": True,
            "list_price": price,
            "invoice_policy": "order",
        })
        if qty:
            cls.env["stock.quant"]._update_available_quantity(product, cls.warehouse.lot_stock_id, qty)
        return product

    def _create_order(self, lines=None):
        lines = lines or [(self.product, 3)]
        return self.env["sale.order"].create({
            "partner_id": self.customer.id,
            "warehouse_id": self.warehouse.id,
            "order_line": [
                (0, 0, {"product_id": product.id, "product_uom_qty": qty}) for product, qty in lines
            ],
        })

    def _events(self, record, event_type=None, direction="out"):
        domain = [("res_model", "=", record._name), ("res_id", "=", record.id), ("direction", "=", direction)]
        if event_type:
            domain.append(("event_type", "=", event_type))
        return self.env["hub.event"].search(domain, order="id")

    def _sync_state(self, record, connector):
        return self.env["hub.sync.state"].search([
            ("res_model", "=", record._name), ("res_id", "=", record.id), ("connector_id", "=", connector.id),
        ])
