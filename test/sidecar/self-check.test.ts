import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { after, before, beforeEach, describe, it } from 'node:test'
import type PgBoss from 'pg-boss'
import type { JobQueue } from '../../sidecar/src/db/job-queue.ts'
import { InboundStore } from '../../sidecar/src/inbound/inbound-store.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { createMetrics } from '../../sidecar/src/observability/metrics.ts'
import { QUEUES } from '../../sidecar/src/queues.ts'
import { relayBatch } from '../../sidecar/src/relay/relay.ts'
import { type Finding, selfCheck } from '../../sidecar/src/workers/self-check.ts'
import { eventStates, insertConnector, insertEvent, jobsIn, writebackResults } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startQueues } from '../support/queues.ts'

const root = new URL('../..', import.meta.url).pathname

/** Each broken invariant is produced by hand in the database, then found, and repaired where it can be. */
describe('self-check and npm run doctor', () => {
  let db: TestDatabase
  let boss: PgBoss
  let jobs: JobQueue
  let inbound: InboundStore
  const logger = createLogger('silent')
  let connectorId: number

  before(async () => {
    db = await createTestDatabase()
    ;({ boss, jobs } = await startQueues(db.url))
    inbound = new InboundStore(db.pool, { bossSchema: 'pgboss', dedupeDays: 7 })
    await inbound.init()
    connectorId = (await insertConnector(db.pool, { base_url: 'http://127.0.0.1:9/hook' })).id
  })
  after(async () => { await boss.stop({ graceful: false }); await db.drop() })
  beforeEach(async () => { await db.pool.query('DELETE FROM hub_sync_state; DELETE FROM hub_event; DELETE FROM pgboss.job; DELETE FROM hub_sidecar.inbound_message') })

  const check = async (repair: boolean, graceSeconds = 60) => {
    const findings = await selfCheck({ pool: db.pool, jobs, logger, metrics: createMetrics(), bossSchema: 'pgboss' }, { graceSeconds, repair })
    return Object.fromEntries(findings.filter(f => !f.informational).map(f => [f.check, { count: f.count, repaired: f.repaired }])) as Record<string, Pick<Finding, 'count' | 'repaired'>>
  }
  const relay = async () => await relayBatch({ pool: db.pool, jobs, logger, metrics: createMetrics(), batchSize: 50, minExpireSeconds: 60 })
  const ageRelayed = async (id: number) => await db.pool.query("UPDATE hub_event SET relayed_at = relayed_at - interval '1 hour' WHERE id = $1", [id])

  function doctor (...args: string[]): Promise<{ code: number, out: string }> {
    return new Promise(resolve => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'sidecar/src/doctor.ts', ...args], { cwd: root, env: { ...process.env, DATABASE_URL: db.url, HUB_SELF_CHECK_GRACE_SECONDS: '60' } })
      let out = ''
      child.stdout.on('data', chunk => { out += chunk })
      child.stderr.on('data', chunk => { out += chunk })
      child.on('exit', code => resolve({ code: code ?? 1, out }))
    })
  }

  it('finds nothing in a healthy pipeline, even with work in flight', async () => {
    const e = await insertEvent(db.pool, { connector_id: connectorId, res_id: 1 })
    await relay()
    await ageRelayed(e.id) // queued long ago, but its job is alive
    await insertEvent(db.pool, { connector_id: connectorId, res_id: 2 })
    assert.ok(await inbound.store('wms', { id: randomUUID(), type: 'fulfilment.picked', correlation_id: null, data: {} }))
    const findings = await check(true, 0)
    assert.ok(Object.values(findings).every(f => f.count === 0), JSON.stringify(findings))
    const { code, out } = await doctor()
    assert.equal(code, 0, out)
    assert.match(out, /all invariants hold/)
  })

  it('requeues a queued event whose job vanished, in lane order, and the doctor reports it first', async () => {
    const first = await insertEvent(db.pool, { connector_id: connectorId, res_id: 7 })
    const second = await insertEvent(db.pool, { connector_id: connectorId, res_id: 7 })
    await relay()
    await ageRelayed(first.id)
    await db.pool.query("DELETE FROM pgboss.job WHERE name = $1", [QUEUES.deliver]) // the defect: job gone, event queued

    const report = await doctor()
    assert.equal(report.code, 1, report.out)
    assert.match(report.out, new RegExp(`\\[FAIL\\] queued_without_job\\s+1 .*${first.uuid}`))
    assert.deepEqual(await eventStates(db.pool), { queued: 1, pending: 1 }, 'the doctor without --repair changes nothing')

    const repaired = await doctor('--repair')
    assert.equal(repaired.code, 0, repaired.out)
    assert.match(repaired.out, /\[FIXD\] queued_without_job\s+1, 1 repaired/)
    assert.deepEqual(await eventStates(db.pool), { pending: 2 })
    assert.equal(await relay(), 1, 'only the lane head is queued again')
    assert.deepEqual((await jobsIn(db.pool, QUEUES.deliver)).map(j => j.data.event_uuid), [first.uuid])
    assert.notEqual(second.uuid, first.uuid)
  })

  it('writes back again the result of a closed event whose sync state is still pending', async () => {
    const e = await insertEvent(db.pool, { connector_id: connectorId, res_id: 3 })
    await db.pool.query("UPDATE hub_event SET state = 'delivered', done_at = now() AT TIME ZONE 'UTC' - interval '1 hour' WHERE id = $1", [e.id])
    await db.pool.query("INSERT INTO hub_sync_state (res_model, res_id, connector_id, status, last_event_id, last_attempt) VALUES ('sale.order', 3, $1, 'pending', $2, 0)", [connectorId, e.id])
    assert.deepEqual((await check(false)).pending_sync_of_closed_event, { count: 1, repaired: 0 })
    assert.deepEqual((await check(true)).pending_sync_of_closed_event, { count: 1, repaired: 1 })
    assert.deepEqual((await writebackResults(db.pool)).map(r => [r.event_uuid, r.status]), [[e.uuid, 'sent']])
    assert.deepEqual((await check(true)).pending_sync_of_closed_event, { count: 0, repaired: 0 }, 'a write-back on its way is not a finding')

    // a job queued by a sidecar before 0.2 carries one result, unwrapped: on its way too
    const old = await insertEvent(db.pool, { connector_id: connectorId, res_id: 4 })
    await db.pool.query("UPDATE hub_event SET state = 'delivered', done_at = now() AT TIME ZONE 'UTC' - interval '1 hour' WHERE id = $1", [old.id])
    await db.pool.query("INSERT INTO hub_sync_state (res_model, res_id, connector_id, status, last_event_id, last_attempt) VALUES ('sale.order', 4, $1, 'pending', $2, 0)", [connectorId, old.id])
    await jobs.insert(db.pool, [{ name: QUEUES.writebackLegacy, data: { event_uuid: old.uuid, status: 'sent', attempt: 1 } }])
    assert.deepEqual((await check(false)).pending_sync_of_closed_event, { count: 0, repaired: 0 })
  })

  it('puts Odoo-bound jobs that used up their retries back in line', async () => {
    await jobs.insert(db.pool, [{ name: QUEUES.inbound, data: { n: 1 } }])
    await db.pool.query("UPDATE pgboss.job SET state = 'failed' WHERE name = $1", [QUEUES.inbound])
    assert.deepEqual((await check(true)).exhausted_odoo_jobs, { count: 1, repaired: 1 })
    assert.deepEqual((await jobsIn(db.pool, QUEUES.inbound)).map(j => j.state), ['retry'])
  })

  it('reports a callback answered 2xx whose apply job is gone (it cannot be repaired: no payload)', async () => {
    assert.ok(await inbound.store('wms', { id: randomUUID(), type: 'fulfilment.picked', correlation_id: null, data: {} }))
    await db.pool.query("UPDATE hub_sidecar.inbound_message SET received_at = now() - interval '1 hour'")
    await db.pool.query('DELETE FROM pgboss.job WHERE name = $1', [QUEUES.inbound])
    assert.deepEqual((await check(true)).unsettled_inbound, { count: 1, repaired: 0 })
    const { code, out } = await doctor()
    assert.equal(code, 1)
    assert.match(out, /\[FAIL\] unsettled_inbound\s+1 .*\(missing\)/)
  })
})
