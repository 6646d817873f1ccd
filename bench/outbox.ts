import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import PgBoss from 'pg-boss'
import { fmt, percentile, report } from './stats.ts'
import { countingPartner, odooRpcStub, peakRssMiB, postgresCpuMs, sidecarProcess, until } from './support.ts'

/**
 * Benchmark 1: outbox -> partner, against the best PostgreSQL queues doing the same work on the same
 * database and endpoint (bench/reference-worker.ts): graphile-worker 0.17 and pg-boss 10 configured
 * per its documentation. Every arm runs as its own process at its default log level; our sidecar
 * also writes results back (to an Odoo RPC stub) and keeps per-record order. Phases:
 *   burst: BENCH_BURST events committed at once, one record each; throughput until the partner has all;
 *   latency: one record per event at 80 % of our burst throughput (BENCH_RATE to fix it), commit -> partner;
 *   per-record order: events on 20 records at a quarter of that rate (graphile-worker with one
 *     queue_name per record, which serialises them like our lanes).
 * PostgreSQL CPU per event is the CPU time of all server processes during the phase, per event.
 */
const BURST = Number(process.env.BENCH_BURST ?? 10_000)
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10)
/** BENCH_ARMS=ours to tune our settings alone (figures then have no reference beside them) */
const ARMS = (process.env.BENCH_ARMS ?? 'ours,graphile,pgboss').split(',') as Arm[]
const SECRET = 'whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldA=='
const root = new URL('..', import.meta.url).pathname

type Arm = 'ours' | 'graphile' | 'pgboss'
interface Run { seconds: number, latencies: number[], pgCpuMs: number, events: number }

async function referenceProcess (kind: 'graphile' | 'pgboss', databaseUrl: string, partnerUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/reference-worker.ts', kind], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, DATABASE_URL: databaseUrl, PARTNER_URL: partnerUrl, SECRET } })
  await new Promise<void>((resolve, reject) => { child.stdout!.on('data', d => { if (String(d).includes('ready')) resolve() }); child.on('exit', () => reject(new Error(`${kind} reference exited`))) })
  return child
}

let record = 0
const envelope = (id: string, res: number) => ({ id, type: 'order.confirmed', occurred_at: new Date().toISOString(), correlation_id: id, source: { model: 'sale.order', id: res }, data: { order: { id: res } } })

/** Commits n events in one transaction, the way each arm is fed; `records` > 0 spreads them over that many records. */
async function commit (arm: Arm, pool: pg.Pool, boss: PgBoss | null, connectorId: number, n: number, committedAt: Map<string, number>, records = 0): Promise<void> {
  const ids = Array.from({ length: n }, () => randomUUID())
  const res = ids.map(() => records ? (record++ % records) + 1 : ++record)
  if (arm === 'ours') {
    await pool.query(`INSERT INTO hub_event (uuid, event_type, connector_id, res_model, res_id, correlation_id, payload)
      SELECT u, 'order.confirmed', $2, 'sale.order', r, u, '{"order":{"id":1}}' FROM unnest($1::varchar[], $3::int[]) AS t(u, r)`, [ids, connectorId, res])
    await pool.query("SELECT pg_notify('hub_event', '')")
  } else if (arm === 'graphile') {
    await pool.query(`SELECT graphile_worker.add_job('deliver', j.payload, queue_name => j.queue)
      FROM json_to_recordset($1::json) AS j (payload json, queue text)`,
    [JSON.stringify(ids.map((id, i) => ({ payload: { id, envelope: envelope(id, res[i]!) }, queue: records ? `sale.order/${res[i]}` : null })))])
  } else {
    await boss!.insert(ids.map((id, i) => ({ name: 'deliver', data: { id, envelope: envelope(id, res[i]!) } })))
  }
  const now = performance.timeOrigin + performance.now()
  for (const id of ids) committedAt.set(id, now)
}

async function phase (port: string, arm: Arm, pool: pg.Pool, boss: PgBoss | null, connectorId: number, received: Map<string, number>, feed: (committed: Map<string, number>) => Promise<void>, burst = false): Promise<Run> {
  received.clear()
  const committed = new Map<string, number>()
  // a burst counts from its commit (the references' job inserts cost differently); a rate phase from its first tick
  const cpu0 = postgresCpuMs(port)
  let t0 = performance.now()
  await feed(committed)
  if (burst) t0 = performance.now()
  await until(() => [...committed.keys()].every(id => received.has(id)))
  const seconds = (performance.now() - t0) / 1000
  const pgCpuMs = postgresCpuMs(port) - cpu0
  return { seconds, pgCpuMs, events: committed.size, latencies: [...committed].map(([id, at]) => received.get(id)! - at) }
}

