import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import { Webhook } from 'standardwebhooks'
import { loadConfig } from '../sidecar/src/config.ts'
import { createLogger } from '../sidecar/src/observability/logger.ts'
import { createSidecar } from '../sidecar/src/sidecar.ts'
import { load } from './load.ts'
import { fmt, report } from './stats.ts'

/**
 * Benchmark 2: inbound hook ingest. Signed WMS callbacks, each verified, deduplicated and durably
 * enqueued (a pg-boss job committed) before the 202. Reference: a bare node HTTP server answering 200
 * to the same requests from the same load generator on the same machine.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32)
const SECRET = 'whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldA=='

export async function benchInbound (databaseUrl: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  await pool.query("INSERT INTO hub_connector (code, name, kind, adapter, secret) VALUES ('bench-wms', 'bench', 'wms', 'wms', $1)", [SECRET])
  // inbound apply is left idle (Odoo absent): this measures ingest only
  const sidecar = createSidecar(loadConfig({
    DATABASE_URL: databaseUrl, ODOO_URL: 'http://127.0.0.1:9', ODOO_DB: 'x', ODOO_USER: 'x', ODOO_PASSWORD: 'x', PORT: '0', HUB_WORKER_POLL_SECONDS: '30'
  }), createLogger('silent'))
  await sidecar.start()
  const webhook = new Webhook(SECRET)
  const signed = () => {
    const id = `msg_${randomUUID()}`
    const body = JSON.stringify({ event_type: 'PACKED', fulfilment_id: 'FUL-1', client_reference: 'stock.picking/1', correlation_id: id, items: [{ line_ref: '1', sku: 'A', quantity: 1 }] })
    const now = new Date()
    return { path: '/hooks/bench-wms', body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': webhook.sign(id, now, body) } }
  }
  const ours = await load(`http://127.0.0.1:${sidecar.port()}`, SECONDS, CONCURRENCY, signed)
  const { rows: [stored] } = await pool.query("SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'hub-inbound'")
  await sidecar.stop()

  const bare = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200).end()) })
  await new Promise<void>(resolve => bare.listen(0, '127.0.0.1', resolve))
  const reference = await load(`http://127.0.0.1:${(bare.address() as AddressInfo).port}`, SECONDS, CONCURRENCY, signed)
  await new Promise(resolve => bare.close(resolve))
  await pool.end()

  report('inbound signed hooks accepted', ours.perSecond, reference.perSecond, 'req/s', 'higher')
  report('inbound hook p99 latency', ours.p99, reference.p99, 'ms', 'lower')
  console.log(`  (${CONCURRENCY} concurrent callers for ${SECONDS} s; ${stored.n} jobs stored, ${ours.failed} non-2xx; p50 ${fmt(ours.p50)} ms)`)
}
