import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { PermanentError } from '../../sidecar/src/errors.ts'
import { fromWmsCallback, toFulfilmentRequest } from '../../sidecar/src/adapters/wms/mappers.ts'
import { InboundFormatError } from '../../sidecar/src/adapters/types.ts'
import { QUEUES } from '../../sidecar/src/queues.ts'
import { WmsSimulator } from '../../sidecar/simulators/wms/server.ts'
import { insertConnector, insertEvent, jobsIn, newSecret, writebackResults } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

const picking = {
  id: 12, name: 'WH/OUT/00012', origin: 'S00034', scheduled_date: '2026-11-24T08:00:00Z',
  partner: { name: 'Azure Interior', street: '4557 De Silva St', city: 'Fremont', zip: '94538', country_code: 'US' },
  lines: [{ move_id: 101, sku: 'FURN_7800', product: 'Desk Combination', quantity: 2, uom: 'Units' }]
}
const envelope = { id: 'evt-1', type: 'picking.ready', occurred_at: '2026-11-23T16:00:00Z', correlation_id: 'corr-w', source: { model: 'stock.picking', id: 12 }, data: { picking } }

describe('WMS adapter mappers', () => {
  it('maps a canonical picking to a fulfilment request', () => {
    assert.deepEqual(toFulfilmentRequest(envelope), {
      request_id: 'evt-1', client_reference: 'stock.picking/12', reference: 'WH/OUT/00012', order_reference: 'S00034',
      correlation_id: 'corr-w', requested_ship_date: '2026-11-24T08:00:00Z',
      ship_to: { name: 'Azure Interior', address1: '4557 De Silva St', city: 'Fremont', postcode: '94538', country: 'US' },
      items: [{ line_ref: '101', sku: 'FURN_7800', description: 'Desk Combination', quantity: 2, unit: 'Units' }]
    })
  })

  it('refuses events it does not handle and non-canonical payloads, permanently', () => {
    assert.throws(() => toFulfilmentRequest({ ...envelope, type: 'invoice.posted' }), PermanentError)
    assert.throws(() => toFulfilmentRequest({ ...envelope, data: { picking: { ...picking, lines: [] } } }), PermanentError)
  })

  it('maps each callback stage and rejects foreign shapes', () => {
    for (const [stage, type] of [['PICKED', 'fulfilment.picked'], ['PACKED', 'fulfilment.packed'], ['SHIPPED', 'fulfilment.shipped']]) {
      const msg = fromWmsCallback('m1', { event_type: stage, fulfilment_id: 'F1', client_reference: 'stock.picking/12', items: [] })
      assert.equal(msg.type, type)
      assert.equal(msg.data.picking_id, 12)
    }
    assert.throws(() => fromWmsCallback('m2', { event_type: 'LOST', fulfilment_id: 'F1', client_reference: 'stock.picking/12' }), InboundFormatError)
    assert.throws(() => fromWmsCallback('m3', null), InboundFormatError)
  })
})

describe('WMS round trip through the simulator', () => {
  let db: TestDatabase
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const secret = newSecret()
  const wms = new WmsSimulator({ secret, callbackSecret: secret, autoConfirm: true, confirmDelayMs: 20 })

  before(async () => {
    db = await createTestDatabase()
    sidecar = await startSidecar(db.url, { HUB_WORKER_POLL_SECONDS: '0.5' })
    await wms.start()
  })
  after(async () => { await wms.stop(); await sidecar.stop(); await db.drop() })

  it('sends the fulfilment request signed, survives 429/500, and stores each confirmation once despite duplicates and reordering', async () => {
    const c = await insertConnector(db.pool, { adapter: 'wms', kind: 'wms', base_url: wms.url, secret, max_attempts: 5 })
    wms.configure({ callbackUrl: `${sidecar.url}/hooks/${c.code}` })
    wms.faults.set({ rateLimitNext: 1, retryAfterSeconds: 0, failNext: 1, duplicateCallbacks: true, outOfOrderCallbacks: true })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_model: 'stock.picking', res_id: 12, event_type: 'picking.ready', correlation_id: 'corr-w', payload: { picking } })

    await waitFor('delivered', async () => (await db.pool.query('SELECT state FROM hub_event WHERE id = $1', [e.id])).rows[0].state === 'delivered', 30_000)
    assert.deepEqual(wms.requests.map(r => r.status), [429, 500, 201])
    assert.ok(wms.requests.every(r => r.signature_ok === true))
    assert.equal(wms.fulfilments.size, 1, 'retries did not create a second fulfilment')

    const sent = (await writebackResults(db.pool)).find(r => r.event_uuid === e.uuid && r.status === 'sent')
    assert.equal(sent!.external_ref, 'FUL-000001')

    await waitFor('both callbacks sent twice', () => wms.callbacks.filter(cb => cb.status === 202 || cb.status === 200).length === 4)
    assert.deepEqual(wms.callbacks.map(cb => `${cb.stage}:${cb.status}`), ['PACKED:202', 'PACKED:200', 'PICKED:202', 'PICKED:200'])
    const inbound = await jobsIn(db.pool, QUEUES.inbound)
    assert.deepEqual(inbound.map(j => j.data.message.type).sort(), ['fulfilment.packed', 'fulfilment.picked'])
    assert.ok(inbound.every(j => j.data.message.correlation_id === 'corr-w'), 'the correlation id survives the round trip')
  })
})
