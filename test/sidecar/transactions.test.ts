import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import type PgBoss from 'pg-boss'
import type { JobQueue } from '../../sidecar/src/db/job-queue.ts'
import { withTransaction } from '../../sidecar/src/db/pool.ts'
import { OdooRpcError } from '../../sidecar/src/errors.ts'
import { InboundStore } from '../../sidecar/src/inbound/inbound-store.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { createMetrics } from '../../sidecar/src/observability/metrics.ts'
import { type DeliverJob, QUEUES } from '../../sidecar/src/queues.ts'
import { relayBatch } from '../../sidecar/src/relay/relay.ts'
import { BreakerRegistry } from '../../sidecar/src/shipping/breakers.ts'
import { deadLetterJob } from '../../sidecar/src/workers/dead-letter.ts'
import { deliverBatch } from '../../sidecar/src/workers/deliver.ts'
import { applyInOdoo } from '../../sidecar/src/workers/odoo-batch.ts'
import { RateLimiter } from '../../sidecar/src/rate-limiter.ts'
import { selfCheck } from '../../sidecar/src/workers/self-check.ts'
import { WebhookReceiver } from '../../sidecar/simulators/webhook-receiver.ts'
import { crashingBeforeCommit } from '../support/crash.ts'
import { eventStates, insertConnector, insertEvent, jobsIn, newSecret, writebackResults } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startQueues } from '../support/queues.ts'

/**
 * pg-boss 10's type declarations accept calls its implementation reads differently (a connection
 * passed as `data` is stored as output and the call commits on its own). Every job write meant to be
 * part of a transaction is run here in a transaction that dies before COMMIT: nothing may have
 * happened, to the job or to anything else. Then the same call commits and everything has.
 */
