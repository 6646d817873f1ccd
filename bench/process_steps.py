# Benchmark 8 setup, run inside `odoo-bin shell` on a database with logistics_hub installed (bench/process-steps.ts).
# Makes the processes the benchmark measures and the live ones it measures among:
#   measured: BENCH_PROCESS_MEASURED real sale orders confirmed through the ORM (order-to-delivery started by
#     order.confirmed, as in production), whose delivery is then acknowledged, packed and booked through the
#     engine's own entry point (hub.process._hub_signal), with a ParcelFast tracking number on the picking:
#     each waits in step in_transit for the carrier's callbacks;
#   filler: running order-to-delivery processes up to BENCH_PROCESS_INSTANCES in all, created through the ORM
#     in batches with the definition's steps copied and spread over the steps (earlier ones done, one active),
#     on order ids that have no sale.order (their number is what matters: every signal searches among them).
import base64
import os
import time
from datetime import timedelta

from odoo import fields

env = env  # noqa: F821  (provided by odoo-bin shell)
INSTANCES = int(os.environ["BENCH_PROCESS_INSTANCES"])
MEASURED = int(os.environ["BENCH_PROCESS_MEASURED"])
SECRET = os.environ["BENCH_SECRET"]
BATCH = 50
FILLER_BATCH = 500
started = time.perf_counter()

nl = env["res.country"].search([("code", "=", "NL")], limit=1)
partner = env["res.partner"].create({"name": "Bench Shop BV", "street": "3 Canal St", "city": "Utrecht", "zip": "3511", "country_id": nl.id})
product = env["product.product"].create({"name": "Bench Crate", "type": "consu", "is_storable": True, "default_code": "BENCH-CRATE", "weight": 2})
warehouse = env["stock.warehouse"].search([], limit=1)
env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, MEASURED * 2 + 10)
Connector = env["hub.connector"]
common = {"retry_delay": 1, "retry_backoff": False, "timeout": 10}


def own_secret():
    """Every connector has its own secret (hub.connector refuses a shared one); the receivers do not verify."""
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


carrier = Connector.create({"name": "Bench ParcelFast", "code": "bench-parcelfast", "kind": "carrier", "adapter": "parcelfast", "base_url": os.environ["BENCH_CARRIER_URL"], "secret": SECRET, **common})
portal = Connector.create({"name": "Bench portal", "code": "bench-portal", "kind": "portal", "adapter": "webhook", "base_url": os.environ["BENCH_PORTAL_URL"], "secret": own_secret(), **common})
# the plain-delivery reference: the benchmark inserts its outbox rows itself, as benchmark 1 does
Connector.create({"name": "Bench plain", "code": "bench-plain", "kind": "portal", "adapter": "webhook", "base_url": os.environ["BENCH_PLAIN_URL"], "secret": own_secret(), **common})
env["hub.route"].create({"connector_id": portal.id, "event_type": "shipment.delivered"})
env.cr.commit()

Process = env["hub.process"]
for start in range(0, MEASURED, BATCH):
    n = min(BATCH, MEASURED - start)
    orders = env["sale.order"].create([
        {"partner_id": partner.id, "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})]} for _ in range(n)
    ])
    orders.action_confirm()
    for i, picking in enumerate(orders.picking_ids.sorted("id")):
        # The milestones before the measured ones, through the engine (each completes its step)
        for signal in ("warehouse.acknowledged", "fulfilment.packed", "shipment.booked"):
            Process._hub_signal(signal, picking, f"bench:{signal}:{picking.id}", connector=carrier)
        picking.write({
            "hub_tracking_number": f"PF{100000000 + start + i + 1}",
            "hub_carrier_connector_id": carrier.id,
            "hub_shipment_status": "label_created",
        })
    env.cr.commit()
measured_seconds = time.perf_counter() - started

definition = env["hub.process.definition"].search([("code", "=", "order_to_delivery")], limit=1)
steps = definition._hub_step_values()
now = fields.Datetime.now()
FillerProcess = Process.with_context(tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
filler = max(0, INSTANCES - Process.search_count([("state", "=", "running")]))
filler_started = time.perf_counter()
for start in range(0, filler, FILLER_BATCH):
    vals_list = []
    for n in range(start, min(filler, start + FILLER_BATCH)):
        at = 1 + n % (len(steps) - 1)  # the active step: every step after the first in turn
        vals_list.append({
            "name": f"Bench filler {n}",
            "definition_id": definition.id,
            "definition_code": definition.code,
            "definition_version": definition.version,
            "res_model": "sale.order",
            "res_id": 10_000_000 + n,
            "correlation_id": f"bench-filler-{n}",
            "step_ids": [fields.Command.create({
                **values,
                "state": "done" if k < at else "active" if k == at else "pending",
                "started_at": now if k <= at else False,
                "done_at": now if k < at else False,
                # a day ahead: no filler breaches while the benchmark runs
                "deadline": now + timedelta(days=1) if k == at else False,
            }) for k, values in enumerate(steps)],
        })
    created = FillerProcess.create(vals_list)
    env.cr.execute(
        """UPDATE hub_process p SET current_step_id = s.id, deadline = s.deadline, current_step_name = s.name
           FROM hub_process_step s WHERE s.process_id = p.id AND s.state = 'active' AND p.id = ANY(%s)""",
        [created.ids],
    )
    env.cr.commit()
filler_seconds = time.perf_counter() - filler_started
running = Process.search_count([("state", "=", "running")])
print(f"BENCH steps-ready {MEASURED} {filler} {running} {measured_seconds:.1f} {filler_seconds:.1f}")
