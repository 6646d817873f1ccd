# Benchmark 4, run inside `odoo-bin shell` on a database with logistics_hub installed (bench/odoo-overhead.ts).
# Confirms sale orders with event capture routed (outbox rows + sync states written in the same
# transaction) and without (no active route), in alternating rounds so both see the same machine state;
# the figure is the median confirmation of each arm, which a noisy neighbour moves least.
# Each confirmation commits, as the user's request does: the capture's work that runs at commit
# (precommit hooks, NOTIFY) is counted too.
import statistics
import time

env = env  # noqa: F821  (provided by odoo-bin shell)
ROUNDS, PER_ROUND = 20, 15

partner = env["res.partner"].create({"name": "Bench Customer", "street": "1 Bench St", "city": "Ghent", "zip": "9000"})
product = env["product.product"].create({"name": "Bench Box", "type": "consu", "is_storable": True, "default_code": "BENCH-1"})
warehouse = env["stock.warehouse"].search([], limit=1)
env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 100000)
connector = env["hub.connector"].create({"name": "Bench WMS", "code": "bench-wms", "kind": "wms", "adapter": "wms", "base_url": "http://127.0.0.1:9"})
routes = env["hub.route"].create([
    {"connector_id": connector.id, "event_type": "order.confirmed"},
    {"connector_id": connector.id, "event_type": "picking.ready"},
])
env.cr.commit()


def confirm(n):
    """Per-confirmation durations of n fresh orders."""
    orders = env["sale.order"].create([
        {"partner_id": partner.id, "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})]} for _ in range(n)
    ])
    env.cr.commit()
    durations = []
    for order in orders:
        start = time.perf_counter()
        order.action_confirm()
        env.cr.commit()
        durations.append(time.perf_counter() - start)
    return durations


def arm(active):
    routes.active = active
    env.cr.commit()
    (with_capture if active else without_capture).extend(confirm(PER_ROUND))


confirm(5)  # warm caches
with_capture, without_capture = [], []
for round_no in range(ROUNDS):
    # alternate which arm goes first, so drift on the machine falls on both
    first = round_no % 2 == 0
    arm(first)
    arm(not first)
events = env["hub.event"].search_count([("connector_id", "=", connector.id)])
print(f"BENCH odoo {len(with_capture)} {statistics.median(with_capture):.6f} {statistics.median(without_capture):.6f} "
      f"{statistics.fmean(with_capture):.6f} {statistics.fmean(without_capture):.6f} {events}")
