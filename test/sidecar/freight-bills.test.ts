import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import type PgBoss from 'pg-boss'
import { InboundStore } from '../../sidecar/src/inbound/inbound-store.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { QUEUES } from '../../sidecar/src/queues.ts'
import { BreakerRegistry } from '../../sidecar/src/shipping/breakers.ts'
import { fetchFreightBills } from '../../sidecar/src/workers/freight-bills.ts'
import { CarrierSimulator } from '../../sidecar/simulators/carrier/server.ts'
import type { DialectName } from '../../sidecar/simulators/carrier/dialects.ts'
import { bookOnCarrier } from '../support/carrier.ts'
import { insertConnector, jobsIn } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startQueues } from '../support/queues.ts'

/**
 * Carriers' freight bills, fetched from each carrier's own billing API (two wire formats) and stored as
 * inbound `freight.bill` messages for Odoo to audit: canonical amounts, every line, each bill once.
 */
for (const dialect of ['parcelfast', 'swiftpost'] as DialectName[]) {
  describe(`freight bills of ${dialect}`, () => {
    let db: TestDatabase
    let boss: PgBoss
    let inbound: InboundStore
    const sim = new CarrierSimulator({ dialect, apiKey: 'k-1' })
    const breakers = new BreakerRegistry({ errorThresholdPercentage: 50, volumeThreshold: 10, resetTimeoutMs: 10_000, rollingWindowMs: 10_000 })
    const warnings: string[] = []
    const logger = createLogger('warn', new Writable({ write (chunk, _enc, done) { warnings.push(String(chunk)); done() } }))
    const deps = () => ({ pool: db.pool, inbound, logger, breakers })
    const tracking: string[] = []

    before(async () => {
      db = await createTestDatabase()
      ;({ boss } = await startQueues(db.url))
      inbound = new InboundStore(db.pool, { bossSchema: 'pgboss', dedupeDays: 7 })
      await inbound.init()
      const base = await sim.start()
      await insertConnector(db.pool, { code: dialect, name: dialect, kind: 'carrier', adapter: dialect, base_url: base, secret: 'k-1' })
      for (const reference of ['WH/OUT/1', 'WH/OUT/2']) tracking.push(await bookOnCarrier(sim, 'k-1', reference))
    })
    after(async () => { await boss.stop({ graceful: false }); await sim.stop(); await db.drop() })

    const stored = async () => (await jobsIn(db.pool, QUEUES.inbound)).map(j => j.data.message)

    it('stores each bill as one canonical freight.bill message, every line with its amount', async () => {
      assert.equal(await fetchFreightBills(deps()), 0, 'no bill issued yet')
      const bill = sim.issueFreightBill({ overcharge: { [tracking[1]!]: 19.99 }, unknown: { XX1: 3.5 } })
      assert.equal(await fetchFreightBills(deps()), 1)
      const [message] = await stored()
      const price = dialect === 'parcelfast' ? 7.9 : 6.4
      assert.deepEqual(message, {
        id: `bill:${bill.id}`, type: 'freight.bill', correlation_id: null,
        data: {
          bill_id: bill.id, issued_at: bill.issued_at, currency: 'EUR',
          lines: [
            { line_id: '1', tracking_number: tracking[0], amount: price },
            { line_id: '2', tracking_number: tracking[1], amount: 19.99 },
            { line_id: '3', tracking_number: 'XX1', amount: 3.5 }
          ]
        }
      })
      assert.deepEqual(warnings, [])
    })

    it('fetching again, or a later bill beside it, stores only what is new', async () => {
      assert.equal(await fetchFreightBills(deps()), 0, 'the same bill again is stored once')
      sim.issueFreightBill({ duplicate: [tracking[0]!] })
      assert.equal(await fetchFreightBills(deps()), 1)
      const messages = await stored()
      assert.equal(messages.length, 2)
      assert.deepEqual(messages[1]!.data.lines.map((l: { tracking_number: string }) => l.tracking_number), [tracking[0]], 'the duplicate line is passed on for Odoo to catch')
    })

    it('a carrier that fails is logged and retried at the next run, storing nothing', async () => {
      sim.issueFreightBill({ unknown: { XX2: 1 } })
      sim.faults.set({ failNext: 1 })
      assert.equal(await fetchFreightBills(deps()), 0)
      assert.ok(warnings.some(w => w.includes('freight bill fetch failed')), warnings.join('\n'))
      assert.equal(await fetchFreightBills(deps()), 1, 'the next run stores the bill')
    })
  })
}
