import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import PgBoss from 'pg-boss'
import { JobQueue } from '../../sidecar/src/db/job-queue.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { createMetrics } from '../../sidecar/src/observability/metrics.ts'
import { relayBatch } from '../../sidecar/src/relay/relay.ts'
import { WebhookReceiver } from '../../sidecar/simulators/webhook-receiver.ts'
import { insertConnector, insertEvent, newSecret } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

/**
 * With several replicas, whichever relay claims a burst commits its delivery jobs; every replica's
 * delivery loops must hear of them (NOTIFY hub_deliver), not only the claiming replica's, or the others
 * sleep out their poll interval while one replica delivers the burst alone.
 */
describe('delivery jobs wake every replica', () => {
  let db: TestDatabase
  let boss: PgBoss
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const secret = newSecret()
  const receiver = new WebhookReceiver(secret)
  let url: string

  before(async () => {
    db = await createTestDatabase()
    url = await receiver.start()
    // this replica polls so rarely that only a notification can make it deliver within the test
    sidecar = await startSidecar(db.url, { HUB_RELAY_POLL_MS: '600000', HUB_WORKER_POLL_SECONDS: '600' })
    boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false })
    await boss.start()
  })
  after(async () => { await sidecar.stop(); await boss.stop({ graceful: false }); await receiver.stop(); await db.drop() })

  it("delivers jobs another replica's relay committed, without waiting for its poll", async () => {
    const c = await insertConnector(db.pool, { base_url: url, secret })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 1 }, { notify: false })
    // the other replica: its relay claims the event and commits the delivery job
    const moved = await relayBatch({ pool: db.pool, jobs: new JobQueue(boss), logger: createLogger('silent'), metrics: createMetrics(), batchSize: 10, minExpireSeconds: 60 })
    assert.equal(moved, 1)
    await waitFor('delivered by the replica that did not relay it', async () => receiver.attempts.some(a => a.webhook_id === e.uuid), 30_000)
  })
})
