import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setImmediate as nextTurn } from 'node:timers/promises'
import PgBoss from 'pg-boss'
import { FetchLoop } from '../../sidecar/src/workers/fetch-loop.ts'
import { controlledCalls, deferred, memoryLogger } from '../support/controlled.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'

interface TestJob { n: number }
type Batch = Array<PgBoss.JobWithMetadata<TestJob>>

// A real pg-boss on a real database; the handler is held by the test, so what the loop does while a
// batch is in flight is decided by the test, never by a timer.
describe('fetch loop (awaited pg-boss fetch)', () => {
  let db: TestDatabase
  let boss: PgBoss
  let queues = 0

  before(async () => {
    db = await createTestDatabase()
    boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false })
    await boss.start()
  })
  after(async () => { await boss.stop({ graceful: false }); await db.drop() })

  /** A fresh queue holding one job per `n`, created in that order. */
  async function queueWith (...ns: number[]): Promise<string> {
    const name = `fetch-loop-${++queues}`
    await boss.createQueue(name)
    for (const n of ns) await boss.send(name, { n })
    return name
  }

  /** The real pg-boss, with every fetch noted in `log` as it starts; `fetched` is called as one returns. */
  function spiedBoss (log: string[], fetched?: () => void): PgBoss {
    const fetch = async (...args: unknown[]): Promise<unknown> => {
      log.push('fetch')
      const jobs = await (boss.fetch as (...a: unknown[]) => Promise<unknown>).apply(boss, args)
      fetched?.()
      return jobs
    }
    return { fetch } as unknown as PgBoss
  }

  async function stateOf (queue: string, n: number): Promise<string> {
    const { rows: [row] } = await db.pool.query<{ state: string }>("SELECT state FROM pgboss.job WHERE name = $1 AND (data->>'n')::int = $2", [queue, n])
    return row!.state
  }

  it('awaits its handler before it fetches again', async () => {
    const queue = await queueWith(1, 2)
    const log: string[] = []
    const handler = controlledCalls<[Batch], void>()
    const loop = new FetchLoop<TestJob>(spiedBoss(log), queue, async jobs => {
      log.push(`start ${jobs.map(j => j.data.n).join()}`)
      await handler.fn(jobs)
      log.push(`end ${jobs.map(j => j.data.n).join()}`)
    }, { batchSize: 1, pollMs: 3_600_000 }, memoryLogger().logger)
    loop.start()
    await handler.called(1)
    await nextTurn() // a loop that did not await would already be in its next fetch
    assert.deepEqual(log, ['fetch', 'start 1'])
    handler.calls[0]!.resolve()
    await handler.called(2)
    handler.calls[1]!.resolve()
    await loop.stop()
    assert.deepEqual(log.slice(0, 6), ['fetch', 'start 1', 'end 1', 'fetch', 'start 2', 'end 2'])
  })

  it('logs a failed batch and goes on with the next one; the failed job is left to expire and be retried', async () => {
    const queue = await queueWith(1, 2)
    const { lines, logger } = memoryLogger()
    const handler = controlledCalls<[Batch], void>()
    const loop = new FetchLoop<TestJob>(boss, queue, handler.fn, { batchSize: 1, pollMs: 1 }, logger)
    loop.start()
    await handler.called(1)
    handler.calls[0]!.reject(new Error('Odoo said no'))
    await handler.called(2)
    assert.deepEqual(handler.args.map(([jobs]) => jobs.map(j => j.data.n)), [[1], [2]])
    assert.equal(lines.length, 1)
    assert.equal(lines[0]!.queue, queue)
    assert.match(String((lines[0]!.err as { message: string }).message), /Odoo said no/)
    handler.calls[1]!.resolve()
    await loop.stop()
    assert.equal(await stateOf(queue, 1), 'active', 'nobody completed or failed it: pg-boss retries it when it expires')
  })

  it('a wake during a batch is kept: the loop fetches again at once instead of sleeping out the poll', async () => {
    const queue = await queueWith(1)
    const log: string[] = []
    const handler = controlledCalls<[Batch], void>()
    const loop = new FetchLoop<TestJob>(spiedBoss(log), queue, async jobs => {
      log.push(`start ${jobs.map(j => j.data.n).join()}`)
      await handler.fn(jobs)
    }, { batchSize: 5, pollMs: 3_600_000 }, memoryLogger().logger)
    loop.start()
    await handler.called(1)
    await boss.send(queue, { n: 2 }) // committed after the fetch looked
    loop.wake() // the relay's wake-up arrives while the batch is under way
    handler.calls[0]!.resolve()
    await handler.called(2) // with an hour's poll interval, only a kept wake gets here
    handler.calls[1]!.resolve()
    await loop.stop()
    assert.deepEqual(log.slice(0, 4), ['fetch', 'start 1', 'fetch', 'start 2'])
  })

  it('stops while idle: stop() wakes the pause instead of waiting for the poll interval', { timeout: 60_000 }, async () => {
    const queue = await queueWith()
    const log: string[] = []
    const emptyFetch = deferred<void>()
    const loop = new FetchLoop<TestJob>(spiedBoss(log, emptyFetch.resolve), queue, async () => {}, { batchSize: 5, pollMs: 3_600_000 }, memoryLogger().logger)
    loop.start()
    await emptyFetch.promise
    await nextTurn() // the loop has gone on from its empty fetch into its pause
    await loop.stop() // with an hour's poll interval, this only returns if stop() wakes the pause
    assert.deepEqual(log, ['fetch'])
  })

  it('stops after the batch in flight: stop() waits for the handler, then fetches nothing more', async () => {
    const queue = await queueWith(1, 2)
    const log: string[] = []
    const handler = controlledCalls<[Batch], void>()
    const loop = new FetchLoop<TestJob>(spiedBoss(log), queue, handler.fn, { batchSize: 1, pollMs: 3_600_000 }, memoryLogger().logger)
    loop.start()
    await handler.called(1)
    let stopped = false
    const stopping = loop.stop().then(() => { stopped = true })
    await nextTurn()
    assert.equal(stopped, false, 'stop() must wait for the batch in flight')
    handler.calls[0]!.resolve()
    await stopping
    assert.deepEqual(log, ['fetch'], 'a full batch would fetch again at once, but not after stop()')
    assert.equal(await stateOf(queue, 2), 'created')
  })
})
