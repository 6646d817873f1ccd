import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { QUEUES } from '../../sidecar/src/queues.ts'
import { WebhookReceiver } from '../../sidecar/simulators/webhook-receiver.ts'
import { insertConnector, insertEvent, jobsIn, newSecret, writebackResults } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

describe('delivery to a webhook partner', () => {
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
  const writebacks = async (uuid: string) => (await writebackResults(db.pool)).filter(r => r.event_uuid === uuid).map(r => `${r.status}:${r.attempt}`)

  it('delivers a signed envelope and queues the `sent` write-back', async () => {
    const c = await insertConnector(db.pool, { base_url: url, secret })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 1, correlation_id: 'corr-1', payload: { order: { id: 1, name: 'S001' } } })
    await waitFor('delivery', async () => await eventState(e.id) === 'delivered')
    const got = receiver.accepted.find(a => a.webhook_id === e.uuid)
    assert.ok(got, 'receiver verified the signature and accepted the message')
    assert.equal(got.body.type, 'order.confirmed')
    assert.equal(got.body.correlation_id, 'corr-1')
    assert.deepEqual(got.body.source, { model: 'sale.order', id: 1 })
    assert.deepEqual(got.body.data, { order: { id: 1, name: 'S001' } })
    assert.equal(got.headers['x-correlation-id'], 'corr-1')
    assert.match(String(got.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, 'W3C traceparent propagated')
    assert.deepEqual(await writebacks(e.uuid), ['sent:1'])
  })

  it('sends a re-send under the partner request key of the request it repeats, so the partner dedupes it', async () => {
    const c = await insertConnector(db.pool, { base_url: url, secret })
    const first = await insertEvent(db.pool, { connector_id: c.id, res_id: 2 })
    await waitFor('first delivery', async () => await eventState(first.id) === 'delivered')
    const resend = await insertEvent(db.pool, { connector_id: c.id, res_id: 2, idempotency_key: first.uuid })
    await waitFor('re-send delivered', async () => await eventState(resend.id) === 'delivered')
    assert.deepEqual(receiver.attempts.filter(a => a.webhook_id === first.uuid).map(a => a.status), [200, 200], 'both reached the partner under one webhook-id')
    assert.equal(receiver.accepted.filter(a => a.webhook_id === first.uuid).length, 1, 'the partner acted once')
    assert.equal(receiver.attempts.filter(a => a.webhook_id === resend.uuid).length, 0)
    assert.deepEqual(await writebacks(resend.uuid), ['sent:1'], 'Odoo hears about the re-send under its own event id')
  })

  it('delivers the events of one record in commit order even when the first needs retries', async () => {
    const c = await insertConnector(db.pool, { base_url: url, secret, max_attempts: 5 })
    receiver.faults.set({ failNext: 2, failStatus: 503 })
    const events: Array<{ id: number, uuid: string }> = []
    for (let i = 0; i < 4; i++) events.push(await insertEvent(db.pool, { connector_id: c.id, res_id: 42 }))
    await waitFor('all four delivered', async () => (await Promise.all(events.map(e => eventState(e.id)))).every(s => s === 'delivered'), 30_000)
    const order = receiver.accepted.map(a => a.webhook_id).filter(id => events.some(e => e.uuid === id))
    assert.deepEqual(order, events.map(e => e.uuid))
    assert.deepEqual(await writebacks(events[0]!.uuid), ['failed:1', 'failed:2', 'sent:3'])
  })

  it('retries a failing partner, then dead-letters the event and releases its record', async () => {
    const c = await insertConnector(db.pool, { base_url: url, secret, max_attempts: 3 })
    receiver.faults.set({ failNext: 3, failStatus: 500 })
    const doomed = await insertEvent(db.pool, { connector_id: c.id, res_id: 900 })
    const next = await insertEvent(db.pool, { connector_id: c.id, res_id: 900 })
    await waitFor('dead-lettered', async () => await eventState(doomed.id) === 'dead', 30_000)
    assert.equal(receiver.attempts.filter(a => a.webhook_id === doomed.uuid).length, 3)
    const dlq = (await jobsIn(db.pool, QUEUES.deliverDead)).filter(j => j.data.event_uuid === doomed.uuid)
    assert.equal(dlq.length, 1)
    await waitFor('dead write-back', async () => (await writebacks(doomed.uuid)).includes('dead:3'))
    assert.deepEqual(await writebacks(doomed.uuid), ['failed:1', 'failed:2', 'dead:3'])
    await waitFor('the next event of the same record flows', async () => await eventState(next.id) === 'delivered')
  })

  it('dead-letters at once when the partner rejects the request (4xx)', async () => {
    const c = await insertConnector(db.pool, { base_url: url, secret, max_attempts: 5 })
    receiver.faults.set({ failNext: 1, failStatus: 422 })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 901 })
    await waitFor('dead', async () => await eventState(e.id) === 'dead')
    assert.equal(receiver.attempts.filter(a => a.webhook_id === e.uuid).length, 1)
    await waitFor('dead write-back', async () => (await writebacks(e.uuid)).length > 0)
    const [wb] = (await writebackResults(db.pool)).filter(r => r.event_uuid === e.uuid)
    assert.equal(wb!.status, 'dead')
    assert.match(wb!.error ?? '', /HTTP 422/)
  })

  it('dead-letters, without calling the partner, an event its adapter does not take (manifest consumes)', async () => {
    const c = await insertConnector(db.pool, { base_url: url, secret, adapter: 'wms', kind: 'wms', max_attempts: 5 })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 904, event_type: 'shipment.delivered' })
    await waitFor('dead', async () => await eventState(e.id) === 'dead')
    assert.equal(receiver.attempts.filter(a => a.webhook_id === e.uuid).length, 0, 'nothing was sent')
    await waitFor('dead write-back', async () => (await writebacks(e.uuid)).length > 0)
    const [wb] = (await writebackResults(db.pool)).filter(r => r.event_uuid === e.uuid)
    assert.match(wb!.error ?? '', /does not take shipment\.delivered events/)
  })

  it('treats a partner timeout as retryable', async () => {
    const c = await insertConnector(db.pool, { base_url: url, secret, max_attempts: 3, timeout: 1 })
    receiver.faults.set({ timeoutNext: 1 })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 902 })
    await waitFor('delivered after the timeout', async () => await eventState(e.id) === 'delivered', 30_000)
    assert.deepEqual((await writebacks(e.uuid)).map(s => s.split(':')[0]), ['failed', 'sent'])
  })

  it('reports backlog, dead letters and HTTP traffic in /metrics', async () => {
    await (await fetch(`${sidecar.url}/metrics`)).text() // a scrape is counted once it has been answered
    const text = await (await fetch(`${sidecar.url}/metrics`)).text()
    assert.match(text, /hub_outbox_events\{state="dead"\} 3/)
    assert.match(text, /hub_queue_depth\{queue="hub-writeback-batch"\} [1-9]/)
    assert.match(text, /hub_deliveries_total\{connector="[^"]+",outcome="retry"\}/)
    assert.match(text, /hub_http_request_duration_seconds_count\{method="GET",route="\/metrics",status="200"\}/)
  })

  it('honours a partner\'s Retry-After before calling it again', async () => {
    const c = await insertConnector(db.pool, { base_url: url, secret, max_attempts: 3 })
    receiver.faults.set({ rateLimitNext: 1, retryAfterSeconds: 2 })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 903 })
    await waitFor('delivered after the pause', async () => await eventState(e.id) === 'delivered', 30_000)
    const calls = receiver.attempts.filter(a => a.webhook_id === e.uuid)
    assert.deepEqual(calls.map(a => a.status), [429, 200])
    assert.ok(calls[1]!.at - calls[0]!.at >= 1900, `second call ${calls[1]!.at - calls[0]!.at} ms after the 429`)
  })

  it('keeps write-backs queued while Odoo is unreachable (nothing lost)', async () => {
    const pending = (await jobsIn(db.pool, QUEUES.writeback)).filter(j => j.state !== 'completed')
    assert.ok(pending.length > 0)
    assert.ok(pending.every(j => ['created', 'retry', 'active'].includes(j.state)), JSON.stringify(pending.map(j => j.state)))
  })
})
