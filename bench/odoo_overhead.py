# Benchmark 4, run inside `odoo-bin shell` on a database with logistics_hub installed (bench/odoo-overhead.ts).
# Confirms sale orders with event capture routed (outbox rows + sync states written in the same
# transaction) and without (no active route), in alternating rounds so both see the same machine state.
import time

env = env  # noqa: F821  (provided by odoo-bin shell)
ROUNDS, PER_ROUND = 4, 50

partner = env["res.partner"].create({"name": "Bench Customer", "street": "1 Bench St", "city": "Ghent", "zip": "9000"})
product = env["product.product"].create({"name": "Bench Box", "type": "consu", "is_storable": True, "default_code": "BENCH-1"})
warehouse = env["stock.warehouse"].search([], limit=1)
env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 100000)
connector = env["hub.connector"].create({"name": "Bench WMS", "code": "bench-wms", "kind": "wms", "adapter": "wms", "base_url": "http://127.0.0.1:9"})
routes = env["hub.route"].create([
    {"connector_id": connector.id, "event_type": "order.confirmed"},
    {"connector_id": connector.id, "event_type": "picking.ready"},
])


def confirm(n):
    orders = env["sale.order"].create([
        {"partner_id": partner.id, "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})]} for _ in range(n)
    ])
    env.cr.flush()
    start = time.perf_counter()
    for order in orders:
        order.action_confirm()
    env.cr.flush()
    return time.perf_counter() - start


confirm(5)  # warm caches
with_capture = without_capture = 0.0
for _ in range(ROUNDS):
    routes.active = True
    with_capture += confirm(PER_ROUND)
    routes.active = False
    without_capture += confirm(PER_ROUND)
events = env["hub.event"].search_count([("connector_id", "=", connector.id)])
env.cr.rollback()
total = ROUNDS * PER_ROUND
print(f"BENCH odoo {total} {with_capture:.4f} {without_capture:.4f} {events}")
