import type PgBoss from 'pg-boss'
import { Gauge } from 'prom-client'
import { countByState } from '../db/outbox-plans.ts'
import type { Pool } from '../db/pool.ts'
import { QUEUES } from '../queues.ts'
import type { Metrics } from './metrics.ts'

/**
 * Backlog gauges, read from the database at scrape time (so every replica reports the shared truth):
 * jobs waiting per queue, and outbox events per state — `dead` is the dead-letter backlog a person owns.
 */
export function registerQueueGauges ({ registry }: Metrics, { boss, pool }: { boss: PgBoss, pool: Pool }): void {
  new Gauge({
    name: 'hub_queue_depth', help: 'Jobs waiting (created or retry) per queue', labelNames: ['queue'], registers: [registry],
    async collect () {
      for (const queue of [QUEUES.deliver, QUEUES.writeback, QUEUES.writebackLegacy, QUEUES.inbound, QUEUES.odooRejected, QUEUES.processTimer]) {
        this.set({ queue }, await boss.getQueueSize(queue).catch(() => Number.NaN))
      }
    }
  })
  new Gauge({
    name: 'hub_outbox_events', help: 'Outbound outbox events per state (dead = dead-letter backlog; held = kept back by a failed business process until a person releases or discards them)', labelNames: ['state'], registers: [registry],
    async collect () {
      this.reset()
      const { rows } = await pool.query<{ state: string, count: number }>(countByState()).catch(() => ({ rows: [] }))
      for (const state of ['pending', 'held', 'queued', 'delivered', 'dead']) this.set({ state }, rows.find(r => r.state === state)?.count ?? 0)
    }
  })
}
