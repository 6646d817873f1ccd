import type { Connector } from '../adapters/types.ts'
import { connectorsByIds } from '../db/connector-plans.ts'
import { claimLaneHeads, markQueued, notifyDeliveryJobs, readyDeliveries, relayTransactionSettings } from '../db/outbox-plans.ts'
import type { JobQueue } from '../db/job-queue.ts'
import { type Pool, withTransaction } from '../db/pool.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import { type DeliverJob, QUEUES } from '../queues.ts'
import { deliveryJobOptions } from './job-options.ts'

export interface RelayDeps {
  pool: Pool, jobs: JobQueue, logger: Logger, metrics: Metrics, batchSize: number, minExpireSeconds: number
  /** most delivery jobs waiting to be fetched (HUB_RELAY_LOOKAHEAD); unset: no bound */
  lookahead?: { bossSchema: string, max: number }
}

interface ClaimedEvent { id: number, uuid: string, event_type: string, connector_id: number, correlation_id: string }

/**
 * Moves committed outbox rows into the delivery queue exactly once: the rows are locked (SKIP LOCKED,
 * so concurrent relays split the work), the jobs are inserted through the same connection and the rows
 * are marked `queued` in the same transaction. Either all of it commits or none of it does.
 *
 * It stays only `lookahead.max` jobs ahead of the deliveries: pg-boss's fetch orders every ready job of
 * the queue on each call, so a backlog moved into the queue at once (50,000 events after an outage)
 * would make every fetch slower the larger it is. The rest waits in the outbox, where claiming costs
 * the same however many wait; the delivery loops wake the relay as they free room.
 */
export async function relayBatch ({ pool, jobs: queue, logger, metrics, batchSize, minExpireSeconds, lookahead }: RelayDeps): Promise<number> {
  const moved = await withTransaction(pool, async client => {
    await client.query(relayTransactionSettings)
    let limit = batchSize
    if (lookahead) {
      const { rows: [ready] } = await client.query<{ n: number }>(readyDeliveries(lookahead.bossSchema, lookahead.max))
      limit = Math.min(batchSize, lookahead.max - ready!.n)
      if (limit <= 0) return []
    }
    const { rows } = await client.query<ClaimedEvent>(claimLaneHeads(limit))
    if (rows.length === 0) return []
    const connectors = await client.query<Connector>(connectorsByIds([...new Set(rows.map(r => r.connector_id))]))
    const byId = new Map(connectors.rows.map(c => [c.id, c]))
    const jobs = rows.map(e => {
      const connector = byId.get(e.connector_id)
      const data: DeliverJob = { event_id: e.id, event_uuid: e.uuid, connector_id: e.connector_id, correlation_id: e.correlation_id }
      // a deleted connector still gets a job: the worker dead-letters it with a reason a person can read
      return { name: QUEUES.deliver, data, ...(connector ? deliveryJobOptions(connector, minExpireSeconds) : { retryLimit: 0 }) }
    })
    // throws unless every job was stored: marking an event queued without its job would lose it
    await queue.insert(client, jobs)
    await client.query(markQueued(rows.map(r => r.id)))
    // delivered on commit, to every replica: theirs fetch these jobs too instead of waiting for a poll
    await client.query(notifyDeliveryJobs())
    return rows
  })
  // one line per batch: the correlation ids stay findable, without a log write per event
  if (moved.length) logger.info({ correlation_ids: moved.map(e => e.correlation_id), event_ids: moved.map(e => e.uuid) }, 'event relayed to delivery queue')
  metrics.eventsRelayed.inc(moved.length)
  return moved.length
}
