import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import type PgBoss from 'pg-boss'
import type { JobQueue } from '../../sidecar/src/db/job-queue.ts'
import { OdooRpcError, OdooUnavailableError } from '../../sidecar/src/errors.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { createMetrics } from '../../sidecar/src/observability/metrics.ts'
import { isOdooUnavailable } from '../../sidecar/src/odoo/odoo-error-kind.ts'
import { QUEUES } from '../../sidecar/src/queues.ts'
import { applyInOdoo } from '../../sidecar/src/workers/odoo-batch.ts'
import { jobsIn } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startQueues } from '../support/queues.ts'

describe('Odoo errors: unavailable or refused', () => {
  // names as Odoo 18 serialises them over JSON-RPC (odoo/http.py serialize_exception)
  const cases: Array<[string, string, boolean]> = [
    ['psycopg2.errors.SerializationFailure', 'could not serialize access due to concurrent update', true],
    ['psycopg2.errors.DeadlockDetected', 'deadlock detected', true],
    ['psycopg2.errors.LockNotAvailable', 'could not obtain lock on row in relation "stock_quant"', true],
    ['psycopg2.OperationalError', 'connection to server at "127.0.0.1", port 5433 failed: Connection refused', true],
    ['psycopg2.errors.AdminShutdown', 'terminating connection due to administrator command', true],
    ['psycopg2.InterfaceError', 'connection already closed', true],
    ['psycopg2.pool.PoolError', 'The Connection Pool Is Full', true],
    ['psycopg2.errors.QueryCanceled', 'canceling statement due to statement timeout', true],
    ['odoo.exceptions.ValidationError', 'Result 3 is malformed: status must be one of sent, failed, dead, acknowledged.', false],
    ['odoo.exceptions.UserError', 'Unknown or inactive connector: wms-x', false],
    ['odoo.exceptions.AccessError', 'Only Logistics Hub managers may apply partner messages.', false],
    ['builtins.KeyError', "'picking_id'", false],
    // a sidecar pointed at a database Odoo does not have: a person must fix it, waiting will not
    ['psycopg2.OperationalError', 'connection to server at "127.0.0.1", port 5433 failed: FATAL:  database "hub_gone" does not exist', false]
  ]
  for (const [name, message, unavailable] of cases) {
    it(`${name} is ${unavailable ? 'unavailable (retry)' : 'a refusal'}`, () => { assert.equal(isOdooUnavailable(name, message), unavailable) })
  }
})

