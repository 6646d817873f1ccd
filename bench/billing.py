# Benchmark 9, run inside `odoo-bin shell` on a database with logistics_hub installed (bench/billing.ts).
#   rating: BENCH_BILLING_SHIPMENTS random shipments rated by hub.rate.card._hub_rate over a contract card
#     (3 countries x 4 postcode zones x 8 weight brackets, remote areas, a monthly fuel index), in one
#     transaction as Odoo keeps its cache (warm), and a sample of BENCH_BILLING_COLD with the cache emptied
#     before each shipment (as a proof of delivery in its own transaction reads the card); the reference is
#     the pure hub.rating.rate on the same lanes, remote areas and fuel percentages (no ORM). Both give the
#     same prices (checked, mismatches printed).
#   consolidation: BENCH_BILLING_CHARGES hub.charge rows of last week for BENCH_BILLING_CUSTOMERS weekly
#     customers, spread over BENCH_BILLING_PICKINGS real deliveries (confirmed sale orders), invoiced by
#     hub.charge._hub_cron_consolidate (one invoice per customer, one line per charge, each charge linked);
#     the reference creates the same invoices (same partners, product, labels, amounts, origin, narration)
#     with account.move.create in the same run, before and after the hub's. Each is measured from a cold cache to its
#     flush, and rolled back.
import bisect
import os
import random
import time
from datetime import datetime, timedelta
from datetime import time as day_start

from odoo import fields
from odoo.addons.logistics_hub.hub import rating

env = env  # noqa: F821  (provided by odoo-bin shell)
SHIPMENTS = int(os.environ.get("BENCH_BILLING_SHIPMENTS", "20000"))
COLD = int(os.environ.get("BENCH_BILLING_COLD", "500"))
CHARGES = int(os.environ.get("BENCH_BILLING_CHARGES", "10000"))
CUSTOMERS = int(os.environ.get("BENCH_BILLING_CUSTOMERS", "50"))
PICKINGS = int(os.environ.get("BENCH_BILLING_PICKINGS", "250"))
rng = random.Random(9)
perf = time.perf_counter
setup_env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True))
company = env.company
currency = company.currency_id
today = fields.Date.context_today(env["hub.charge"])
started = perf()

# ---------------------------------------------------------------------------------------------------
# The card: per country 4 postcode zones x 8 brackets, continuous prices stepping up 0.10 at each bracket
# ---------------------------------------------------------------------------------------------------
country = {code: env.ref(f"base.{code.lower()}") for code in ("NL", "DE", "FR")}
zones = {
    "NL": [("1000", "2999"), ("3000", "5999"), ("6000", "7999"), ("8000", "9999")],
    "DE": [("01", "29"), ("30", "59"), ("60", "79"), ("80", "99")],
    "FR": [("01", "39"), ("40", "69"), ("70", "89"), ("90", "98")],
}
brackets = [(0, 1), (1, 2), (2, 5), (5, 10), (10, 20), (20, 31.5), (31.5, 50), (50, 1000)]
per_kg = [1.2, 1.0, 0.8, 0.6, 0.5, 0.4, 0.4, 0.3]
remote_areas = {
    "NL": [("1790", "1797"), ("8880", "8899"), ("9160", "9166")],
    "DE": [("18565", "18565"), ("25938", "25999"), ("26465", "26486")],
    "FR": [("20000", "20999"), ("56360", "56360")],
}
lines = []
for c, country_zones in zones.items():
    for z, (zip_from, zip_to) in enumerate(country_zones):
        end = 0.0
        for k, ((w_from, w_to), rate_kg) in enumerate(zip(brackets, per_kg)):
            base = round(4.5 + z + (2 if c != "NL" else 0), 2) if k == 0 else round(end - rate_kg * w_from + 0.10, 2)
            end = base + rate_kg * w_to
            lines.append(fields.Command.create({"country_id": country[c].id, "zip_from": zip_from, "zip_to": zip_to,
                                                "weight_from": w_from, "weight_to": w_to, "base_price": base,
                                                "price_per_kg": rate_kg}))
rate_customer = setup_env["res.partner"].create({"name": "Bench Rated Shop", "is_company": True})
card = setup_env["hub.rate.card"].create({
    "name": "Bench contract", "partner_id": rate_customer.id, "currency_id": currency.id,
    "date_from": today - timedelta(days=365), "minimum_charge": 6.0, "remote_area_fee": 4.5,
    "fuel_surcharge": True, "volumetric_divisor": 5000, "line_ids": lines,
    "remote_area_ids": [fields.Command.create({"country_id": country[c].id, "zip_from": a, "zip_to": b})
                        for c, areas in remote_areas.items() for a, b in areas],
})
for m in range(13):
    first = (today.replace(day=1) - timedelta(days=31 * m)).replace(day=1)
    setup_env["hub.fuel.index"].create({"date_from": first, "percent": round(8 + 4 * rng.random(), 2)})
