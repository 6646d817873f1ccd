import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { toVoidRequest } from '../../sidecar/src/adapters/carrier/shipment-request.ts'
import { adapterFor } from '../../sidecar/src/adapters/registry.ts'
import type { Connector, DeliveryContext, Envelope } from '../../sidecar/src/adapters/types.ts'
import { toCancelRequest } from '../../sidecar/src/adapters/wms/mappers.ts'
import { PermanentError, RetryableError } from '../../sidecar/src/errors.ts'
import { BreakerRegistry } from '../../sidecar/src/shipping/breakers.ts'
import type { DialectName } from '../../sidecar/simulators/carrier/dialects.ts'
import { CarrierSimulator } from '../../sidecar/simulators/carrier/server.ts'
import { WmsSimulator } from '../../sidecar/simulators/wms/server.ts'
import { insertConnector, insertEvent, newSecret, writebackResults } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

/**
 * Process compensations (Odoo's COMPENSATION_EVENT_TYPES) at the partners: `fulfilment.cancel` at the WMS,
 * `shipment.void` at the carrier that booked the label. Against the real simulators: each undoes once
 * whatever the number of requests (the event id is the partner's idempotency key), an undo already done
 * is success, and one that can no longer be done (shipped, picked up) is a permanent refusal saying why.
 */

const picking = (id: number, origin = 'S00034') => ({
  id, name: `WH/OUT/${String(id).padStart(5, '0')}`, origin, scheduled_date: '2026-11-24T08:00:00Z', weight: 2.5,
  partner: { name: 'Azure Interior', street: '4557 De Silva St', city: 'Fremont', zip: '94538', country_code: 'US' },
  lines: [{ move_id: id * 10, sku: 'FURN_7800', product: 'Desk Combination', quantity: 2, uom: 'Units' }]
})

const envelope = (id: string, type: string, data: Record<string, unknown>, model = 'stock.picking'): Envelope =>
  ({ id, type, occurred_at: '2026-11-23T16:00:00Z', correlation_id: `corr-${id}`, source: { model, id: 1 }, data })

function connector (adapter: string, baseUrl: string, secret: string, code = `${adapter}-main`): Connector {
  return {
    id: 1, code, name: `Partner ${adapter}`, kind: 'test', adapter, base_url: baseUrl, secret, previous_secret: null, active: true, timeout: 1,
    rate_limit: 0, max_attempts: 3, retry_delay: 0, retry_backoff: false, sync_mode: 'realtime', batch_interval: 15, rest_mapping: null
  }
}

/** a fresh, wide breaker per call: no circuit opens between cases, so each meets the partner itself */
const context = (): DeliveryContext => ({
  carriers: async () => [],
  carrierRule: async () => 'cheapest',
  breakers: new BreakerRegistry({ errorThresholdPercentage: 100, volumeThreshold: 1000, resetTimeoutMs: 60_000, rollingWindowMs: 60_000 })
})

async function failure (call: () => Promise<unknown>): Promise<Error> {
  try { await call() } catch (err) { return err as Error }
  assert.fail('expected the call to fail')
}

describe('fulfilment.cancel: the request the WMS adapter builds', () => {
  it('names the picking as the fulfilment did, or the whole order, keyed by the event id', () => {
    assert.deepEqual(toCancelRequest(envelope('evt-p', 'fulfilment.cancel', { picking: picking(12) })),
      { request_id: 'evt-p', client_reference: 'stock.picking/12', order_reference: null, correlation_id: 'corr-evt-p' })
    assert.deepEqual(toCancelRequest(envelope('evt-o', 'fulfilment.cancel', { order: { id: 7, name: 'S00034', lines: [] } }, 'sale.order')),
      { request_id: 'evt-o', client_reference: null, order_reference: 'S00034', correlation_id: 'corr-evt-o' })
  })

  it('refuses, permanently, an event naming neither a picking nor an order', () => {
    assert.throws(() => toCancelRequest(envelope('evt-x', 'fulfilment.cancel', {})), PermanentError)
    assert.throws(() => toCancelRequest(envelope('evt-y', 'fulfilment.cancel', { picking: { name: 'WH/OUT/1' } })), /data\.picking/)
  })
})

