import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { Webhook } from 'standardwebhooks'
import { load } from './load.ts'
import { fmt, report } from './stats.ts'

const root = new URL('..', import.meta.url).pathname
const freePort = () => new Promise<number>(resolve => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) }) })

/** Servers run in their own processes, as in production: the load generator must not share their event loop. */
async function serve (args: string[], env: Record<string, string>, port: number, path: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}${path}`).then(r => r.status < 500, () => false)
    if (ok) return child
    await sleep(100)
  }
  child.kill()
  throw new Error(`server on ${port} did not start`)
}

const BARE_SERVER = "require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => s.writeHead(200).end()) }).listen(Number(process.env.PORT), '127.0.0.1')"

/**
 * Benchmark 2: inbound hook ingest. Signed WMS callbacks, each verified, deduplicated and durably
 * enqueued (a pg-boss job committed) before the 202. Reference: a bare node HTTP server answering 200
 * to the same requests from the same load generator on the same machine. Each server runs in its own
 * process, so the load generator does not share its event loop. Both are driven at several levels of
 * concurrent callers: throughput is reported at saturation (the peak), latency at every level.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
/** callers sending at once; throughput is the figure at saturation, latency is shown at each level */
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '32,64,128').split(',').map(Number)
const PRESIGNED = Number(process.env.BENCH_PRESIGNED ?? 100_000)
const SECRET = 'whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldA=='

type LoadResult = Awaited<ReturnType<typeof load>>

/**
 * The machine's durable-commit ceiling, as pgbench would measure it with a one-INSERT script: `clients`
 * connections each committing one row per transaction as fast as they can, for `seconds`. Without
 * group commit, ingest could not pass this (one commit per callback).
 */
async function commitCeiling (databaseUrl: string, clients: number, seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: clients })
  pool.on('error', () => {})
  await pool.query('CREATE TABLE IF NOT EXISTS bench_commit_ceiling (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())')
  const end = Date.now() + seconds * 1000
  let commits = 0
  await Promise.all(Array.from({ length: clients }, async () => {
    while (Date.now() < end) { await pool.query('INSERT INTO bench_commit_ceiling DEFAULT VALUES'); commits++ }
  }))
  await pool.end()
  return commits / seconds
}

export async function benchInbound (databaseUrl: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  await pool.query("INSERT INTO hub_connector (code, name, kind, adapter, secret) VALUES ('bench-wms', 'bench', 'wms', 'wms', $1)", [SECRET])
  // signed up front: signing is the partner's work, and done here it would take CPU from the servers
  const webhook = new Webhook(SECRET)
  const now = new Date()
  const requests = Array.from({ length: PRESIGNED }, () => {
    const id = `msg_${randomUUID()}`
    const body = JSON.stringify({ event_type: 'PACKED', fulfilment_id: 'FUL-1', client_reference: 'stock.picking/1', correlation_id: id, items: [{ line_ref: '1', sku: 'A', quantity: 1 }] })
    return { path: '/hooks/bench-wms', body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': webhook.sign(id, now, body) } }
  })
  let sent = 0
  // each message once for the sidecar (a repeat would be a duplicate, not an ingest); the bare server may see repeats
  const signed = () => requests[sent++ % requests.length]!

  // inbound apply is left idle (Odoo absent): this measures ingest only
  const port = await freePort()
  const sidecar = await serve(['--import', 'tsx', 'sidecar/src/main.ts'], {
    DATABASE_URL: databaseUrl, ODOO_URL: 'http://127.0.0.1:9', ODOO_DB: 'x', ODOO_USER: 'x', ODOO_PASSWORD: 'x', PORT: String(port), HUB_WORKER_POLL_SECONDS: '30', LOG_LEVEL: 'warn'
  }, port, '/healthz')
  const ours: LoadResult[] = []
  for (const c of CONCURRENCY) ours.push(await load(`http://127.0.0.1:${port}`, SECONDS, c, signed))
  const repeated = sent - requests.length
  const { rows: [stored] } = await pool.query("SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'hub-inbound'")
  sidecar.kill('SIGTERM')

  const barePort = await freePort()
  const bare = await serve(['-e', BARE_SERVER], { PORT: String(barePort) }, barePort, '/')
  const reference: LoadResult[] = []
  for (const c of CONCURRENCY) reference.push(await load(`http://127.0.0.1:${barePort}`, SECONDS, c, signed))
  bare.kill()
  await pool.end()

  const peak = (results: LoadResult[]) => results.reduce((best, r) => r.perSecond > best.perSecond ? r : best)
  report('inbound signed hooks accepted (peak)', peak(ours).perSecond, peak(reference).perSecond, 'req/s', 'higher')
  CONCURRENCY.forEach((c, i) => {
    report(`  at ${c} concurrent callers`, ours[i]!.perSecond, reference[i]!.perSecond, 'req/s', 'higher')
    report(`  p99 latency at ${c} concurrent callers`, ours[i]!.p99, reference[i]!.p99, 'ms', 'lower')
  })
  const ceilingClients = 64 // within the server's max_connections (100) beside the benchmark's own pools
  const ceiling = await commitCeiling(databaseUrl, ceilingClients, SECONDS)
  console.log(`  durable-commit ceiling of this PostgreSQL (one INSERT per transaction, ${ceilingClients} clients, as pgbench): ${Math.round(ceiling)} commits/s; ours at peak: ${(peak(ours).perSecond / ceiling).toFixed(2)}x it`)
  const failed = ours.reduce((n, r) => n + r.failed, 0)
  const accepted = ours.reduce((n, r) => n + r.perSecond * SECONDS, 0)
  console.log(`  (${SECONDS} s per level; ${accepted} accepted, ${stored.n} jobs stored, ${failed} non-2xx${repeated > 0 ? `; ${repeated} requests repeated, raise BENCH_PRESIGNED` : ''})`)
}