describe('job writes happen inside their transaction', () => {
  let db: TestDatabase
  let boss: PgBoss
  let jobs: JobQueue
  const logger = createLogger('silent')
  const metrics = createMetrics()
  const secret = newSecret()
  const receiver = new WebhookReceiver(secret)
  let receiverUrl: string
  const breakers = new BreakerRegistry({ errorThresholdPercentage: 50, volumeThreshold: 100, resetTimeoutMs: 1000, rollingWindowMs: 60_000 }, () => {})

  before(async () => {
    db = await createTestDatabase()
    ;({ boss, jobs } = await startQueues(db.url))
    await new InboundStore(db.pool, { bossSchema: 'pgboss', dedupeDays: 7 }).init()
    receiverUrl = await receiver.start()
  })
  after(async () => { breakers.shutdown(); await receiver.stop(); await boss.stop({ graceful: false }); await db.drop() })
  beforeEach(async () => { await db.pool.query('DELETE FROM hub_event; DELETE FROM hub_sync_state; DELETE FROM pgboss.job') })

  const crashing = () => crashingBeforeCommit(db.pool)
  const stateOf = async (id: string) => (await db.pool.query('SELECT state, retry_count, output FROM pgboss.job WHERE id = $1', [id])).rows[0]
  async function activeJob (queue: string, data: object): Promise<PgBoss.JobWithMetadata<any>> {
    await boss.insert([{ name: queue, data }])
    const [job] = await boss.fetch<any>(queue, { includeMetadata: true })
    return job!
  }

  it('JobQueue: insert, complete, fail and retry roll back with the transaction', async () => {
    const job = await activeJob(QUEUES.writeback, { n: 1 })
    await assert.rejects(withTransaction(crashing(), async client => {
      await jobs.insert(client, [{ name: QUEUES.writeback, data: { n: 2 } }])
      await jobs.complete(client, QUEUES.writeback, [job.id])
    }), /simulated crash/)
    assert.equal((await jobsIn(db.pool, QUEUES.writeback)).length, 1, 'the insert rolled back')
    assert.equal((await stateOf(job.id)).state, 'active', 'the completion rolled back')
    await assert.rejects(withTransaction(crashing(), async client => { await jobs.fail(client, QUEUES.writeback, [job.id], 'boom') }), /simulated crash/)
    assert.deepEqual({ ...(await stateOf(job.id)) }, { state: 'active', retry_count: 0, output: null }, 'the failure rolled back')
    await db.pool.query("UPDATE pgboss.job SET state = 'failed' WHERE id = $1", [job.id])
    await assert.rejects(withTransaction(crashing(), async client => { await jobs.retry(client, QUEUES.writeback, [job.id]) }), /simulated crash/)
    assert.equal((await stateOf(job.id)).state, 'failed', 'the retry rolled back')
    assert.equal(await withTransaction(db.pool, async client => await jobs.retry(client, QUEUES.writeback, [job.id])), 1)
    assert.equal((await stateOf(job.id)).state, 'retry')
  })

  it('pg-boss itself: complete(name, ids, { db }) stores the connection as output and commits outside the transaction', async () => {
    // why JobQueue exists: the three-argument form type-checks and is wrong
    const job = await activeJob(QUEUES.writeback, { n: 1 })
    await assert.rejects(withTransaction(crashing(), async client => {
      await boss.complete(QUEUES.writeback, [job.id], { db: { executeSql: async (text: string, values: unknown[]) => await client.query(text, values as any[]) } })
    }), /simulated crash/)
    const after = await stateOf(job.id)
    assert.equal(after.state, 'completed', 'completed although the transaction rolled back')
    assert.deepEqual(Object.keys(after.output), ['db'])
  })

  it('relay: a crash before commit leaves the event pending and queues no job', async () => {
    const c = await insertConnector(db.pool, { base_url: receiverUrl, secret })
    await insertEvent(db.pool, { connector_id: c.id, res_id: 1 })
    const deps = { jobs, logger, metrics, batchSize: 10, minExpireSeconds: 60 }
    await assert.rejects(relayBatch({ ...deps, pool: crashing() }), /simulated crash/)
    assert.deepEqual(await eventStates(db.pool), { pending: 1 })
    assert.equal((await jobsIn(db.pool, QUEUES.deliver)).length, 0)
    assert.equal(await relayBatch({ ...deps, pool: db.pool }), 1)
    assert.deepEqual(await eventStates(db.pool), { queued: 1 })
  })

  it('delivery: a crash before commit leaves delivered, retried and rejected jobs active and records nothing', async () => {
    const ok = await insertConnector(db.pool, { base_url: receiverUrl, secret })
    const down = await insertConnector(db.pool, { base_url: 'http://127.0.0.1:9/hook', secret, max_attempts: 5 })
    const misconfigured = await insertConnector(db.pool, { base_url: receiverUrl, secret, adapter: 'no-such-adapter' })
    for (const c of [ok, down, misconfigured]) await insertEvent(db.pool, { connector_id: c.id, res_id: 1 })
    await relayBatch({ pool: db.pool, jobs, logger, metrics, batchSize: 10, minExpireSeconds: 60 })
    const batch = await boss.fetch<DeliverJob>(QUEUES.deliver, { batchSize: 10, includeMetadata: true })
    assert.equal(batch.length, 3)
    const deps = { jobs, logger, metrics, rateLimiter: new RateLimiter(), breakers }
    await assert.rejects(deliverBatch({ ...deps, pool: crashing() }, batch), /simulated crash/)
    assert.deepEqual(await eventStates(db.pool), { queued: 3 })
    for (const job of batch) assert.deepEqual({ ...(await stateOf(job.id)) }, { state: 'active', retry_count: 0, output: null })
    assert.equal((await jobsIn(db.pool, QUEUES.writeback)).length, 0, 'no write-back')
    assert.equal((await jobsIn(db.pool, QUEUES.deliverDead)).length, 0, 'no dead letter')

    await deliverBatch({ ...deps, pool: db.pool }, batch)
    assert.deepEqual(await eventStates(db.pool), { queued: 2, delivered: 1 })
    const states = await Promise.all(batch.map(async j => [j.data.connector_id, (await stateOf(j.id)).state]))
    assert.deepEqual(Object.fromEntries(states), { [ok.id]: 'completed', [down.id]: 'retry', [misconfigured.id]: 'completed' })
    assert.deepEqual((await writebackResults(db.pool)).map(r => r.status).sort(), ['failed', 'sent'])
    assert.equal((await jobsIn(db.pool, QUEUES.writeback)).length, 1, "the batch's results for Odoo travel in one job")
    assert.equal((await jobsIn(db.pool, QUEUES.deliverDead)).length, 1)
  })

  it('dead letter: a crash before commit leaves the event queued and the dead-letter job active', async () => {
    const c = await insertConnector(db.pool, { base_url: receiverUrl, secret })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 1 })
    await db.pool.query("UPDATE hub_event SET state = 'queued' WHERE id = $1", [e.id])
    const job = await activeJob(QUEUES.deliverDead, { event_id: e.id, event_uuid: e.uuid, connector_id: c.id, correlation_id: 'corr', error: 'HTTP 422' })
    await assert.rejects(deadLetterJob({ pool: crashing(), jobs, logger, metrics }, job), /simulated crash/)
    assert.deepEqual(await eventStates(db.pool), { queued: 1 })
    assert.equal((await stateOf(job.id)).state, 'active')
    assert.equal((await jobsIn(db.pool, QUEUES.writeback)).length, 0)
    await deadLetterJob({ pool: db.pool, jobs, logger, metrics }, job)
    assert.deepEqual(await eventStates(db.pool), { dead: 1 })
    assert.equal((await stateOf(job.id)).state, 'completed')
    assert.deepEqual((await writebackResults(db.pool)).map(r => r.status), ['dead'])
  })

  it('Odoo batch: a crash before commit parks nothing and settles no job', async () => {
    const good = await activeJob(QUEUES.writeback, { event_uuid: 'good', attempt: 1, status: 'sent' })
    const bad = await activeJob(QUEUES.writeback, { event_uuid: 'bad', attempt: 1, status: 'sent' })
    const refuseBad = async (items: Array<{ event_uuid: string }>) => {
      if (items.some(i => i.event_uuid === 'bad')) throw new OdooRpcError('malformed result', 'odoo.exceptions.ValidationError')
    }
    const park = (item: { event_uuid: string }, reason: string) => ({ kind: 'writeback' as const, connector_code: null, key: item.event_uuid, item, error: reason, correlation_id: null })
    const apply = { queue: QUEUES.writeback, itemsOf: (d: { event_uuid: string }) => [d], call: refuseBad, toParked: park, maxItems: 50 }
    await assert.rejects(applyInOdoo({ pool: crashing(), jobs, logger, metrics }, apply, [good, bad]), /simulated crash/)
    assert.equal((await stateOf(good.id)).state, 'active')
    assert.equal((await stateOf(bad.id)).state, 'active')
    assert.equal((await jobsIn(db.pool, QUEUES.odooRejected)).length, 0)
    await applyInOdoo({ pool: db.pool, jobs, logger, metrics }, apply, [good, bad])
    assert.equal((await stateOf(good.id)).state, 'completed')
    assert.equal((await stateOf(bad.id)).state, 'completed')
    assert.deepEqual((await jobsIn(db.pool, QUEUES.odooRejected)).map(j => [j.data.key, j.data.error]), [['bad', 'odoo.exceptions.ValidationError: malformed result']])
  })

  it('self-check: a crash before commit requeues nothing', async () => {
    const c = await insertConnector(db.pool, { base_url: receiverUrl, secret })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 1 })
    await db.pool.query("UPDATE hub_event SET state = 'queued', relayed_at = now() AT TIME ZONE 'UTC' - interval '1 hour' WHERE id = $1", [e.id])
    const deps = { jobs, logger, bossSchema: 'pgboss' }
    await assert.rejects(selfCheck({ ...deps, pool: crashing() }, { graceSeconds: 60, repair: true }), /simulated crash/)
    assert.deepEqual(await eventStates(db.pool), { queued: 1 })
    await selfCheck({ ...deps, pool: db.pool }, { graceSeconds: 60, repair: true })
    assert.deepEqual(await eventStates(db.pool), { pending: 1 })
  })

  it('a connection lost mid-transaction (PostgreSQL restarting) rejects the transaction and nothing escapes', async () => {
    const escaped: unknown[] = []
    const onUncaught = (err: unknown) => { escaped.push(err) }
    process.on('uncaughtException', onUncaught)
    try {
      await assert.rejects(withTransaction(db.pool, async client => {
        const { rows: [{ pid }] } = await client.query('SELECT pg_backend_pid() AS pid')
        await db.pool.query('SELECT pg_terminate_backend($1)', [pid])
        await new Promise(resolve => setTimeout(resolve, 200)) // the 'error' event arrives while no query runs
        await client.query('SELECT 1')
      }))
      await new Promise(resolve => setTimeout(resolve, 100))
      assert.deepEqual(escaped, [], 'no error reached the process')
      assert.equal((await withTransaction(db.pool, async client => (await client.query('SELECT 1 AS one')).rows[0].one)), 1, 'the pool still serves')
    } finally {
      process.off('uncaughtException', onUncaught)
    }
  })
})
