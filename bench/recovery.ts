import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer as createNetServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { fmt } from './stats.ts'

/**
 * Benchmark 5: crash recovery. A sidecar process delivering a backlog is SIGKILLed mid-flight and a new
 * one started; what counts is the time from the kill until the partner (counting distinct webhook-ids
 * itself) holds every event. Reference, same run and settings: the same number of events drained by a
 * process that is not killed. The difference is the window a killed replica's in-flight jobs wait for
 * their expiry (HUB_DELIVERY_EXPIRE_SECONDS, checked every HUB_BOSS_MAINTENANCE_SECONDS).
 */
const EVENTS = Number(process.env.BENCH_RECOVERY_EVENTS ?? 3000)
const root = new URL('..', import.meta.url).pathname
const freePort = () => new Promise<number>(resolve => { const s = createNetServer().listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)) }) })

async function partner () {
  const received = new Set<string>()
  let raw = 0
  // a slow partner (20 ms per call) keeps deliveries in flight when the kill lands
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => { setTimeout(() => { raw++; received.add(String(req.headers['webhook-id'])); res.writeHead(200).end('{}') }, 20) })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, raw: () => raw, close: () => new Promise(r => server.close(r)) }
}

async function replica (databaseUrl: string): Promise<ChildProcess> {
  return spawn(process.execPath, ['--import', 'tsx', 'sidecar/src/main.ts'], {
    cwd: root, stdio: 'ignore',
    env: { ...process.env, DATABASE_URL: databaseUrl, ODOO_URL: 'http://127.0.0.1:9', ODOO_DB: 'x', ODOO_USER: 'x', ODOO_PASSWORD: 'x', PORT: String(await freePort()), LOG_LEVEL: 'silent' }
  })
}

async function commit (pool: pg.Pool, connectorId: number, n: number): Promise<void> {
  const ids = Array.from({ length: n }, () => randomUUID())
  await pool.query(`INSERT INTO hub_event (uuid, event_type, connector_id, res_model, res_id, correlation_id, payload)
    SELECT u, 'order.confirmed', $2, 'sale.order', ord, u, '{"order":{"id":1}}' FROM unnest($1::varchar[]) WITH ORDINALITY AS t(u, ord)`, [ids, connectorId])
  await pool.query("SELECT pg_notify('hub_event', '')")
}

async function until (check: () => boolean, timeoutMs = 600_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) { if (Date.now() > end) throw new Error('recovery benchmark timed out'); await sleep(50) }
}

export async function benchRecovery (databaseUrl: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  const p = await partner()
  const { rows: [c] } = await pool.query("INSERT INTO hub_connector (code, name, adapter, base_url, secret, timeout) VALUES ('bench-recovery', 'bench', 'webhook', $1, 'whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldA==', 10) RETURNING id", [p.url])

  // reference: a live process drains EVENTS/2 events
  let sidecar = await replica(databaseUrl)
  await commit(pool, c.id, 10)
  await until(() => p.received.size === 10) // started and warm
  p.received.clear()
  let t0 = performance.now()
  await commit(pool, c.id, EVENTS / 2)
  await until(() => p.received.size === EVENTS / 2)
  const reference = (performance.now() - t0) / 1000
  p.received.clear()

  // the same, killed once half of a backlog of EVENTS has arrived
  await commit(pool, c.id, EVENTS)
  await until(() => p.received.size >= EVENTS / 2)
  sidecar.kill('SIGKILL')
  t0 = performance.now()
  const { rows: [inFlight] } = await pool.query("SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'hub-deliver' AND state = 'active'")
  sidecar = await replica(databaseUrl)
  await until(() => p.received.size === EVENTS)
  const arrived = (performance.now() - t0) / 1000
  for (let open = 1; open > 0; await sleep(100)) open = (await pool.query("SELECT count(*)::int AS n FROM hub_event WHERE state IN ('pending', 'queued')")).rows[0].n
  const drain = (performance.now() - t0) / 1000
  sidecar.kill('SIGTERM')
  const duplicates = p.raw() - p.received.size - 10 - EVENTS / 2
  await p.close()
  await pool.end()

  console.log('recovery: SIGKILL mid-delivery, a new process started at once')
  console.log(`  remaining ${EVENTS / 2} events at the partner ${fmt(arrived)} s after the kill, outbox drained (every event closed) after ${fmt(drain)} s`)
  console.log(`  reference: the same count drained by a process that is not killed: ${fmt(reference)} s`)
  console.log(`  ${inFlight.n} delivery jobs were active when the process was killed`)
  console.log(`  every event arrived (${EVENTS} distinct at the partner); ${duplicates} raw duplicate deliveries (redelivered jobs of the killed process, same webhook-id)\n`)
}
