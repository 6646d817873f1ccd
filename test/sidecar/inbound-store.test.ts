import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import PgBoss from 'pg-boss'
import { InboundStore } from '../../sidecar/src/inbound/inbound-store.ts'
import { QUEUES } from '../../sidecar/src/queues.ts'
import { jobsIn } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'

const message = (id: string) => ({ id, type: 'fulfilment.packed', correlation_id: null, data: { picking_id: 1 } })

describe('InboundStore (group commit)', () => {
  let db: TestDatabase
  let boss: PgBoss

  before(async () => {
    db = await createTestDatabase()
    boss = new PgBoss({ connectionString: db.url, max: 2 })
    boss.on('error', () => {})
    await boss.start()
    await boss.createQueue(QUEUES.inbound, { name: QUEUES.inbound, retryLimit: 7, retryDelay: 3, expireInSeconds: 120 })
  })
  after(async () => { await boss.stop({ graceful: false, wait: true }); await db.drop() })

  /** rows committed by the same transaction share its xmin */
  const transactionsFor = async (prefix: string) => {
    const jobs = (await jobsIn(db.pool, QUEUES.inbound)).filter(j => j.data.message.id.startsWith(prefix))
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(DISTINCT xmin::text)::int AS n FROM hub_sidecar.inbound_message WHERE id = ANY($1::uuid[])', [jobs.map(j => j.id)])
    return { jobs: jobs.length, transactions: rows[0]!.n }
  }

  it('commits messages that arrive together in shared transactions of at most maxBatch', async () => {
    const store = new InboundStore(db.pool, { bossSchema: 'pgboss', dedupeDays: 7, maxBatch: 40 })
    await store.init()
    await store.init() // a second replica starting finds the table
    const results = await Promise.all(Array.from({ length: 100 }, async (_, i) => await store.store('wms', message(`grp-${i}`))))
    assert.ok(results.every(Boolean))
    assert.deepEqual(await transactionsFor('grp-'), { jobs: 100, transactions: 3 })
  })

  it('queues jobs pg-boss fetches with the retry and expiry of their queue', async () => {
    const store = new InboundStore(db.pool, { bossSchema: 'pgboss', dedupeDays: 7 })
    await boss.purgeQueue(QUEUES.inbound)
    assert.equal(await store.store('wms', message('fetch-1')), true)
    const [job] = await boss.fetch<{ connector_code: string, message: { id: string } }>(QUEUES.inbound, { includeMetadata: true })
    assert.equal(job?.data.message.id, 'fetch-1')
    assert.equal(job.data.connector_code, 'wms')
    assert.deepEqual([job.retryLimit, job.retryDelay, job.retryBackoff, Number(job.expireInSeconds)], [7, 3, false, 120])
    await boss.complete(QUEUES.inbound, job.id)
  })

  it('resolves false for a replay, whether in the same group or a later one', async () => {
    const store = new InboundStore(db.pool, { bossSchema: 'pgboss', dedupeDays: 7 })
    const same = await Promise.all([store.store('wms', message('rep-1')), store.store('wms', message('rep-1')), store.store('wms', message('rep-2'))])
    assert.deepEqual(same, [true, false, true])
    assert.equal(await store.store('wms', message('rep-1')), false)
    assert.equal(await store.store('other-wms', message('rep-1')), true, 'ids are per connector')
    assert.equal((await jobsIn(db.pool, QUEUES.inbound)).filter(j => j.data.message.id.startsWith('rep-')).length, 3)
  })

  it('rejects every caller of a failed commit and stores none of its messages', async () => {
    const store = new InboundStore(db.pool, { bossSchema: 'pgboss', dedupeDays: 7 })
    await db.pool.query('ALTER TABLE hub_sidecar.inbound_message RENAME TO inbound_message_away')
    const failed = await Promise.allSettled([store.store('wms', message('fail-1')), store.store('wms', message('fail-2'))])
    assert.deepEqual(failed.map(r => r.status), ['rejected', 'rejected'])
    await db.pool.query('ALTER TABLE hub_sidecar.inbound_message_away RENAME TO inbound_message')
    assert.equal((await jobsIn(db.pool, QUEUES.inbound)).filter(j => j.data.message.id.startsWith('fail-')).length, 0)
    // the partner retries after the error: now it is stored, once
    assert.deepEqual(await Promise.all([store.store('wms', message('fail-1')), store.store('wms', message('fail-2'))]), [true, true])
  })

  it('forgets ids after dedupeDays, so the table does not grow forever', async () => {
    const store = new InboundStore(db.pool, { bossSchema: 'pgboss', dedupeDays: 7 })
    await store.store('wms', message('old-1'))
    await db.pool.query("UPDATE hub_sidecar.inbound_message SET received_at = now() - interval '8 days'")
    await store.store('wms', message('new-1'))
    await store.purge()
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM hub_sidecar.inbound_message')
    assert.equal(rows[0]!.n, 1)
  })
})
