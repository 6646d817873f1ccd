import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type PgBoss from 'pg-boss'
import type { Connector } from '../../sidecar/src/adapters/types.ts'
import { connectorsByIds } from '../../sidecar/src/db/connector-plans.ts'
import { QUEUES } from '../../sidecar/src/queues.ts'
import { deliveryJobOptions } from '../../sidecar/src/relay/job-options.ts'
import { insertConnector } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startQueues } from '../support/queues.ts'

const MIN_EXPIRE = 60

// Connectors are real rows read with the relay's own plan, so the options are computed from what Odoo stores.
describe('delivery job options (from the connector retry policy)', () => {
  let db: TestDatabase
  let boss: PgBoss

  before(async () => {
    db = await createTestDatabase()
    boss = (await startQueues(db.url)).boss
  })
  after(async () => { await boss.stop({ graceful: false }); await db.drop() })

  async function connector (values: Record<string, unknown>): Promise<Connector> {
    const { id } = await insertConnector(db.pool, values)
    const { rows: [row] } = await db.pool.query<Connector>(connectorsByIds([id]))
    return row!
  }

  it('counts retries after the first attempt: max_attempts - 1, never below 0', async () => {
    assert.equal(deliveryJobOptions(await connector({ max_attempts: 5 }), MIN_EXPIRE).retryLimit, 4)
    assert.equal(deliveryJobOptions(await connector({ max_attempts: 1 }), MIN_EXPIRE).retryLimit, 0)
    assert.equal(deliveryJobOptions(await connector({ max_attempts: 0 }), MIN_EXPIRE).retryLimit, 0)
  })

  it('passes the retry delay and backoff through', async () => {
    const options = deliveryJobOptions(await connector({ retry_delay: 7, retry_backoff: true }), MIN_EXPIRE)
    assert.equal(options.retryDelay, 7)
    assert.equal(options.retryBackoff, true)
  })

  it('expires a job after three partner timeouts, and never sooner than the minimum', async () => {
    assert.equal(deliveryJobOptions(await connector({ timeout: 100 }), MIN_EXPIRE).expireInSeconds, 300)
    assert.equal(deliveryJobOptions(await connector({ timeout: 2 }), MIN_EXPIRE).expireInSeconds, MIN_EXPIRE)
  })

  it('starts a realtime connector\'s job at once', async () => {
    const options = deliveryJobOptions(await connector({ sync_mode: 'realtime' }), MIN_EXPIRE, Date.parse('2026-03-02T10:07:30Z'))
    assert.equal(options.startAfter, undefined)
  })

  it('holds a batch connector\'s jobs until the next interval slot, so they go out together', async () => {
    const batch = await connector({ sync_mode: 'batch', batch_interval: 15 })
    const at = (iso: string) => deliveryJobOptions(batch, MIN_EXPIRE, Date.parse(iso)).startAfter
    assert.equal(at('2026-03-02T10:00:01Z'), '2026-03-02T10:15:00.000Z')
    assert.equal(at('2026-03-02T10:14:59Z'), '2026-03-02T10:15:00.000Z', 'same slot: same start')
    assert.equal(at('2026-03-02T10:15:00Z'), '2026-03-02T10:15:00.000Z', 'on a slot boundary: that slot')
    assert.equal(at('2026-03-02T10:15:01Z'), '2026-03-02T10:30:00.000Z')
  })

  it('reach pg-boss as given: the stored delivery job carries them', async () => {
    const batch = await connector({ sync_mode: 'batch', batch_interval: 60, max_attempts: 3, retry_delay: 9, retry_backoff: true, timeout: 40 })
    const now = Date.now()
    const options = deliveryJobOptions(batch, MIN_EXPIRE, now)
    const id = await boss.send(QUEUES.deliver, { event_id: 1 }, options)
    const { rows: [job] } = await db.pool.query<{ retry_limit: number, retry_delay: number, retry_backoff: boolean, start_after: Date, expire_seconds: number }>(
      'SELECT retry_limit, retry_delay, retry_backoff, start_after, extract(epoch FROM expire_in)::int AS expire_seconds FROM pgboss.job WHERE id = $1', [id])
    assert.deepEqual(
      { ...job, start_after: job!.start_after.toISOString() },
      { retry_limit: 2, retry_delay: 9, retry_backoff: true, start_after: new Date(Math.ceil(now / 3_600_000) * 3_600_000).toISOString(), expire_seconds: 120 })
  })
})