const atRate = (arm: Arm, pool: pg.Pool, boss: PgBoss | null, connectorId: number, rate: number, records = 0) => async (committed: Map<string, number>) => {
  const perTick = Math.max(1, Math.round(rate / 20))
  for (let i = 0; i < RATE_SECONDS * 20; i++) {
    const tick = performance.now()
    await commit(arm, pool, boss, connectorId, perTick, committed, records)
    await new Promise(resolve => setTimeout(resolve, Math.max(0, 50 - (performance.now() - tick))))
  }
}

export async function benchOutbox (databaseUrl: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 })
  const port = new URL(databaseUrl).port
  const partner = await countingPartner()
  const odoo = await odooRpcStub()
  const { rows: [c] } = await pool.query("INSERT INTO hub_connector (code, name, adapter, base_url, secret, timeout) VALUES ('bench', 'bench', 'webhook', $1, $2, 10) RETURNING id", [partner.url, SECRET])
  const results = new Map<string, Run>()
  let rate = Number(process.env.BENCH_RATE ?? 0)
  let rss = Number.NaN

  for (const arm of ARMS) {
    const worker = arm === 'ours' ? await sidecarProcess(databaseUrl, odoo.url) : await referenceProcess(arm, databaseUrl, partner.url)
    const boss = arm === 'pgboss' ? new PgBoss({ connectionString: databaseUrl, schema: 'bench_pgboss', supervise: false, schedule: false }) : null
    await boss?.start()
    await phase(port, arm, pool, boss, c.id, partner.received, async committed => { await commit(arm, pool, boss, c.id, 20, committed) }) // warm up
    results.set(`${arm}:burst`, await phase(port, arm, pool, boss, c.id, partner.received, async committed => { await commit(arm, pool, boss, c.id, BURST, committed) }, true))
    if (arm === 'ours' && !rate) rate = Math.round(0.8 * BURST / results.get('ours:burst')!.seconds)
    results.set(`${arm}:latency`, await phase(port, arm, pool, boss, c.id, partner.received, atRate(arm, pool, boss, c.id, rate)))
    if (arm !== 'pgboss') results.set(`${arm}:order`, await phase(port, arm, pool, boss, c.id, partner.received, atRate(arm, pool, boss, c.id, Math.round(rate / 4), 20)))
    if (arm === 'ours') rss = peakRssMiB(worker.pid)
    worker.kill('SIGTERM')
    await boss?.stop({ graceful: false })
    await until(() => worker.exitCode !== null || worker.signalCode !== null, 20_000).catch(() => worker.kill('SIGKILL'))
  }
  await partner.close()
  await odoo.close()
  await pool.end()

  const r = (key: string) => results.get(key)!
  const throughput = (key: string) => r(key).events / r(key).seconds
  const cpuPerEvent = (key: string) => r(key).pgCpuMs / r(key).events
  if (ARMS.length === 1) {
    const lat = r('ours:latency').latencies
    console.log(`outbox -> partner, ours alone: burst ${fmt(throughput('ours:burst'), 0)} events/s, ${fmt(cpuPerEvent('ours:burst'), 2)} ms PostgreSQL CPU per event; at ${rate}/s p50 ${fmt(percentile(lat, 50))} ms, p99 ${fmt(percentile(lat, 99))} ms`)
  }
  for (const ref of (['graphile', 'pgboss'] as const).filter(a => ARMS.includes(a))) {
    const name = ref === 'graphile' ? 'graphile-worker 0.17' : 'pg-boss 10 per its docs'
    console.log(`outbox -> partner vs ${name} (same signed POST, same database and endpoint)`)
    report(`  burst of ${BURST}, one record each: throughput`, throughput('ours:burst'), throughput(`${ref}:burst`), 'events/s', 'higher')
    report('  burst: PostgreSQL CPU per event', cpuPerEvent('ours:burst'), cpuPerEvent(`${ref}:burst`), 'ms', 'lower')
    report(`  at ${rate}/s, one record each: p50 commit -> partner`, percentile(r('ours:latency').latencies, 50), percentile(r(`${ref}:latency`).latencies, 50), 'ms', 'lower')
    report(`  at ${rate}/s: p99 commit -> partner`, percentile(r('ours:latency').latencies, 99), percentile(r(`${ref}:latency`).latencies, 99), 'ms', 'lower')
    if (ref === 'graphile') {
      report(`  at ${Math.round(rate / 4)}/s on 20 records, in order: p99`, percentile(r('ours:order').latencies, 99), percentile(r('graphile:order').latencies, 99), 'ms', 'lower')
    }
  }
  console.log(`  (ours: sidecar process at LOG_LEVEL=info with write-back; peak RSS ${fmt(rss, 0)} MiB; partner counted ${partner.raw()} requests)\n`)
}
