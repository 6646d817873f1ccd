import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import type PgBoss from 'pg-boss'
import { connectorCarrierTracking } from '../../sidecar/src/gateway/live/carrier-tracking.ts'
import { InboundStore } from '../../sidecar/src/inbound/inbound-store.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { QUEUES } from '../../sidecar/src/queues.ts'
import { BreakerRegistry } from '../../sidecar/src/shipping/breakers.ts'
import { pollTracking } from '../../sidecar/src/workers/tracking-poll.ts'
import { CarrierSimulator } from '../../sidecar/simulators/carrier/server.ts'
import type { DialectName } from '../../sidecar/simulators/carrier/dialects.ts'
import { bookOnCarrier } from '../support/carrier.ts'
import { insertConnector, jobsIn } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startQueues } from '../support/queues.ts'

/**
 * Asking a carrier about its parcels (gateway live tracking, batch-mode polling) for the commonest case
 * of all: a label printed and not scanned yet, which the carrier answers with an empty history.
 */
for (const dialect of ['parcelfast', 'swiftpost'] as DialectName[]) {
  describe(`carrier tracking of unscanned and once-scanned parcels: ${dialect}`, () => {
    let db: TestDatabase
    let boss: PgBoss
    let inbound: InboundStore
    const sim = new CarrierSimulator({ dialect, apiKey: 'k-1' })
    const breakers = new BreakerRegistry({ errorThresholdPercentage: 50, volumeThreshold: 10, resetTimeoutMs: 10_000, rollingWindowMs: 10_000 })
    const warnings: string[] = []
    const logger = createLogger('warn', new Writable({ write (chunk, _enc, done) { warnings.push(String(chunk)); done() } }))
    const pickings: Record<'unscanned' | 'scanned', { id: number, tracking: string }> = { unscanned: { id: 0, tracking: '' }, scanned: { id: 0, tracking: '' } }

    before(async () => {
      db = await createTestDatabase()
      ;({ boss } = await startQueues(db.url))
      inbound = new InboundStore(db.pool, { bossSchema: 'pgboss', dedupeDays: 7 })
      await inbound.init()
      const base = await sim.start()
      const { id: connectorId } = await insertConnector(db.pool, { code: dialect, name: dialect, kind: 'carrier', adapter: dialect, base_url: base, secret: 'k-1', sync_mode: 'batch', batch_interval: 1 })
      for (const kind of ['unscanned', 'scanned'] as const) {
        const tracking = await bookOnCarrier(sim, 'k-1', `WH/OUT/${kind}`)
        const { rows: [row] } = await db.pool.query<{ id: number }>(
          "INSERT INTO stock_picking (name, hub_tracking_number, hub_shipment_status, hub_carrier_connector_id) VALUES ($1, $2, 'label_created', $3) RETURNING id",
          [`WH/OUT/${kind}`, tracking, connectorId])
        pickings[kind] = { id: row!.id, tracking }
      }
      await sim.track(pickings.scanned.tracking, ['picked_up'])
    })
    after(async () => { await boss.stop({ graceful: false }); await sim.stop(); await db.drop() })

    it('shows live tracking of a parcel the carrier has not scanned as label_created, not as a carrier failure', async () => {
      const [unscanned, scanned] = await connectorCarrierTracking({ pool: db.pool, timeoutMs: 2000, breakers }).track([pickings.unscanned.id, pickings.scanned.id])
      assert.ok(!(unscanned instanceof Error), `the carrier answered 200: ${String(unscanned)}`)
      assert.deepEqual(unscanned, { carrier: dialect, trackingNumber: pickings.unscanned.tracking, status: 'label_created', location: null, estimatedDelivery: null, updatedAt: null })
      assert.ok(scanned && !(scanned instanceof Error))
      assert.equal(scanned.status, 'picked_up')
      assert.ok(scanned.updatedAt && scanned.location)
    })

    it('polls both parcels without a failure: the unscanned one adds nothing, the scanned one its event', async () => {
      warnings.length = 0
      const stored = await pollTracking({ pool: db.pool, inbound, logger, breakers }, new Date())
      assert.deepEqual(warnings, [], 'no "tracking poll failed" for a carrier that answered')
      assert.equal(stored, 1)
      const jobs = await jobsIn(db.pool, QUEUES.inbound)
      assert.deepEqual(jobs.map(j => j.data.message.data.tracking_number), [pickings.scanned.tracking])
    })
  })
}