env.cr.commit()


def random_zip(c):
    if rng.random() < 0.05:  # some shipments to the islands
        low, high = rng.choice(remote_areas[c])
        return str(rng.randint(int(low), int(high))).zfill(len(low))
    if c == "NL":
        return f"{rng.randint(1000, 9999)} {rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}"
    return f"{rng.randint(1000, 98999):05d}"


shipments = []
for _ in range(SHIPMENTS):
    c = rng.choice(("NL", "NL", "DE", "FR"))
    weight = round(min(rng.lognormvariate(1.0, 1.1), 900.0), 3)
    volume = min(weight * rng.uniform(1500, 9000), 4_000_000.0)  # cm³: some light and bulky (dimensional)
    shipments.append((c, random_zip(c), weight, volume, today - timedelta(days=rng.randint(0, 89))))

# ---------------------------------------------------------------------------------------------------
# Rating: the model over the card (warm, then cold cache), and the pure function
# ---------------------------------------------------------------------------------------------------
env.invalidate_all()
card = env["hub.rate.card"].browse(card.id)
t0 = perf()
orm = [card._hub_rate(country[c], z, w, v, d) for c, z, w, v, d in shipments]
orm_seconds = perf() - t0

cold = shipments[:COLD]
q0 = env.cr.sql_log_count
t0 = perf()
for c, z, w, v, d in cold:
    env.invalidate_all()
    card._hub_rate(country[c], z, w, v, d)
cold_seconds = perf() - t0
cold_queries = env.cr.sql_log_count - q0

lanes = card._hub_lanes()
remotes = [(r.country_id.code or None, r.zip_from or "", r.zip_to or "") for r in card.remote_area_ids]
index = env["hub.fuel.index"].search([("company_id", "=", company.id)], order="date_from")
fuel_dates, fuel_percents = index.mapped("date_from"), index.mapped("percent")
divisor, minimum, remote_fee = card.volumetric_divisor, card.minimum_charge, card.remote_area_fee


def fuel_on(on_date):
    i = bisect.bisect_right(fuel_dates, on_date) - 1
    return fuel_percents[i] if i >= 0 else 0.0


t0 = perf()
pure = [rating.rate(lanes, c, z, w, v, divisor, minimum, remotes, remote_fee, fuel_on(d)) for c, z, w, v, d in shipments]
pure_seconds = perf() - t0

mismatches = sum(1 for a, b in zip(orm, pure) if b is None or (a.lane.name, round(a.transport, 6), round(a.remote, 6),
                                                               round(a.fuel, 6)) != (b.lane.name, round(b.transport, 6),
                                                                                     round(b.remote, 6), round(b.fuel, 6)))
remote_hits = sum(1 for r in pure if r and r.remote)
minimum_hits = sum(1 for r in pure if r and r.minimum_applied)
dimensional_hits = sum(1 for r in pure if r and 0 < r.dimensional_weight >= r.billable_weight)
print(f"BENCH billing-rating {SHIPMENTS} {orm_seconds:.4f} {pure_seconds:.4f} {mismatches} {len(lanes)} {len(remotes)} "
      f"{len(fuel_dates)} {remote_hits} {minimum_hits} {dimensional_hits} {len(cold)} {cold_seconds:.4f} {cold_queries}",
      flush=True)

# ---------------------------------------------------------------------------------------------------
# Consolidation setup: weekly customers, real confirmed orders and their deliveries, last week's charges
# ---------------------------------------------------------------------------------------------------
setup_started = perf()
customers = setup_env["res.partner"].create([{
    "name": f"Bench Weekly Customer {n:03d}", "is_company": True, "street": f"{n} Harbour Road", "city": "Rotterdam",
    "zip": f"{3000 + n}", "country_id": country["NL"].id, "hub_billing_policy": "weekly",
} for n in range(CUSTOMERS + 1)])
warm_customer, customers = customers[-1], customers[:-1]
product = setup_env["product.product"].create({"name": "Bench Pallet", "type": "consu", "default_code": "BENCH-PALLET",
                                               "weight": 12.0})
pickings = setup_env["stock.picking"]
BATCH = 50
for start in range(0, PICKINGS, BATCH):
    orders = setup_env["sale.order"].create([{
        "partner_id": customers[n % CUSTOMERS].id,
        "order_line": [fields.Command.create({"product_id": product.id, "product_uom_qty": 1})],
    } for n in range(start, min(PICKINGS, start + BATCH))])
    orders.action_confirm()
    pickings |= orders.picking_ids
    env.cr.commit()
pickings = pickings.sorted("id")

