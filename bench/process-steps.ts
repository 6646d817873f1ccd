import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { request } from 'undici'
import { parcelfast } from '../sidecar/simulators/carrier/dialects.ts'
import { postSignedCallback } from '../sidecar/simulators/signed-callback.ts'
import { OdooServer } from '../test/support/odoo.ts'
import { ODOO_PYTHON, installAndRunScript, odooArgs, odooSource } from './odoo-bench.ts'
import { fmt, percentile, report } from './stats.ts'
import { countingPartner, freePort, sidecarProcess, until } from './support.ts'

/**
 * Benchmark 8: step latency of business processes in real Odoo (ODOO_SRC), on the PostgreSQL bench/run.ts
 * started (a database and role made here, nothing else touched). ParcelFast tracking callbacks, signed and
 * shaped as sidecar/simulators/carrier sends them, go to the sidecar's /hooks at BENCH_PROCESS_RATE per second for
 * BENCH_PROCESS_SECONDS, among BENCH_PROCESS_INSTANCES running processes (bench/process_steps.py makes
 * them). Each callback is a milestone of one measured process: in_transit (completes step in_transit,
 * starts delivered) for the first half, delivered (completes delivered, starts invoiced, and emits
 * shipment.delivered to the customer portal) for the second half. Measured, all from outside Odoo:
 *   step: callback accepted by /hooks (its 2xx) -> the next step left `pending` in hub_process_step, seen
 *     by polling PostgreSQL every POLL_MS (so it is committed; the figure includes up to POLL_MS of polling);
 *   dispatch: the delivered callback accepted -> the portal received shipment.delivered;
 *   reference, same run, same sidecar and database: plain delivery, an outbox row committed by the
 *     benchmark (as benchmark 1 does) -> the partner received it, at BENCH_PROCESS_PLAIN_RATE per second.
 */
const INSTANCES = Number(process.env.BENCH_PROCESS_INSTANCES ?? 10_000)
const RATE = Number(process.env.BENCH_PROCESS_RATE ?? 200)
const SECONDS = Number(process.env.BENCH_PROCESS_SECONDS ?? 25)
const PLAIN_RATE = Number(process.env.BENCH_PROCESS_PLAIN_RATE ?? 20)
const EVENTS = Math.round(RATE * SECONDS)
const MEASURED = Math.ceil(EVENTS / 2)
const POLL_MS = 25
const TICK_MS = 50
const SECRET = 'whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldA=='
const now = () => performance.timeOrigin + performance.now()

/** One milestone callback of one measured process, and what it must make happen. */
interface Milestone { processId: number, tracking: string, milestone: 'picked_up' | 'in_transit' | 'delivered', next: 'delivered' | 'invoiced', acceptedAt?: number, observedAt?: number, status?: number | 'error' }

/** Polls PostgreSQL for the next step of each milestone whose callback was accepted and not yet seen. */
function startObserver (pool: pg.Pool, milestones: Milestone[]): { stop: () => Promise<void> } {
  let running = true
  const loop = (async () => {
    while (running) {
      const waiting = milestones.filter(m => m.acceptedAt !== undefined && m.observedAt === undefined)
      if (waiting.length) {
        const { rows } = await pool.query<{ process_id: number, code: string }>(
          "SELECT process_id, code FROM hub_process_step WHERE process_id = ANY($1) AND code = ANY($2) AND state <> 'pending'",
          [[...new Set(waiting.map(m => m.processId))], ['delivered', 'invoiced']])
        const at = now()
        const seen = new Set(rows.map(r => `${r.process_id}:${r.code}`))
        for (const m of waiting) if (seen.has(`${m.processId}:${m.next}`)) m.observedAt = at
      }
      await sleep(POLL_MS)
    }
  })()
  return { stop: async () => { running = false; await loop } }
}

/** The outbox rows of the plain reference, one record each, committed as Odoo's capture writes them (hub_event.py). */
let plainRecord = 20_000_000
async function commitPlain (pool: pg.Pool, connectorId: number, n: number, committedAt: Map<string, number>): Promise<void> {
  const ids = Array.from({ length: n }, () => randomUUID())
  const res = ids.map(() => ++plainRecord)
  await pool.query(`INSERT INTO hub_event (uuid, direction, event_type, connector_id, res_model, res_id, correlation_id, payload, state, create_date, write_date)
    SELECT u, 'out', 'order.confirmed', $2, 'sale.order', r, u, '{"order":{"id":1}}', 'pending', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
    FROM unnest($1::varchar[], $3::int[]) AS t(u, r)`, [ids, connectorId, res])
  const at = now()
  for (const id of ids) committedAt.set(id, at)
  await pool.query("SELECT pg_notify('hub_event', '')")
}

