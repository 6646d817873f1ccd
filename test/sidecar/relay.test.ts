import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import PgBoss from 'pg-boss'
import { JobQueue } from '../../sidecar/src/db/job-queue.ts'
import { createPool, withTransaction } from '../../sidecar/src/db/pool.ts'
import { loadConfig } from '../../sidecar/src/config.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { createMetrics } from '../../sidecar/src/observability/metrics.ts'
import { QUEUES, createQueues } from '../../sidecar/src/queues.ts'
import { claimLaneHeads, markFinished, relayTransactionSettings } from '../../sidecar/src/db/outbox-plans.ts'
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

  /** one relay process: its own pool (connected beforehand when given), looping until the outbox is empty */
  async function relayUntilEmpty (pool = createPool(db.url, 2)): Promise<number> {
    const deps = { pool, jobs: new JobQueue(boss), logger: createLogger('silent'), metrics: createMetrics(), batchSize: 25, minExpireSeconds: 60 }
    let total = 0
    for (let moved = -1; moved !== 0;) { moved = await relayBatch(deps); total += moved }
    await pool.end()
    return total
  }

  it('moves every committed event into the queue exactly once under two concurrent relays', async () => {
    const connector = await insertConnector(db.pool, { max_attempts: 4, retry_delay: 3, retry_backoff: true })
    for (let i = 1; i <= 300; i++) await insertEvent(db.pool, { connector_id: connector.id, res_id: i })
    // both relays connect first and then claim together: one still connecting while the other drains
    // everything would leave nothing to race for (seen on a loaded CI machine)
    const [first, second] = [createPool(db.url, 2), createPool(db.url, 2)]
    await Promise.all([first.query('SELECT 1'), second.query('SELECT 1')])
    const [a, b] = await Promise.all([relayUntilEmpty(first), relayUntilEmpty(second)])
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

  it('claims lane heads from indexes, with tens of thousands pending and statistics from before the burst', async () => {
    await db.pool.query('DELETE FROM hub_event; DELETE FROM pgboss.job')
    const connector = await insertConnector(db.pool, {})
    await db.pool.query('ALTER TABLE hub_event SET (autovacuum_enabled = false)')
    await db.pool.query(`INSERT INTO hub_event (uuid, event_type, connector_id, res_model, res_id, state)
      SELECT gen_random_uuid()::text, 'order.confirmed', $1, 'sale.order', g % 2000, 'delivered' FROM generate_series(1, 10000) g`, [connector.id])
    await db.pool.query('ANALYZE hub_event') // statistics know nothing of what follows
    await db.pool.query(`INSERT INTO hub_event (uuid, event_type, connector_id, res_model, res_id, state)
      SELECT gen_random_uuid()::text, 'order.confirmed', $1, 'sale.order', g % 25000, 'pending' FROM generate_series(1, 30000) g`, [connector.id])
    const claimPlan = async () => await withTransaction(db.pool, async client => {
      await client.query(relayTransactionSettings)
      const plan = (await client.query(`EXPLAIN (FORMAT JSON) ${claimLaneHeads(100).text}`, [100])).rows[0]['QUERY PLAN']
      const nodes: string[] = []
      const walk = (n: any) => { nodes.push(`${n['Node Type']}${n['Index Name'] ? `:${n['Index Name']}` : ''}`); for (const c of n.Plans ?? []) walk(c) }
      walk(plan[0].Plan)
      return nodes
    })
    // stale statistics (taken before the burst), then fresh ones (taken during it): the same walk
    for (const when of ['stale', 'fresh']) {
      if (when === 'fresh') await db.pool.query('ANALYZE hub_event')
      const nodes = await claimPlan()
      assert.ok(!nodes.some(n => n === 'Sort' || n.startsWith('Seq Scan') || n.startsWith('Bitmap') || n.startsWith('Hash')), `${when} statistics: a claim must not sort or scan the outbox: ${nodes.join(' > ')}`)
      assert.ok(nodes.includes('Index Scan:hub_event_pending_index'), nodes.join(' > '))
    }

    const { rows: claimed } = await db.pool.query<{ id: number }>(claimLaneHeads(100))
    // oracle, independent of the claim's formulation: the 100 oldest heads by DISTINCT ON over the lanes
    const { rows: heads } = await db.pool.query<{ id: number }>(`SELECT id FROM (SELECT DISTINCT ON (connector_id, res_model, res_id) id, state FROM hub_event
      WHERE state IN ('pending', 'queued') ORDER BY connector_id, res_model, res_id, id) h WHERE state = 'pending' ORDER BY id LIMIT 100`)
    assert.deepEqual(claimed.map(r => r.id), heads.map(r => r.id))
    await db.pool.query('ALTER TABLE hub_event RESET (autovacuum_enabled); DELETE FROM hub_event')
  })

  it('two relays on a burst queue every event exactly once, each record in commit order', async () => {
    await db.pool.query('DELETE FROM hub_event; DELETE FROM pgboss.job')
    const connector = await insertConnector(db.pool, {})
    await db.pool.query(`INSERT INTO hub_event (uuid, event_type, connector_id, res_model, res_id, state)
      SELECT gen_random_uuid()::text, 'order.confirmed', $1, 'sale.order', g % 500, 'pending' FROM generate_series(1, 3000) g`, [connector.id])
    // a consumer closing whatever is queued, recording the order in which each record's events were closed
    const closedOrder = new Map<number, number[]>()
    let relaying = true
    const consumer = (async () => {
      for (;;) {
        const { rows } = await db.pool.query<{ id: number, res_id: number }>("SELECT id, res_id FROM hub_event WHERE state = 'queued' ORDER BY random() LIMIT 200")
        if (!rows.length && !relaying) return
        await db.pool.query(markFinished(rows.map(r => r.id), 'delivered'))
        for (const r of rows) closedOrder.set(r.res_id, [...(closedOrder.get(r.res_id) ?? []), r.id])
      }
    })()
    const relayAll = async () => {
      const pool = createPool(db.url, 2)
      const deps = { pool, jobs: new JobQueue(boss), logger: createLogger('silent'), metrics: createMetrics(), batchSize: 100, minExpireSeconds: 60 }
      let total = 0
      for (let idle = 0; idle < 20;) { const moved = await relayBatch(deps); total += moved; idle = moved ? 0 : idle + 1; if (!moved) await new Promise(resolve => setTimeout(resolve, 10)) }
      await pool.end()
      return total
    }
    const [a, b] = await Promise.all([relayAll(), relayAll()])
    relaying = false
    await consumer
    assert.equal(a + b, 3000)
    const jobs = await jobsIn(db.pool, QUEUES.deliver)
    assert.equal(new Set(jobs.map(j => j.data.event_id)).size, 3000, 'one job per event')
    assert.equal(jobs.length, 3000)
    for (const [record, ids] of closedOrder) assert.deepEqual(ids, [...ids].sort((x, y) => x - y), `record ${record} out of order`)
    assert.deepEqual(await eventStates(db.pool), { delivered: 3000 })
  })
})
