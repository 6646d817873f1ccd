import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { carrierConnectorAdapter } from '../../sidecar/src/adapters/carrier/connector-adapter.ts'
import type { CarrierAdapter, ShipmentRequest } from '../../sidecar/src/adapters/carrier/types.ts'
import { parcelfast } from '../../sidecar/src/adapters/parcelfast/index.ts'
import { swiftpost } from '../../sidecar/src/adapters/swiftpost/index.ts'
import { type Connector, InboundFormatError } from '../../sidecar/src/adapters/types.ts'
import { PermanentError, RetryableError } from '../../sidecar/src/errors.ts'
import { CarrierSimulator } from '../../sidecar/simulators/carrier/server.ts'
import type { DialectName } from '../../sidecar/simulators/carrier/dialects.ts'

/** The same canonical fixtures through both carriers: different wire formats, identical canonical answers. */
const request: ShipmentRequest = {
  reference: 'WH/OUT/00042', correlation_id: 'corr-42', picking_id: 42,
  ship_to: { name: 'Azure Interior', street: '4557 De Silva St', city: 'Fremont', zip: '94538', country_code: 'US' },
  parcels: [{ weight_kg: 2.5 }]
}

const cases: Array<[CarrierAdapter, DialectName, { cheapest: [string, number], fastest: string }]> = [
  [parcelfast, 'parcelfast', { cheapest: ['PF_ECONOMY', 7.9], fastest: 'PF_EXPRESS' }],
  [swiftpost, 'swiftpost', { cheapest: ['SP-48', 6.4], fastest: 'SP-24' }]
]

for (const [adapter, dialect, expected] of cases) {
  describe(`carrier adapter contract: ${adapter.name}`, () => {
    const sim = new CarrierSimulator({ dialect, apiKey: 'k-123' })
    let connector: Connector

    before(async () => {
      connector = { id: 1, code: `${dialect}-main`, name: dialect, kind: 'carrier', adapter: adapter.name, base_url: await sim.start(), secret: 'k-123', previous_secret: null, active: true, timeout: 1, rate_limit: 0, max_attempts: 3, retry_delay: 0, retry_backoff: false, sync_mode: 'realtime', batch_interval: 15, rest_mapping: null }
    })
    after(async () => { await sim.stop() })

    it('rates in canonical form', async () => {
      const rates = await adapter.rate(request, connector)
      assert.equal(rates.length, 2)
      for (const r of rates) {
        assert.equal(r.carrier, connector.code)
        assert.equal(r.currency, 'EUR')
        assert.equal(typeof r.amount, 'number')
      }
      const cheapest = [...rates].sort((a, b) => a.amount - b.amount)[0]!
      assert.deepEqual([cheapest.service, cheapest.amount], expected.cheapest)
      assert.equal([...rates].sort((a, b) => a.transit_days - b.transit_days)[0]!.service, expected.fastest)
    })

    it('books with a PDF label, idempotently on the reference', async () => {
      const [rate] = await adapter.rate(request, connector)
      const booking = await adapter.book(request, rate!, connector)
      assert.match(Buffer.from(booking.label_pdf_base64, 'base64').toString('latin1'), /^%PDF-1\.4/)
      assert.ok(booking.tracking_number.length > 5)
      const again = await adapter.book(request, rate!, connector)
      assert.equal(again.tracking_number, booking.tracking_number)
      assert.equal(sim.shipments.size, 1)
    })

    it('normalises tracking (pull and webhook) to the canonical lifecycle with reasons and POD', async () => {
      const [tracking] = [...sim.shipments.keys()]
      const wire = await sim.track(tracking!, ['label', 'picked_up', 'delayed', 'exception', 'out_for_delivery', 'delivered'], { reason: 'LOST', pod: true })
      const pulled = await adapter.track(tracking!, connector)
      assert.deepEqual(pulled.map(e => e.status), ['label_created', 'picked_up', 'in_transit', 'exception', 'out_for_delivery', 'delivered'])
      assert.equal(pulled[3]!.reason, 'lost_parcel')
      assert.ok(pulled[2]!.reason, 'a delay carries its reason')
      assert.equal(pulled[5]!.pod?.signed_by, 'J. Peeters')
      assert.ok(pulled[5]!.pod?.signature_ref && pulled[5]!.pod?.photo_ref)
      const pushed = (await Promise.all(wire.map(w => adapter.parseTracking(w)))).flat()
      assert.deepEqual(pushed, pulled, 'a webhook and a pull of the same event are the same canonical event (same dedupe id)')
    })

    it('maps an unknown status code to exception/unknown_status', async () => {
      const [tracking] = [...sim.shipments.keys()]
      const [bogus] = await sim.track(tracking!, ['bogus'])
      const [event] = await adapter.parseTracking(bogus)
      assert.equal(event!.status, 'exception')
      assert.equal(event!.reason, 'unknown_status')
    })

    it('rejects malformed payloads and classifies failures', async () => {
      await assert.rejects(adapter.parseTracking({ nothing: true }), InboundFormatError)
      await assert.rejects(adapter.rate({ ...request, ship_to: { ...request.ship_to, zip: null } }, connector), (err: Error) => err instanceof PermanentError && /ADDRESS_INVALID/.test(err.message))
      sim.faults.set({ failNext: 1, failStatus: 503 })
      await assert.rejects(adapter.rate(request, connector), RetryableError)
      sim.faults.set({ timeoutNext: 1 })
      await assert.rejects(adapter.rate(request, connector), RetryableError)
      await assert.rejects(adapter.rate(request, { ...connector, secret: 'wrong' }), PermanentError)
    })

    // Every parcel starts here: booked, not scanned yet. The carrier answers 200 with no events.
    const bookFresh = async (reference: string) => {
      const [rate] = await adapter.rate(request, connector)
      return (await adapter.book({ ...request, reference }, rate!, connector)).tracking_number
    }

    it('tracks a parcel not scanned yet as an empty history, not as a malformed answer', async () => {
      const tracking = await bookFresh(`WH/OUT/empty-${dialect}`)
      assert.deepEqual(await adapter.track(tracking, connector), [])
      const wire = sim.dialect.trackAnswer(sim.shipments.get(tracking)!)
      assert.deepEqual(await adapter.parseTracking(wire), [], 'the same answer pushed is the same empty history')
      // a webhook is sent because something happened: one without an event is refused at the door
      await assert.rejects(async () => await carrierConnectorAdapter(adapter).parseInbound('wh-empty', wire), InboundFormatError)
      // a history that is not a list is not an empty one, and stays a format error whatever JSONata makes of it
      await assert.rejects(adapter.parseTracking({ ...(wire as object), events: null }), InboundFormatError)
    })

    it('tracks a single-event history (pull and webhook agree)', async () => {
      const tracking = await bookFresh(`WH/OUT/single-${dialect}`)
      const [wire] = await sim.track(tracking, ['picked_up'])
      const pulled = await adapter.track(tracking, connector)
      assert.deepEqual(pulled.map(e => [e.tracking_number, e.status]), [[tracking, 'picked_up']])
      assert.ok(pulled[0]!.id.startsWith(`${adapter.name}:${tracking}:`))
      assert.deepEqual(await adapter.parseTracking(wire), pulled)
      const message = await carrierConnectorAdapter(adapter).parseInbound('wh-single', wire)
      assert.deepEqual(message.data, { tracking_number: tracking, events: pulled })
    })
  })
}
