import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { QUEUES } from '../../sidecar/src/queues.ts'
import { rankRates } from '../../sidecar/src/adapters/rate-shop/shop.ts'
import { CarrierSimulator } from '../../sidecar/simulators/carrier/server.ts'
import { insertConnector, insertEvent, jobsIn, writebackResults } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

const picking = (id: number) => ({
  picking: { id, name: `WH/OUT/${String(id).padStart(5, '0')}`, weight: 3.2, partner: { name: 'Deco Addict', street: '77 Santa Barbara Rd', city: 'Pleasant Hill', zip: '94523', country_code: 'US' }, lines: [] }
})

describe('rate ranking', () => {
  const rates = [
    { carrier: 'a', service: 'A1', amount: 10, currency: 'EUR', transit_days: 3 },
    { carrier: 'a', service: 'A2', amount: 20, currency: 'EUR', transit_days: 1 },
    { carrier: 'b', service: 'B1', amount: 12, currency: 'EUR', transit_days: 1 }
  ]
  it('keeps the best rate per carrier, ordered by the rule', () => {
    assert.deepEqual(rankRates(rates, 'cheapest').map(r => r.service), ['A1', 'B1'])
    assert.deepEqual(rankRates(rates, 'fastest').map(r => r.service), ['B1', 'A2'])
  })
})

describe('rate shopping, booking and carrier failover', () => {
  let db: TestDatabase
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const parcelfast = new CarrierSimulator({ dialect: 'parcelfast', apiKey: 'pf-key' })
  const swiftpost = new CarrierSimulator({ dialect: 'swiftpost', apiKey: 'sp-key' })
  let shopId: number

  before(async () => {
    db = await createTestDatabase()
    sidecar = await startSidecar(db.url, { HUB_BREAKER_RESET_MS: '3000', HUB_BREAKER_VOLUME: '2' })
    await insertConnector(db.pool, { code: 'parcelfast', kind: 'carrier', adapter: 'parcelfast', base_url: await parcelfast.start(), secret: 'pf-key', timeout: 1 })
    await insertConnector(db.pool, { code: 'swiftpost', kind: 'carrier', adapter: 'swiftpost', base_url: await swiftpost.start(), secret: 'sp-key', timeout: 1 })
    shopId = (await insertConnector(db.pool, { code: 'shipping', kind: 'carrier', adapter: 'rate_shop', max_attempts: 20, retry_delay: 1, retry_backoff: false })).id
    await db.pool.query("INSERT INTO hub_route (connector_id, event_type, carrier_rule) VALUES ($1, 'picking.done', 'cheapest')", [shopId])
  })
  after(async () => { await sidecar.stop(); await parcelfast.stop(); await swiftpost.stop(); await db.drop() })

  const sent = async (uuid: string) => (await writebackResults(db.pool)).find(r => r.event_uuid === uuid && r.status === 'sent')
  const ship = async (id: number) => {
    const e = await insertEvent(db.pool, { connector_id: shopId, res_model: 'stock.picking', res_id: id, event_type: 'picking.done', payload: picking(id) })
    return await waitFor(`booking of picking ${id}`, () => sent(e.uuid), 30_000)
  }

  it('books the cheapest carrier and reports tracking number and PDF label to Odoo', async () => {
    const wb = await ship(1)
    const shipment = wb.details.shipment
    assert.equal(shipment.carrier, 'swiftpost', 'SwiftPost SP-48 (6.40) beats ParcelFast economy (7.90)')
    assert.equal(shipment.service, 'SP-48')
    assert.equal(shipment.amount, 6.4)
    assert.equal(shipment.rates_considered, 4)
    assert.equal(wb.external_ref, shipment.tracking_number)
    assert.match(Buffer.from(shipment.label_pdf_base64, 'base64').toString('latin1'), /^%PDF/)
    assert.equal(swiftpost.shipments.get(shipment.tracking_number)?.reference, 'WH/OUT/00001')
  })

  it('fails over to the next carrier when the best one is down, then stops calling it (circuit open)', async () => {
    swiftpost.faults.set({ failNext: 1000, failStatus: 503 })
    const first = await ship(2)
    assert.equal(first.details.shipment.carrier, 'parcelfast')
    const open = async () => /hub_circuit_open\{connector="swiftpost"\} 1/.test(await (await fetch(`${sidecar.url}/metrics`)).text())
    for (let id = 3; id < 8 && !await open(); id++) await ship(id)
    assert.ok(await open(), 'the circuit opened after repeated outages')
    const callsWhileOpen = swiftpost.requests.length
    const next = await ship(8)
    assert.equal(next.details.shipment.carrier, 'parcelfast')
    assert.equal(swiftpost.requests.length, callsWhileOpen, 'an open circuit is not called')
  })

  it('keeps the booking queued while every carrier is down and books when one returns', async () => {
    parcelfast.faults.set({ failNext: 1000, failStatus: 502 })
    const e = await insertEvent(db.pool, { connector_id: shopId, res_model: 'stock.picking', res_id: 9, event_type: 'picking.done', payload: picking(9) })
    await waitFor('failed attempts reported', async () => (await writebackResults(db.pool)).filter(r => r.event_uuid === e.uuid && r.status === 'failed').length >= 2, 30_000)
    const { rows: [row] } = await db.pool.query('SELECT state FROM hub_event WHERE id = $1', [e.id])
    assert.equal(row.state, 'queued', 'nothing lost, nothing dead: it waits')
    const failed = (await writebackResults(db.pool)).find(r => r.event_uuid === e.uuid && r.status === 'failed')
    assert.match(failed!.error ?? '', /no carrier could book WH\/OUT\/00009/)
    parcelfast.faults.reset()
    const wb = await waitFor('booked after recovery', () => sent(e.uuid), 30_000)
    assert.equal(wb.details.shipment.carrier, 'parcelfast')
  })

  it('dead-letters when every carrier rejects the address (a person must fix it)', async () => {
    swiftpost.faults.reset()
    const bad = picking(10)
    bad.picking.partner.zip = ''
    const e = await insertEvent(db.pool, { connector_id: shopId, res_model: 'stock.picking', res_id: 10, event_type: 'picking.done', payload: bad })
    const dead = await waitFor('dead write-back', async () => (await writebackResults(db.pool)).find(r => r.event_uuid === e.uuid && r.status === 'dead'), 30_000)
    assert.match(dead.error ?? '', /ADDRESS_INVALID/)
  })
})