/** The carrier's signed tracking callback for one milestone (as sidecar/simulators/carrier sends it); accepted at its 2xx. */
async function callback (url: string, m: Milestone, seq: number): Promise<void> {
  const shipment = { id: `shp_${seq}`, tracking: m.tracking, service: 'PF_ECONOMY', reference: '', price: 7.9, events: [], milestones: [] }
  const body = parcelfast.event(shipment, m.milestone, seq, { pod: m.milestone === 'delivered', at: new Date() }) as { event_id: string }
  m.status = await postSignedCallback(url, SECRET, `cw_${m.tracking}_${body.event_id}`, JSON.stringify(body))
  if (typeof m.status === 'number' && m.status < 300) m.acceptedAt = now()
}

/** Open loop: every tick sends its share of callbacks without waiting for earlier ones, and commits plain rows. */
async function offer (callbackUrl: string, milestones: Milestone[], pool: pg.Pool, plainId: number, plainCommitted: Map<string, number>): Promise<{ seconds: number, inFlight: Promise<unknown>[] }> {
  const ticks = Math.round((SECONDS * 1000) / TICK_MS)
  const inFlight: Promise<unknown>[] = []
  const t0 = performance.now()
  let sent = 0
  let plainOwed = 0
  for (let tick = 1; tick <= ticks; tick++) {
    const due = Math.round((EVENTS * tick) / ticks)
    for (; sent < due; sent++) {
      const m = milestones[sent]!
      inFlight.push(callback(callbackUrl, m, sent + 1))
    }
    plainOwed += (PLAIN_RATE * TICK_MS) / 1000
    if (plainOwed >= 1) { inFlight.push(commitPlain(pool, plainId, Math.floor(plainOwed), plainCommitted)); plainOwed -= Math.floor(plainOwed) }
    await sleep(Math.max(0, t0 + tick * TICK_MS - performance.now()))
  }
  return { seconds: (performance.now() - t0) / 1000, inFlight }
}

