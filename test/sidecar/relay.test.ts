import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import PgBoss from 'pg-boss'
import { JobQueue } from '../../sidecar/src/db/job-queue.ts'
import { createPool } from '../../sidecar/src/db/pool.ts'
import { loadConfig } from '../../sidecar/src/config.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { createMetrics } from '../../sidecar/src/observability/metrics.ts'
import { QUEUES, createQueues } from '../../sidecar/src/queues.ts'
import { relayBatch } from '../../sidecar/src/relay/relay.ts'
import { eventStates, insertConnector, insertEvent, jobsIn } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'

describe('outbox relay', () => {
  let db: TestDatabase
  let boss: PgBoss

  before(async () => {
    db = await createTestDatabase()
    boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false })
    await boss.start()
    await createQueues(boss, loadConfig({ DATABASE_URL: db.url, ODOO_URL: 'http://x.test', ODOO_DB: 'x', ODOO_USER: 'x', ODOO_PASSWORD: 'x' }))
  })
  after(async () => { await boss.stop({ graceful: false }); await db.drop() })

  /** one relay process: its own pool, looping until the outbox is empty */
  async function relayUntilEmpty (): Promise<number> {
    const pool = createPool(db.url, 2)
    const deps = { pool, jobs: new JobQueue(boss), logger: createLogger('silent'), metrics: createMetrics(), batchSize: 25, minExpireSeconds: 60 }
    let total = 0
    for (let moved = -1; moved !== 0;) { moved = await relayBatch(deps); total += moved }
    await pool.end()
    return total
  }

  it('moves every committed event into the queue exactly once under two concurrent relays', async () => {
    const connector = await insertConnector(db.pool, { max_attempts: 4, retry_delay: 3, retry_backoff: true })
    for (let i = 1; i <= 300; i++) await insertEvent(db.pool, { connector_id: connector.id, res_id: i })
    const [a, b] = await Promise.all([relayUntilEmpty(), relayUntilEmpty()])
    assert.equal(a + b, 300)
    assert.ok(a > 0 && b > 0, `both relays should have taken a share (got ${a} and ${b})`)
    const jobs = await jobsIn(db.pool, QUEUES.deliver)
    assert.equal(jobs.length, 300)
    assert.equal(new Set(jobs.map(j => j.data.event_id)).size, 300)
    assert.deepEqual(await eventStates(db.pool), { queued: 300 })
    const { rows: [job] } = await db.pool.query('SELECT retry_limit, retry_delay, retry_backoff FROM pgboss.job WHERE name = $1 LIMIT 1', [QUEUES.deliver])
    assert.deepEqual(job, { retry_limit: 3, retry_delay: 3, retry_backoff: true }, 'retry policy comes from the connector')
    await db.pool.query('DELETE FROM hub_event; DELETE FROM pgboss.job')
  })

  it('queues only the oldest unfinished event of each record (per-record lanes)', async () => {
    const connector = await insertConnector(db.pool, {})
    const first = await insertEvent(db.pool, { connector_id: connector.id, res_id: 7 })
    const second = await insertEvent(db.pool, { connector_id: connector.id, res_id: 7 })
    const other = await insertEvent(db.pool, { connector_id: connector.id, res_id: 8 })
    assert.equal(await relayUntilEmpty(), 2)
    const queued = (await jobsIn(db.pool, QUEUES.deliver)).map(j => j.data.event_id).sort()
    assert.deepEqual(queued, [first.id, other.id].sort())
    await db.pool.query("UPDATE hub_event SET state = 'delivered' WHERE id = $1", [first.id])
    assert.equal(await relayUntilEmpty(), 1)
    assert.ok((await jobsIn(db.pool, QUEUES.deliver)).some(j => j.data.event_id === second.id))
    await db.pool.query('DELETE FROM hub_event; DELETE FROM pgboss.job')
  })

  it('rolls back and keeps events pending when the queue insert fails', async () => {
    const connector = await insertConnector(db.pool, {})
    await insertEvent(db.pool, { connector_id: connector.id, res_id: 1 })
    await boss.deleteQueue(QUEUES.deliver)
    await assert.rejects(relayUntilEmpty(), /accepted 0 of 1/)
    assert.deepEqual(await eventStates(db.pool), { pending: 1 })
    await createQueues(boss, loadConfig({ DATABASE_URL: db.url, ODOO_URL: 'http://x.test', ODOO_DB: 'x', ODOO_USER: 'x', ODOO_PASSWORD: 'x' }))
    assert.equal(await relayUntilEmpty(), 1)
    assert.deepEqual(await eventStates(db.pool), { queued: 1 })
  })
})
