import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import PgBoss from 'pg-boss'
import { createSidecar } from '../sidecar/src/sidecar.ts'
import { loadConfig } from '../sidecar/src/config.ts'
import { createLogger } from '../sidecar/src/observability/logger.ts'
import { fmt, percentile, report } from './stats.ts'

/**
 * Benchmark 1: outbox -> partner. Events are committed into hub_event (as Odoo's transaction would) and
 * delivered by the real sidecar to a local partner endpoint that answers 200; latency is commit -> partner
 * receipt. Reference, same database and machine: raw pg-boss send -> work, doing nothing else.
 */
const BURST = Number(process.env.BENCH_BURST ?? 5000)
const RATE = Number(process.env.BENCH_RATE ?? 200)
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10)

async function partner () {
  const received = new Map<string, number>()
  const server = createServer((req, res) => {
    const id = String(req.headers['webhook-id'])
    req.resume()
    req.on('end', () => { if (!received.has(id)) received.set(id, performance.timeOrigin + performance.now()); res.writeHead(200).end('{}') })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, close: () => new Promise(r => server.close(r)) }
}

async function commitEvents (pool: pg.Pool, connectorId: number, n: number, committedAt: Map<string, number>, lanes = n): Promise<void> {
  const ids = Array.from({ length: n }, () => randomUUID())
  await pool.query(`INSERT INTO hub_event (uuid, event_type, connector_id, res_model, res_id, correlation_id, payload)
    SELECT u, 'order.confirmed', $2, 'sale.order', (ord % $3) + 1, u, '{"order":{"id":1}}' FROM unnest($1::varchar[]) WITH ORDINALITY AS t(u, ord)`, [ids, connectorId, lanes])
  const now = performance.timeOrigin + performance.now()
  for (const id of ids) committedAt.set(id, now)
  await pool.query("SELECT pg_notify('hub_event', '')")
}

export async function benchOutbox (databaseUrl: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 })
  const p = await partner()
  const { rows: [c] } = await pool.query("INSERT INTO hub_connector (code, name, adapter, base_url, secret, timeout) VALUES ('bench', 'bench', 'webhook', $1, 'whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldA==', 10) RETURNING id", [p.url])
  const sidecar = createSidecar(loadConfig({
    DATABASE_URL: databaseUrl, ODOO_URL: 'http://127.0.0.1:9', ODOO_DB: 'x', ODOO_USER: 'x', ODOO_PASSWORD: 'x', PORT: '0',
    HUB_RELAY_BATCH: '500', HUB_WORKER_POLL_SECONDS: '0.5', HUB_RELAY_POLL_MS: '200'
  }), createLogger('silent'))
  await sidecar.start()
  const committed = new Map<string, number>()

  // sustained throughput: a burst of BURST events on distinct records, drained as fast as possible
  const t0 = performance.now()
  await commitEvents(pool, c.id, BURST, committed)
  while (p.received.size < BURST) await sleep(20)
  const throughput = BURST / ((performance.now() - t0) / 1000)

  // latency at a fixed offered rate
  p.received.clear(); committed.clear()
  const ticks = RATE_SECONDS * 20
  for (let i = 0; i < ticks; i++) {
    const tickStart = performance.now()
    await commitEvents(pool, c.id, RATE / 20, committed)
    await sleep(Math.max(0, 50 - (performance.now() - tickStart)))
  }
  while (p.received.size < committed.size) await sleep(20)
  const latencies = [...committed].map(([id, at]) => p.received.get(id)! - at)
  await sidecar.stop()

  // reference: pg-boss alone, send -> work, same database
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'bench_ref' })
  await boss.start()
  await boss.createQueue('ref')
  const sentAt = new Map<string, number>()
  const doneAt = new Map<string, number>()
  // same fetch size and loops as the sidecar's defaults (2 loops x 50 jobs), no other work per job
  for (let i = 0; i < 2; i++) await boss.work<{ k: string }>('ref', { pollingIntervalSeconds: 0.5, batchSize: 50 }, async jobs => { for (const job of jobs) doneAt.set(job.data.k, performance.now()) })
  const r0 = performance.now()
  await boss.insert(Array.from({ length: BURST }, (_, i) => ({ name: 'ref', data: { k: `b${i}` } })))
  while (doneAt.size < BURST) await sleep(20)
  const refThroughput = BURST / ((performance.now() - r0) / 1000)
  doneAt.clear()
  for (let i = 0; i < ticks; i++) {
    const tickStart = performance.now()
    for (let j = 0; j < RATE / 20; j++) { const k = `r${i}-${j}`; sentAt.set(k, performance.now()); void boss.send('ref', { k }) }
    await sleep(Math.max(0, 50 - (performance.now() - tickStart)))
  }
  while (doneAt.size < sentAt.size) await sleep(20)
  const refLatencies = [...sentAt].map(([k, at]) => doneAt.get(k)! - at)
  await boss.stop({ graceful: false })
  await p.close()
  await pool.end()

  report('outbox -> partner sustained throughput', throughput, refThroughput, 'events/s', 'higher')
  report(`commit -> partner p50 latency at ${RATE}/s`, percentile(latencies, 50), percentile(refLatencies, 50), 'ms', 'lower')
  report(`commit -> partner p99 latency at ${RATE}/s`, percentile(latencies, 99), percentile(refLatencies, 99), 'ms', 'lower')
  console.log(`  (${BURST} events burst, ${committed.size} events at ${RATE}/s; p99 ours ${fmt(percentile(latencies, 99))} ms)`)
}