async function startSidecar (databaseUrl: string, odoo: OdooServer, db: string): Promise<{ child: ChildProcess, url: string }> {
  const port = await freePort()
  const child = await sidecarProcess(databaseUrl, odoo.url, { ODOO_DB: db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin', PORT: String(port) })
  const url = `http://127.0.0.1:${port}`
  await until(async () => {
    try { const res = await request(`${url}/readyz`); await res.body.dump(); return res.statusCode === 200 } catch { return false }
  }, 60_000)
  return { child, url }
}

export async function benchProcessSteps (adminUrl: string): Promise<void> {
  const src = odooSource()
  if (!src) { console.log('Process step latency benchmark: skipped (set ODOO_SRC to an Odoo 18 source tree)\n'); return }
  const work = await mkdtemp(join(tmpdir(), 'hub-bench-steps-'))
  const db = 'bench_steps'
  const dbUrl = `postgresql://odoo:odoo@127.0.0.1:${new URL(adminUrl).port}/${db}`
  const args = await odooArgs(src, adminUrl, db, work)
  const portal = await countingPartner()
  const plain = await countingPartner()
  const odoo = new OdooServer({ python: ODOO_PYTHON, cwd: src, db, args, dbUrl }, work)
  const pool = new pg.Pool({ connectionString: dbUrl, max: 3 })
  let sidecar: ChildProcess | undefined
  try {
    const benchEnv = { BENCH_PROCESS_INSTANCES: String(INSTANCES), BENCH_PROCESS_MEASURED: String(MEASURED), BENCH_SECRET: SECRET,
      BENCH_CARRIER_URL: 'http://127.0.0.1:9', BENCH_PORTAL_URL: portal.url, BENCH_PLAIN_URL: plain.url }
    const setup = await installAndRunScript(args, 'process_steps.py', benchEnv)
    const ready = /BENCH steps-ready (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)/.exec(setup)
    if (!ready) throw new Error(`no result from the Odoo shell: ${setup.slice(-1500)}`)
    const [, measured, filler, running, measuredSeconds, fillerSeconds] = ready.map(Number) as [number, number, number, number, number, number]
    await odoo.start()
    const sc = await startSidecar(dbUrl, odoo, db)
    sidecar = sc.child

    const { rows } = await pool.query<{ process_id: number, tracking: string }>(`SELECT p.id AS process_id, sp.hub_tracking_number AS tracking
      FROM stock_picking sp JOIN hub_process p ON p.res_model = 'sale.order' AND p.res_id = sp.sale_id AND p.state = 'running'
      JOIN hub_connector c ON c.id = sp.hub_carrier_connector_id AND c.code = 'bench-parcelfast' ORDER BY p.id`)
    const milestones: Milestone[] = [
      ...rows.map(r => ({ processId: r.process_id, tracking: r.tracking, milestone: 'in_transit' as const, next: 'delivered' as const })),
      ...rows.map(r => ({ processId: r.process_id, tracking: r.tracking, milestone: 'delivered' as const, next: 'invoiced' as const }))
    ].slice(0, EVENTS)
    const { rows: [plainConnector] } = await pool.query<{ id: number }>("SELECT id FROM hub_connector WHERE code = 'bench-plain'")

    // warm-up: picked_up scans (no process milestone) through the same path, until Odoo stored them, so the
    // first measured callbacks do not pay for Odoo's first requests (registry, login) and the sidecar's
    const warm = rows.slice(0, 20).map(r => ({ processId: r.process_id, tracking: r.tracking, milestone: 'picked_up' as const, next: 'delivered' as const }))
    await Promise.all(warm.map((m, i) => callback(`${sc.url}/hooks/bench-parcelfast`, m, 1_000_000 + i)))
    await until(async () => Number((await pool.query("SELECT count(*) AS n FROM hub_tracking_event WHERE status = 'picked_up'")).rows[0].n) >= warm.length, 120_000)

    const plainCommitted = new Map<string, number>()
    const observer = startObserver(pool, milestones)
    const load0 = loadavg()[0]!
    const offered = await offer(`${sc.url}/hooks/bench-parcelfast`, milestones, pool, plainConnector!.id, plainCommitted)
    await Promise.all(offered.inFlight)
    const accepted = milestones.filter(m => m.acceptedAt !== undefined)
    const drainStart = performance.now()
    await until(() => accepted.every(m => m.observedAt !== undefined) && [...plainCommitted.keys()].every(id => plain.received.has(id)), 600_000).catch(() => {})
    const drainSeconds = (performance.now() - drainStart) / 1000
    // the portal's shipment.delivered: which delivery each message was about, from the outbox row itself
    const delivered = accepted.filter(m => m.milestone === 'delivered' && m.observedAt !== undefined)
    const uuidsOf = async () => (await pool.query<{ uuid: string, tracking: string }>(`SELECT e.uuid, sp.hub_tracking_number AS tracking FROM hub_event e
      JOIN stock_picking sp ON sp.id = e.res_id JOIN hub_connector c ON c.id = e.connector_id AND c.code = 'bench-portal' WHERE e.event_type = 'shipment.delivered'`)).rows
    await until(async () => (await uuidsOf()).filter(r => portal.received.has(r.uuid)).length >= delivered.length, 120_000).catch(() => {})
    const loadAfter = loadavg()[0]!
    await observer.stop()

    const byTracking = new Map(delivered.map(m => [m.tracking, m]))
    const dispatch = (await uuidsOf()).flatMap(r => { const m = byTracking.get(r.tracking); const at = portal.received.get(r.uuid); return m && at ? [at - m.acceptedAt!] : [] })
    const step = accepted.filter(m => m.observedAt !== undefined).map(m => m.observedAt! - m.acceptedAt!)
    const plainLatency = [...plainCommitted].flatMap(([id, at]) => plain.received.has(id) ? [plain.received.get(id)! - at] : [])
    const refused = milestones.length - accepted.length
    const applied = accepted.filter(m => m.observedAt !== undefined)
    const lastObserved = Math.max(...applied.map(m => m.observedAt!))
    const firstAccepted = Math.min(...accepted.map(m => m.acceptedAt!))

    console.log(`Process steps in real Odoo: ${running} running order-to-delivery processes (${measured} measured: real sale orders confirmed through the ORM, then acknowledged, packed and booked through hub.process._hub_signal, made in ${fmt(measuredSeconds, 0)} s; ${filler} filler: hub.process rows created through the ORM in batches of 500 with copied steps spread over steps 2-7, in ${fmt(fillerSeconds, 0)} s)`)
    console.log(`  offered: ${milestones.length} signed ParcelFast tracking callbacks at ${RATE}/s for ${fmt(offered.seconds, 1)} s (in_transit, then delivered), ${accepted.length} accepted by /hooks, ${refused} not; plain outbox rows at ${PLAIN_RATE}/s: ${plainCommitted.size}`)
    console.log(`  applied: ${applied.length} of ${accepted.length} steps advanced, at ${fmt(applied.length / ((lastObserved - firstAccepted) / 1000), 0)}/s overall; backlog drained ${fmt(drainSeconds, 1)} s after the last callback`)
    report('  p50: step (callback -> next step active) vs plain (commit -> partner)', percentile(step, 50), percentile(plainLatency, 50), 'ms', 'lower')
    report('  p99: step vs plain', percentile(step, 99), percentile(plainLatency, 99), 'ms', 'lower')
    report('  p50: delivered callback -> portal received vs plain', percentile(dispatch, 50), percentile(plainLatency, 50), 'ms', 'lower')
    report('  p99: delivered callback -> portal received vs plain', percentile(dispatch, 99), percentile(plainLatency, 99), 'ms', 'lower')
    console.log(`  (step latency polled in PostgreSQL every ${POLL_MS} ms; ${dispatch.length} shipment.delivered received by the portal; plain: ${plainLatency.length} of ${plainCommitted.size} received; load average ${fmt(load0, 1)} before, ${fmt(loadAfter, 1)} after: other work on the machine shows here)\n`)
  } finally {
    await pool.end().catch(() => {})
    if (sidecar && sidecar.exitCode === null) {
      sidecar.kill('SIGTERM')
      await until(() => sidecar!.exitCode !== null || sidecar!.signalCode !== null, 20_000).catch(() => sidecar!.kill('SIGKILL'))
    }
    await odoo.stop()
    await portal.close()
    await plain.close()
    await rm(work, { recursive: true, force: true })
  }
}