monday = today - timedelta(days=today.weekday())
week_start = datetime.combine(monday - timedelta(days=7), day_start.min)
types = [("transport", "delivered"), ("remote_area", "delivered"), ("fuel", "delivered"), ("detention", "detention"),
         ("redelivery", "delivery_failed"), ("return", "returned")]


def charge_values(n, picking, key):
    charge_type, milestone = types[0] if n % 4 else types[n % len(types)]
    return {
        "occurrence_key": key,
        "picking_id": picking.id,
        "order_id": picking.sale_id.id,
        "partner_id": picking.sale_id.partner_invoice_id.id,
        "company_id": company.id,
        "currency_id": currency.id,
        "rate_card_id": card.id,
        "charge_type": charge_type,
        "milestone": milestone,
        "milestone_at": week_start + timedelta(seconds=rng.randint(0, 7 * 86400 - 1)),
        "amount": round(rng.uniform(3, 60), 2),
        "cost_amount": 0.0,
        "description": f"{picking.name}: NL 3000-5999 5-10 kg, {rng.uniform(5, 10):.3g} kg billed (actual 6.1 kg, dimensional 4.2 kg)",
    }


Charge = setup_env["hub.charge"].sudo()
for start in range(0, CHARGES, 1000):
    Charge.create([charge_values(n, pickings[n % len(pickings)], f"bench:{pickings[n % len(pickings)].id}:{n}")
                   for n in range(start, min(CHARGES, start + 1000))])
    env.cr.commit()
# warm-up, outside the measured runs: a few charges of another weekly customer through the same path
warm_picking = pickings[0]
warm = Charge.create([{**charge_values(n, warm_picking, f"bench:warm:{n}"), "partner_id": warm_customer.id}
                      for n in range(20)])
warm._hub_invoice()
env.cr.commit()
setup_seconds = perf() - setup_started

# The reference's invoices: the same groups, labels, origins and narration as _hub_invoice makes
product_charge = env.ref("logistics_hub.product_logistics_charge")
due = env["hub.charge"].sudo().search([("state", "=", "to_invoice")])
groups = {}
for charge in due.sorted(lambda c: (c.milestone_at, c.id)):
    groups.setdefault((charge.partner_id.id, charge.currency_id.id, charge.company_id.id), []).append(charge)
invoices = []
for (partner_id, currency_id, company_id), charges in groups.items():
    invoices.append((company_id, {
        "move_type": "out_invoice",
        "partner_id": partner_id,
        "currency_id": currency_id,
        "invoice_origin": ", ".join(dict.fromkeys(c.picking_id.name for c in charges))[:200],
        "narration": "Logistics charges, one line per shipment milestone.",
        "invoice_line_ids": [fields.Command.create({"product_id": product_charge.id, "name": c._hub_invoice_label(),
                                                    "quantity": 1, "price_unit": c.amount}) for c in charges],
    }))
env.cr.rollback()


def measured(run):
    env.invalidate_all()
    q0 = env.cr.sql_log_count
    t0 = perf()
    moves = run()
    env.flush_all()
    seconds = perf() - t0
    queries = env.cr.sql_log_count - q0
    return moves, seconds, queries


Move = env["account.move"].sudo()


def reference():
    """Plain account.move.create of the same invoices, rolled back."""
    moves, seconds, queries = measured(
        lambda: Move.browse([Move.with_company(company_id).create(vals).id for company_id, vals in invoices]))
    lines = len(moves.invoice_line_ids)
    env.cr.rollback()
    env.invalidate_all(flush=False)
    return moves, seconds, queries, lines


# reference, the hub's consolidation of the same charges, reference again (the machine's drift shows in the two)
ref_moves, ref1_seconds, ref_queries, ref_lines = reference()
hub_moves, hub_seconds, hub_queries = measured(lambda: env["hub.charge"]._hub_cron_consolidate(today=today))
hub_lines = len(hub_moves.invoice_line_ids)
linked = env["hub.charge"].search_count([("state", "=", "invoiced"), ("invoice_id", "in", hub_moves.ids)])
same_totals = round(sum(hub_moves.mapped("amount_untaxed")), 2) == round(sum(c.amount for g in groups.values() for c in g), 2)
hub_moves = len(hub_moves)
env.cr.rollback()
env.invalidate_all(flush=False)
ref_moves, ref2_seconds, _queries, _lines = reference()

print(f"BENCH billing-consolidate {len(due)} {len(groups)} {len(pickings)} {hub_seconds:.4f} {ref1_seconds:.4f} {ref2_seconds:.4f} "
      f"{hub_moves} {hub_lines} {linked} {len(ref_moves)} {ref_lines} {hub_queries} {ref_queries} "
      f"{setup_seconds:.1f} {int(same_totals)} {perf() - started:.1f}", flush=True)
