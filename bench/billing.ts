import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { installAndRunScript, odooArgs, odooSource } from './odoo-bench.ts'
import { fmt, report } from './stats.ts'

/**
 * Benchmark 9: billing in real Odoo (ODOO_SRC), on the PostgreSQL bench/run.ts started (a database and role
 * made here, nothing else touched); bench/billing.py does the work inside `odoo-bin shell`.
 *   rating: BENCH_BILLING_SHIPMENTS random shipments rated by hub.rate.card._hub_rate over a contract card
 *     (3 countries x 4 postcode zones x 8 weight brackets, remote areas, a monthly fuel index), beside the pure
 *     hub.rating.rate on the same lanes (no ORM): the ORM's cost of reading the card, per shipment. Also a
 *     sample of BENCH_BILLING_COLD shipments each rated from an empty cache, as one proof of delivery is.
 *   consolidation: BENCH_BILLING_CHARGES charges of last week for BENCH_BILLING_CUSTOMERS weekly customers on
 *     BENCH_BILLING_PICKINGS real deliveries, invoiced by hub.charge._hub_cron_consolidate (one invoice per
 *     customer, one line per charge, each charge linked), beside the same invoices created with
 *     account.move.create in the same run (same partners, product, labels, amounts).
 */
const SHIPMENTS = Number(process.env.BENCH_BILLING_SHIPMENTS ?? 20_000)
const COLD = Number(process.env.BENCH_BILLING_COLD ?? 500)
const CUSTOMERS = Number(process.env.BENCH_BILLING_CUSTOMERS ?? 50)
const PICKINGS = Number(process.env.BENCH_BILLING_PICKINGS ?? 250)
// Odoo creates invoice lines at ~5 ms each on a quiet 2 vCPU machine (~15 ms when other work shares it): the
// consolidation and its reference, run twice, take most of the ~4.5 minutes; BENCH_BILLING_CHARGES=2000 is quicker
const CHARGES = Number(process.env.BENCH_BILLING_CHARGES ?? 10_000)
export async function benchBilling (adminUrl: string): Promise<void> {
  const src = odooSource()
  if (!src) { console.log('Billing benchmark: skipped (set ODOO_SRC to an Odoo 18 source tree)\n'); return }
  const work = await mkdtemp(join(tmpdir(), 'hub-bench-billing-'))
  const args = await odooArgs(src, adminUrl, 'bench_billing', work)
  const env = { BENCH_BILLING_SHIPMENTS: String(SHIPMENTS), BENCH_BILLING_COLD: String(COLD), BENCH_BILLING_CHARGES: String(CHARGES),
    BENCH_BILLING_CUSTOMERS: String(CUSTOMERS), BENCH_BILLING_PICKINGS: String(PICKINGS) }
  const load0 = loadavg()[0]!
  try {
    const out = await installAndRunScript(args, 'billing.py', env)
    const rated = /BENCH billing-rating (\d+) ([\d.]+) ([\d.]+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) ([\d.]+) (\d+)/.exec(out)
    const billed = /BENCH billing-consolidate (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) ([\d.]+) (\d) ([\d.]+)/.exec(out)
    if (!rated || !billed) throw new Error(`no result from the Odoo shell: ${out.slice(-1500)}`)
    const [n, ormSeconds, pureSeconds, mismatches, lanes, remotes, fuelIndexes, remoteHits, minimumHits, dimensionalHits, coldN, coldSeconds, coldQueries] =
      rated.slice(1).map(Number) as [number, number, number, number, number, number, number, number, number, number, number, number, number]
    const [charges, customers, pickings, hubSeconds, ref1Seconds, ref2Seconds, hubMoves, hubLines, linked, refMoves, refLines, hubQueries, refQueries, setupSeconds, sameTotals, shellSeconds] =
      billed.slice(1).map(Number) as [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number]
    const refSeconds = (ref1Seconds + ref2Seconds) / 2

    console.log(`Billing in real Odoo: a rate card of ${lanes} lanes (3 countries x 4 postcode zones x 8 weight brackets), ${remotes} remote areas, ${fuelIndexes} monthly fuel indexes`)
    console.log(`  rating: ${n} random shipments (${remoteHits} remote area, ${minimumHits} at the minimum, ${dimensionalHits} billed by dimensional weight), same prices from both: ${mismatches === 0 ? 'yes' : `no, ${mismatches} differ`}`)
    report('  rated/s: hub.rate.card._hub_rate vs pure hub.rating.rate', n / ormSeconds, n / pureSeconds, '/s', 'higher')
    report('  per shipment: _hub_rate vs pure rate', (ormSeconds / n) * 1e6, (pureSeconds / n) * 1e6, 'µs', 'lower')
    report(`  per shipment, cache emptied before each (${coldN}) vs pure`, (coldSeconds / coldN) * 1e6, (pureSeconds / n) * 1e6, 'µs', 'lower')
    console.log(`  (_hub_rate in one transaction, Odoo's cache kept between shipments; emptied: ${fmt(coldQueries / coldN, 1)} SQL queries per shipment)`)
    console.log(`  consolidation: ${charges} charges of last week, ${customers} weekly customers, ${pickings} real deliveries (orders confirmed through the ORM; setup ${fmt(setupSeconds, 0)} s)`)
    console.log(`    hub: ${hubMoves} invoices, ${hubLines} lines, ${linked} charges linked and invoiced; reference: ${refMoves} invoices, ${refLines} lines; same untaxed total: ${sameTotals === 1 ? 'yes' : 'no'}`)
    report('  charges/s: _hub_cron_consolidate vs account.move.create', charges / hubSeconds, charges / refSeconds, '/s', 'higher')
    report('  seconds: _hub_cron_consolidate vs account.move.create', hubSeconds, refSeconds, 's', 'lower')
    console.log(`    (reference ${fmt(ref1Seconds, 1)} s before the hub's run and ${fmt(ref2Seconds, 1)} s after it: their mean is the reference)`)
    report('  SQL queries per charge: consolidate vs create', hubQueries / charges, refQueries / charges, 'queries', 'lower')
    console.log(`  (each from an empty cache to its flush, then rolled back; the reference's labels and grouping computed before its clock starts; Odoo shell ${fmt(shellSeconds, 0)} s; load average ${fmt(load0, 1)} before, ${fmt(loadavg()[0]!, 1)} after: other work on the machine shows here)\n`)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