/** How a batch of Odoo-bound jobs is settled for each kind of answer, on real pg-boss jobs. */
describe('applying a batch in Odoo', () => {
  let db: TestDatabase
  let boss: PgBoss
  let jobs: JobQueue
  const logger = createLogger('silent')
  type Item = { n: number }
  const park = (item: Item, reason: string) => ({ kind: 'writeback' as const, connector_code: null, key: String(item.n), item, error: reason, correlation_id: null })

  before(async () => {
    db = await createTestDatabase()
    ;({ boss, jobs } = await startQueues(db.url))
  })
  after(async () => { await boss.stop({ graceful: false }); await db.drop() })
  beforeEach(async () => { await db.pool.query('DELETE FROM pgboss.job') })

  async function batchOf (count: number): Promise<Array<PgBoss.JobWithMetadata<Item>>> {
    for (let n = 1; n <= count; n++) await jobs.insert(db.pool, [{ name: QUEUES.writeback, data: { n } }]) // created_on gives arrival order
    return await boss.fetch<Item>(QUEUES.writeback, { batchSize: count, includeMetadata: true })
  }
  const run = async (batch: Array<PgBoss.JobWithMetadata<Item>>, call: (items: Item[]) => Promise<void>) =>
    await applyInOdoo<Item, Item>({ pool: db.pool, jobs, logger, metrics: createMetrics() }, { queue: QUEUES.writeback, itemsOf: d => [d], call, toParked: park, maxItems: 50 }, batch)
  /** jobs carrying several items each (as write-back jobs do), applied `maxItems` per call */
  async function runCarried (carried: number[][], maxItems: number, call: (items: Item[]) => Promise<void>): Promise<Record<string, string>> {
    for (const ns of carried) await jobs.insert(db.pool, [{ name: QUEUES.writeback, data: { items: ns.map(n => ({ n })) } }])
    const batch = await boss.fetch<{ items: Item[] }>(QUEUES.writeback, { batchSize: carried.length, includeMetadata: true })
    await applyInOdoo<{ items: Item[] }, Item>({ pool: db.pool, jobs, logger, metrics: createMetrics() }, { queue: QUEUES.writeback, itemsOf: d => d.items, call, toParked: park, maxItems }, batch)
    return Object.fromEntries((await jobsIn(db.pool, QUEUES.writeback)).map(j => [j.data.items.map((i: Item) => i.n).join('+'), j.state]))
  }
  const states = async () => Object.fromEntries((await jobsIn(db.pool, QUEUES.writeback)).map(j => [j.data.n, j.state]))
  const parked = async () => (await jobsIn(db.pool, QUEUES.odooRejected)).map(j => j.data.key)

  it('retries the whole batch while Odoo is unavailable, parking nothing', async () => {
    const batch = await batchOf(3)
    await run(batch, async () => { throw new OdooUnavailableError('Odoo unavailable (psycopg2.errors.SerializationFailure): could not serialize access') })
    assert.deepEqual(await states(), { 1: 'retry', 2: 'retry', 3: 'retry' })
    assert.deepEqual(await parked(), [])
  })

  it('applies the others and parks only the item Odoo refuses on its own, calling in arrival order', async () => {
    const batch = await batchOf(4)
    const calls: number[][] = []
    await run(batch, async items => {
      calls.push(items.map(i => i.n))
      if (items.some(i => i.n === 3)) throw new OdooRpcError('Result 0 is malformed', 'odoo.exceptions.ValidationError')
    })
    assert.deepEqual(calls, [[1, 2, 3, 4], [1], [2], [3], [4]])
    assert.deepEqual(await states(), { 1: 'completed', 2: 'completed', 3: 'completed', 4: 'completed' })
    assert.deepEqual(await parked(), ['3'])
  })

  it('stops at the first outage while splitting: later items wait behind earlier ones', async () => {
    const batch = await batchOf(4)
    let odooUp = true
    await run(batch, async items => {
      if (items.length > 1) throw new OdooRpcError('Result 1 is malformed', 'odoo.exceptions.ValidationError')
      if (items[0]!.n === 2) odooUp = false
      if (!odooUp) throw new OdooUnavailableError('Odoo unreachable: connect ECONNREFUSED')
    })
    assert.deepEqual(await states(), { 1: 'completed', 2: 'retry', 3: 'retry', 4: 'retry' })
    assert.deepEqual(await parked(), [])
  })

  it('waits, rather than parks, when Odoo refuses the sidecar user or its database', async () => {
    for (const [message, name] of [['Only Logistics Hub managers may apply partner messages.', 'odoo.exceptions.AccessError'],
      ['FATAL:  database "hub_gone" does not exist', 'psycopg2.OperationalError']]) {
      await db.pool.query('DELETE FROM pgboss.job')
      const batch = await batchOf(2)
      await run(batch, async () => { throw new OdooRpcError(message!, name!) })
      assert.deepEqual(await states(), { 1: 'retry', 2: 'retry' }, name)
      assert.deepEqual(await parked(), [], name)
    }
  })

  it('parks only the refused item of a job carrying several; the job is done once the others applied', async () => {
    const calls: number[][] = []
    const states = await runCarried([[1, 2, 3], [4]], 50, async items => {
      calls.push(items.map(i => i.n))
      if (items.some(i => i.n === 2)) throw new OdooRpcError('Result 1 is malformed', 'odoo.exceptions.ValidationError')
    })
    assert.deepEqual(calls, [[1, 2, 3, 4], [1], [2], [3], [4]])
    assert.deepEqual(states, { '1+2+3': 'completed', 4: 'completed' })
    assert.deepEqual(await parked(), ['2'])
  })

  it('calls Odoo with at most maxItems items in arrival order; a job with an item that must wait is retried whole', async () => {
    const calls: number[][] = []
    const states = await runCarried([[1, 2], [3, 4, 5], [6]], 2, async items => {
      calls.push(items.map(i => i.n))
      if (items.some(i => i.n === 4)) throw new OdooUnavailableError('Odoo unreachable: connect ECONNREFUSED')
    })
    assert.deepEqual(calls, [[1, 2], [3, 4]], 'nothing after the outage is tried')
    assert.deepEqual(states, { '1+2': 'completed', '3+4+5': 'retry', 6: 'retry' })
    assert.deepEqual(await parked(), [])
  })

  it('does not send again, when a job is retried, the items an earlier run applied or parked', async () => {
    const apply = (call: (items: Item[]) => Promise<void>) => ({ queue: QUEUES.writeback, itemsOf: (d: { items: Item[] }) => d.items, call, toParked: park, maxItems: 50 })
    const deps = { pool: db.pool, jobs, logger, metrics: createMetrics() }
    await jobs.insert(db.pool, [{ name: QUEUES.writeback, data: { items: [{ n: 1 }, { n: 2 }, { n: 3 }] } }])
    const first = await boss.fetch<{ items: Item[] }>(QUEUES.writeback, { batchSize: 1, includeMetadata: true })
    // 1 applies, 2 is refused on its own (parked), then Odoo goes away before 3
    await applyInOdoo(deps, apply(async items => {
      if (items.length > 1) throw new OdooRpcError('Result 1 is malformed', 'odoo.exceptions.ValidationError')
      if (items[0]!.n === 2) throw new OdooRpcError('Result 0 is malformed', 'odoo.exceptions.ValidationError')
      if (items[0]!.n === 3) throw new OdooUnavailableError('Odoo unreachable: connect ECONNREFUSED')
    }), first)
    const [failed] = await jobsIn(db.pool, QUEUES.writeback)
    assert.deepEqual([failed!.state, failed!.output.settled], ['retry', [0, 1]])
    assert.deepEqual(await parked(), ['2'])

    await db.pool.query('UPDATE pgboss.job SET start_after = now() WHERE id = $1', [failed!.id])
    const again = await boss.fetch<{ items: Item[] }>(QUEUES.writeback, { batchSize: 1, includeMetadata: true })
    const calls: number[][] = []
    await applyInOdoo(deps, apply(async items => { calls.push(items.map(i => i.n)) }), again)
    assert.deepEqual(calls, [[3]], 'only the item that waited is sent again')
    assert.equal((await jobsIn(db.pool, QUEUES.writeback))[0]!.state, 'completed')
    assert.deepEqual(await parked(), ['2'], 'the refused item is not parked a second time')
  })
})