describe('fulfilment.cancel at the WMS simulator', () => {
  const secret = newSecret()
  const wms = new WmsSimulator({ secret })
  const adapter = adapterFor('wms')!
  let wmsConnector: Connector

  before(async () => { wmsConnector = connector('wms', await wms.start(), secret) })
  after(async () => { await wms.stop() })

  const fulfil = async (id: number, origin?: string): Promise<string> =>
    (await adapter.deliver(envelope(`ready-${id}`, 'picking.ready', { picking: picking(id, origin) }), wmsConnector, context())).externalRef!
  const cancel = async (eventId: string, data: Record<string, unknown>) =>
    await adapter.deliver(envelope(eventId, 'fulfilment.cancel', data), wmsConnector, context())

  it('cancels a picking\'s fulfilment once, however often the same event or a re-send arrives', async () => {
    const id = await fulfil(21)
    const first = await cancel('cancel-21', { picking: picking(21) })
    assert.equal(first.externalRef, null, 'a cancellation creates nothing at the WMS')
    assert.deepEqual(first.details, { cancellation: { status: 'cancelled', cancelled: [id], already_cancelled: [] } })
    const retried = await cancel('cancel-21', { picking: picking(21) })
    assert.deepEqual(retried.details, first.details, 'the same request gets its first answer')
    const resent = await cancel('cancel-21-bis', { picking: picking(21) })
    assert.deepEqual(resent.details, { cancellation: { status: 'already_cancelled', cancelled: [], already_cancelled: [id] } })
    assert.deepEqual(wms.cancellations.filter(c => c.fulfilment_id === id).map(c => c.request_id), ['cancel-21'], 'cancelled exactly once')
    assert.deepEqual(wms.duplicateCancellations.filter(d => d.fulfilment_ids.includes(id)).map(d => d.cause), ['repeated_request', 'already_cancelled'])
    assert.ok(wms.requests.every(r => r.signature_ok === true), 'signed like a fulfilment, with the event id as webhook-id')
  })

  it('treats a picking the WMS never had as nothing left to cancel', async () => {
    const answer = await cancel('cancel-99', { picking: picking(99) })
    assert.deepEqual(answer.details, { cancellation: { status: 'not_found', cancelled: [], already_cancelled: [] } })
  })

  it('cancels every fulfilment of an order with one request, and a cancelled order is never picked', async () => {
    const ids = [await fulfil(31, 'S00077'), await fulfil(32, 'S00077')]
    const other = await fulfil(33, 'S00078')
    const answer = await adapter.deliver(envelope('cancel-S00077', 'fulfilment.cancel', { order: { id: 77, name: 'S00077' } }, 'sale.order'), wmsConnector, context())
    assert.deepEqual(answer.details, { cancellation: { status: 'cancelled', cancelled: ids, already_cancelled: [] } })
    assert.equal(wms.fulfilments.get(other)!.cancelled_at, undefined, 'another order is untouched')
    await wms.advance(ids[0]!, ['PICKED', 'PACKED'])
    assert.deepEqual(wms.fulfilments.get(ids[0]!)!.stages, [])
  })

  it('refuses permanently, naming the connector and the reason, to cancel a shipped fulfilment, and cancels nothing', async () => {
    const id = await fulfil(41)
    await wms.advance(id, ['PICKED', 'PACKED', 'SHIPPED'])
    const before = wms.cancellations.length
    const err = await failure(async () => await cancel('cancel-41', { picking: picking(41) }))
    assert.ok(err instanceof PermanentError, String(err))
    assert.match(err.message, /wms-main/)
    assert.match(err.message, /HTTP 409 \(ALREADY_SHIPPED: fulfilment FUL-\d+ \(stock\.picking\/41\) has shipped/)
    assert.equal(wms.cancellations.length, before)
  })

  it('retries an outage with the same key: the retry cancels, once', async () => {
    const id = await fulfil(51)
    wms.faults.set({ failNext: 1, failStatus: 503 })
    const err = await failure(async () => await cancel('cancel-51', { picking: picking(51) }))
    assert.ok(err instanceof RetryableError, String(err))
    wms.faults.set({ rateLimitNext: 1, retryAfterSeconds: 4 })
    const limited = await failure(async () => await cancel('cancel-51', { picking: picking(51) }))
    assert.ok(limited instanceof RetryableError && limited.retryAfterSeconds === 4, String(limited))
    await cancel('cancel-51', { picking: picking(51) })
    assert.deepEqual(wms.cancellations.filter(c => c.fulfilment_id === id).length, 1)
  })

  it('refuses a wrong signature (a secret to fix), permanently', async () => {
    const err = await failure(async () => await adapter.deliver(envelope('cancel-61', 'fulfilment.cancel', { picking: picking(61) }), { ...wmsConnector, secret: newSecret() }, context()))
    assert.ok(err instanceof PermanentError)
    assert.match(err.message, /BAD_SIGNATURE/)
  })
})

for (const dialect of ['parcelfast', 'swiftpost'] as DialectName[]) {
  describe(`shipment.void at the ${dialect} simulator`, () => {
    const sim = new CarrierSimulator({ dialect, apiKey: 'k-void' })
    const adapter = adapterFor(dialect)!
    let carrier: Connector

    before(async () => { carrier = connector(dialect, await sim.start(), 'k-void') })
    after(async () => { await sim.stop() })

    /** books the picking through the connector, as a routed picking.ready does, and returns its shipment data */
    async function book (id: number): Promise<{ tracking_number: string, carrier: string }> {
      const result = await adapter.deliver(envelope(`ready-${id}`, 'picking.ready', { picking: picking(id) }), carrier, context())
      const shipment = (result.details as { shipment: { tracking_number: string, carrier: string } }).shipment
      return { tracking_number: shipment.tracking_number, carrier: shipment.carrier }
    }
    const voidEvent = (eventId: string, id: number, shipment: Record<string, unknown>) =>
      envelope(eventId, 'shipment.void', { picking: picking(id), shipment: { service: null, status: 'label_created', ...shipment } })

    it('voids the label once, however often the same event or a re-send arrives', async () => {
      const shipment = await book(71)
      assert.equal(shipment.carrier, carrier.code, 'a booking belongs to the carrier connector that booked it')
      const first = await adapter.deliver(voidEvent('void-71', 71, shipment), carrier, context())
      assert.equal(first.externalRef, null)
      assert.deepEqual(first.details, { void: { carrier: carrier.code, tracking_number: shipment.tracking_number } })
      assert.deepEqual((await adapter.deliver(voidEvent('void-71', 71, shipment), carrier, context())).details, first.details)
      assert.deepEqual((await adapter.deliver(voidEvent('void-71-bis', 71, shipment), carrier, context())).details, first.details)
      assert.deepEqual(sim.voids.filter(v => v.tracking === shipment.tracking_number), [{ tracking: shipment.tracking_number, idempotency_key: 'void-71' }])
      assert.deepEqual(sim.duplicateVoids.filter(v => v.tracking === shipment.tracking_number).map(v => v.cause), ['repeated_request', 'already_voided'])
    })

    it('books a new label for the same picking after a void', async () => {
      const voided = await book(72)
      await adapter.deliver(voidEvent('void-72', 72, voided), carrier, context())
      const again = await adapter.deliver(envelope('ready-72-again', 'picking.ready', { picking: picking(72) }), carrier, context())
      assert.notEqual(again.externalRef, voided.tracking_number)
    })

    it('refuses permanently to void a parcel the carrier already picked up, naming the connector and the reason', async () => {
      const shipment = await book(73)
      await sim.track(shipment.tracking_number, ['label', 'picked_up'])
      const err = await failure(async () => await adapter.deliver(voidEvent('void-73', 73, shipment), carrier, context()))
      assert.ok(err instanceof PermanentError, String(err))
      assert.match(err.message, new RegExp(`${carrier.code}.*HTTP 409 \\(${sim.dialect.voidRefusal}: ${shipment.tracking_number} is picked_up`))
      assert.equal(sim.shipments.get(shipment.tracking_number)!.voided_at, undefined)
    })

    it('refuses permanently a label the carrier does not know', async () => {
      const err = await failure(async () => await adapter.deliver(voidEvent('void-74', 74, { tracking_number: 'NOPE-1', carrier: carrier.code }), carrier, context()))
      assert.ok(err instanceof PermanentError)
      assert.match(err.message, /HTTP 404/)
    })

    it('retries an outage, and the retry with the same key voids once', async () => {
      const shipment = await book(75)
      sim.faults.set({ failNext: 1, failStatus: 502 })
      assert.ok(await failure(async () => await adapter.deliver(voidEvent('void-75', 75, shipment), carrier, context())) instanceof RetryableError)
      await adapter.deliver(voidEvent('void-75', 75, shipment), carrier, context())
      assert.equal(sim.voids.filter(v => v.tracking === shipment.tracking_number).length, 1)
    })

    it('does not call the carrier for a label of another connector or an event without a tracking number', async () => {
      const calls = sim.requests.length
      const foreign = await failure(async () => await adapter.deliver(voidEvent('void-76', 76, { tracking_number: 'PF1', carrier: 'other-carrier' }), carrier, context()))
      assert.ok(foreign instanceof PermanentError)
      assert.match(foreign.message, /booked with carrier connector other-carrier, not/)
      assert.throws(() => toVoidRequest(voidEvent('void-77', 77, { tracking_number: null, carrier: null }), carrier.code), /no tracking number/)
      assert.equal(sim.requests.length, calls)
    })
  })
}

describe('compensation events through the relay (outbox -> adapter -> write-back)', () => {
  let db: TestDatabase
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const secret = newSecret()
  const wms = new WmsSimulator({ secret })
  const carrier = new CarrierSimulator({ dialect: 'parcelfast', apiKey: 'k-relay' })

  before(async () => {
    db = await createTestDatabase()
    sidecar = await startSidecar(db.url, { HUB_WORKER_POLL_SECONDS: '0.5' })
    await Promise.all([wms.start(), carrier.start()])
  })
  after(async () => { await Promise.all([wms.stop(), carrier.stop()]); await sidecar.stop(); await db.drop() })

  const eventState = async (id: number): Promise<string> => (await db.pool.query('SELECT state FROM hub_event WHERE id = $1', [id])).rows[0].state

  it('delivers fulfilment.cancel after an outage with the event uuid as the WMS request id, cancelling once', async () => {
    const c = await insertConnector(db.pool, { adapter: 'wms', kind: 'wms', base_url: wms.url, secret, max_attempts: 5 })
    const fulfilment = (await adapterFor('wms')!.deliver(envelope('ready-81', 'picking.ready', { picking: picking(81) }), connector('wms', wms.url, secret), context())).externalRef
    wms.faults.set({ failNext: 1, failStatus: 500 })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_model: 'stock.picking', res_id: 81, event_type: 'fulfilment.cancel', payload: { picking: picking(81) } })
    await waitFor('delivered', async () => await eventState(e.id) === 'delivered', 30_000)
    assert.deepEqual(wms.requests.filter(r => r.request_id === e.uuid).map(r => r.status), [500, 200])
    assert.deepEqual(wms.cancellations.map(k => [k.fulfilment_id, k.request_id]), [[fulfilment, e.uuid]])
    await waitFor('write-back', async () => (await writebackResults(db.pool)).some(r => r.event_uuid === e.uuid && r.status === 'sent'))
    const sent = (await writebackResults(db.pool)).find(r => r.event_uuid === e.uuid && r.status === 'sent')!
    assert.deepEqual(sent.details, { cancellation: { status: 'cancelled', cancelled: [fulfilment], already_cancelled: [] } })
  })

  it('dead-letters a cancellation the WMS refuses for good, with its reason for Odoo', async () => {
    const c = await insertConnector(db.pool, { adapter: 'wms', kind: 'wms', base_url: wms.url, secret, max_attempts: 5 })
    const id = (await adapterFor('wms')!.deliver(envelope('ready-82', 'picking.ready', { picking: picking(82) }), connector('wms', wms.url, secret), context())).externalRef!
    await wms.advance(id, ['SHIPPED'])
    const e = await insertEvent(db.pool, { connector_id: c.id, res_model: 'stock.picking', res_id: 82, event_type: 'fulfilment.cancel', payload: { picking: picking(82) } })
    await waitFor('dead', async () => await eventState(e.id) === 'dead', 30_000)
    await waitFor('dead write-back', async () => (await writebackResults(db.pool)).some(r => r.event_uuid === e.uuid && r.status === 'dead'))
    const dead = (await writebackResults(db.pool)).find(r => r.event_uuid === e.uuid && r.status === 'dead')!
    assert.match(dead.error ?? '', /ALREADY_SHIPPED/)
    assert.equal(wms.requests.filter(r => r.request_id === e.uuid).length, 1, 'a refusal is not retried')
  })

  it('delivers shipment.void to the carrier connector with the event uuid as Idempotency-Key', async () => {
    const c = await insertConnector(db.pool, { adapter: 'parcelfast', kind: 'carrier', base_url: carrier.url, secret: 'k-relay', max_attempts: 5 })
    const booked = await adapterFor('parcelfast')!.deliver(envelope('ready-83', 'picking.ready', { picking: picking(83) }), connector('parcelfast', carrier.url, 'k-relay', c.code), context())
    const tracking = booked.externalRef!
    const e = await insertEvent(db.pool, {
      connector_id: c.id, res_model: 'stock.picking', res_id: 83, event_type: 'shipment.void',
      payload: { picking: picking(83), shipment: { carrier: c.code, tracking_number: tracking, status: 'label_created' } }
    })
    await waitFor('delivered', async () => await eventState(e.id) === 'delivered', 30_000)
    assert.deepEqual(carrier.voids, [{ tracking, idempotency_key: e.uuid }])
  })
})
