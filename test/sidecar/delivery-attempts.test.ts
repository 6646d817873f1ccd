import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { DeliveryAttempt, WritebackResult } from '../../sidecar/src/queues.ts'
import { WebhookReceiver } from '../../sidecar/simulators/webhook-receiver.ts'
import { insertConnector, insertEvent, newSecret, writebackResults } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

/**
 * Each delivery attempt is visible in Odoo. Every write-back describes its attempt
 * (`delivery`: the partner's status, a masked excerpt of its answer, the duration, "attempt n of max"
 * and when the next one is due), for Odoo to keep as one hub.event.attempt per attempt.
 */
describe('delivery attempts reported to Odoo', () => {
  let db: TestDatabase
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const secret = newSecret()
  const receiver = new WebhookReceiver(secret)
  let url: string

  before(async () => {
    db = await createTestDatabase()
    url = await receiver.start()
    sidecar = await startSidecar(db.url)
  })
  after(async () => { await sidecar.stop(); await receiver.stop(); await db.drop() })

  const eventState = async (id: number) => (await db.pool.query('SELECT state FROM hub_event WHERE id = $1', [id])).rows[0]?.state
  /** the write-backs of one event, in attempt order */
  const writebacks = async (uuid: string): Promise<WritebackResult[]> => (await writebackResults(db.pool))
    .filter(d => d.event_uuid === uuid).sort((a, b) => a.attempt - b.attempt)
  const delivery = (wb: WritebackResult | undefined): DeliveryAttempt => {
    assert.ok(wb?.delivery, `write-back ${wb?.status}:${wb?.attempt} describes its attempt`)
    return wb.delivery
  }

  it('describes a failed attempt (status, masked answer, next retry) and the successful one', async () => {
    const c = await insertConnector(db.pool, { base_url: url, secret, max_attempts: 4, retry_delay: 1 })
    // a partner answering 503 and echoing credentials, ours among them
    receiver.faults.set({ failNext: 1, failStatus: 503, failBody: { error: 'upstream down', echo: { authorization: 'Bearer abc.def.ghi', key: secret } } })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 1 })
    await waitFor('delivered on the second attempt', async () => await eventState(e.id) === 'delivered', 30_000)
    const [failed, sent] = await writebacks(e.uuid)
    assert.deepEqual([failed?.status, failed?.attempt, sent?.status, sent?.attempt], ['failed', 1, 'sent', 2])

    const first = delivery(failed)
    assert.equal(first.http_status, 503)
    assert.equal(first.max_attempts, 4)
    assert.match(first.response_excerpt ?? '', /"error":"upstream down"/)
    assert.ok(!first.response_excerpt!.includes(secret) && !first.response_excerpt!.includes(secret.slice(6)), 'the connector secret is masked')
    assert.ok(!first.response_excerpt!.includes('abc.def.ghi'), 'the echoed bearer token is masked')
    assert.match(failed!.error ?? '', /answered HTTP 503/)
    assert.ok(!failed!.error!.includes(secret.slice(6)) && !failed!.error!.includes('abc.def.ghi'), 'the error quoting the answer is masked too')
    assert.equal(typeof first.duration_ms, 'number')
    assert.ok(first.duration_ms! >= 0)
    assert.ok(first.next_retry_at, 'a failed attempt says when the next one is due')
    assert.ok(Date.parse(first.next_retry_at!) > Date.parse(first.attempted_at!), 'after the attempt (retry_delay 1 s)')
    const calls = receiver.attempts.filter(a => a.webhook_id === e.uuid)
    assert.deepEqual(calls.map(a => a.status), [503, 200])

    const second = delivery(sent)
    assert.deepEqual({ ...second, duration_ms: 0, attempted_at: 'x' }, {
      attempted_at: 'x', duration_ms: 0, http_status: 200, response_excerpt: '{"ok":true}', max_attempts: 4, next_retry_at: null
    })
  })

  it('carries the last attempt of an exhausted event to its `dead` result', async () => {
    const c = await insertConnector(db.pool, { base_url: url, secret, max_attempts: 2 })
    receiver.faults.set({ failNext: 2, failStatus: 500, failBody: { error: 'boom' } })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 2 })
    await waitFor('dead write-back', async () => (await writebacks(e.uuid)).some(w => w.status === 'dead'), 30_000)
    const [failed, dead] = await writebacks(e.uuid)
    assert.deepEqual([failed?.status, failed?.attempt, dead?.status, dead?.attempt], ['failed', 1, 'dead', 2])
    assert.equal(delivery(failed).next_retry_at !== null, true)
    const last = delivery(dead)
    assert.deepEqual([last.http_status, last.response_excerpt, last.max_attempts, last.next_retry_at], [500, '{"error":"boom"}', 2, null])
    assert.ok(last.attempted_at && last.duration_ms !== null, 'the worker described it (through pg-boss\'s dead-letter copy)')
  })

  it('describes a permanent refusal (4xx) and a timeout (no answer)', async () => {
    const rejecting = await insertConnector(db.pool, { base_url: url, secret, max_attempts: 5 })
    receiver.faults.set({ failNext: 1, failStatus: 422, failBody: { error: 'address rejected' } })
    const refused = await insertEvent(db.pool, { connector_id: rejecting.id, res_id: 3 })
    await waitFor('dead write-back', async () => (await writebacks(refused.uuid)).length > 0, 30_000)
    const [dead] = await writebacks(refused.uuid)
    assert.equal(dead!.status, 'dead')
    assert.deepEqual([delivery(dead).http_status, delivery(dead).response_excerpt, delivery(dead).max_attempts, delivery(dead).next_retry_at],
      [422, '{"error":"address rejected"}', 5, null])

    const slow = await insertConnector(db.pool, { base_url: url, secret, max_attempts: 3, timeout: 1 })
    receiver.faults.set({ timeoutNext: 1 })
    const e = await insertEvent(db.pool, { connector_id: slow.id, res_id: 4 })
    await waitFor('delivered after the timeout', async () => await eventState(e.id) === 'delivered', 30_000)
    const [timedOut] = await writebacks(e.uuid)
    assert.equal(timedOut!.status, 'failed')
    assert.deepEqual([delivery(timedOut).http_status, delivery(timedOut).response_excerpt], [null, null], 'no answer came')
    assert.ok(delivery(timedOut).duration_ms! >= 900, 'the attempt lasted the 1 s timeout')
  })
})
