import { setTimeout as sleep } from 'node:timers/promises'
import type PgBoss from 'pg-boss'
import { CARRIER_ADAPTERS, adapterFor, carrierAdapterFor } from '../adapters/registry.ts'
import type { Connector, DeliveryContext } from '../adapters/types.ts'
import { activeConnectorsByAdapters, connectorsByIds, routeCarrierRule } from '../db/connector-plans.ts'
import { getOutboundEvent, markFinished, notifyRelay } from '../db/outbox-plans.ts'
import { type Pool, bossDb, withTransaction } from '../db/pool.ts'
import { PermanentError, RetryableError, errorMessage } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import { type DeliverJob, QUEUES, type WritebackJob } from '../queues.ts'
import { type OutboundEventRow, toEnvelope } from './envelope.ts'
import type { BreakerRegistry } from '../shipping/breakers.ts'
import type { CarrierRule } from '../shipping/rate-shop.ts'
import type { RateLimiter } from './rate-limiter.ts'

export interface DeliverDeps { pool: Pool, boss: PgBoss, logger: Logger, metrics: Metrics, rateLimiter: RateLimiter, breakers: BreakerRegistry }

/**
 * Delivers one queued outbox event to its connector's partner.
 * - success: the event is closed and a `sent` write-back is queued in one transaction, then the relay is
 *   woken so the next event of the same record can go;
 * - retryable failure: a `failed` write-back is queued and the error is rethrown so pg-boss retries it
 *   (with the connector's backoff) and, when attempts run out, moves it to the dead-letter queue;
 * - permanent failure: the job goes straight to the dead-letter queue.
 * A redelivered job whose event is already closed does nothing (a crash between the partner call and
 * the job completion can resend; partners dedupe on the event id).
 */
export async function deliverJob (deps: DeliverDeps, job: PgBoss.JobWithMetadata<DeliverJob>): Promise<void> {
  const { pool, boss, metrics } = deps
  const attempt = job.retryCount + 1
  const logger = deps.logger.child({ correlation_id: job.data.correlation_id, event_id: job.data.event_uuid, attempt })
  const { rows: [event] } = await pool.query<OutboundEventRow>(getOutboundEvent(job.data.event_id))
  if (!event || event.state !== 'queued') {
    logger.info({ state: event?.state ?? 'missing' }, 'event already closed; skipping redelivered job')
    return
  }
  const { rows: [connector] } = await pool.query<Connector>(connectorsByIds([event.connector_id]))
  const label = connector?.code ?? String(event.connector_id)
  const stopTimer = metrics.deliveryDuration.startTimer({ connector: label })
  try {
    const result = await callPartner(deps, connector, event, logger)
    stopTimer()
    await withTransaction(pool, async client => {
      await client.query(markFinished(event.id, 'delivered'))
      await boss.send(QUEUES.writeback, writeback(event, 'sent', attempt, null, result.externalRef, result.details), { db: bossDb(client) })
      await client.query(notifyRelay())
    })
    metrics.deliveries.inc({ connector: label, outcome: 'delivered' })
    logger.info({ connector: label, external_ref: result.externalRef }, 'event delivered')
  } catch (err) {
    stopTimer()
    const reason = errorMessage(err)
    if (err instanceof RetryableError && attempt <= job.retryLimit) {
      metrics.deliveries.inc({ connector: label, outcome: 'retry' })
      logger.warn({ connector: label, err: reason, retry_limit: job.retryLimit }, 'delivery failed; will retry')
      await boss.send(QUEUES.writeback, writeback(event, 'failed', attempt, reason, null))
      throw err
    }
    if (err instanceof RetryableError) throw err // last attempt: pg-boss moves it to the dead-letter queue
    metrics.deliveries.inc({ connector: label, outcome: 'rejected' })
    logger.error({ connector: label, err: reason }, 'delivery rejected permanently; dead-lettering')
    await boss.send(QUEUES.deliverDead, { ...job.data, error: reason, attempt })
  }
}

async function callPartner (deps: DeliverDeps, connector: Connector | undefined, event: OutboundEventRow, logger: Logger) {
  if (!connector) throw new PermanentError(`connector ${event.connector_id} no longer exists`)
  if (!connector.active) throw new PermanentError(`connector ${connector.code} is archived`)
  const adapter = adapterFor(connector.adapter)
  if (!adapter) throw new PermanentError(`connector ${connector.code} uses unknown adapter ${connector.adapter}`)
  const waitMs = deps.rateLimiter.reserve(connector.code, connector.rate_limit)
  if (waitMs > 0) {
    logger.debug({ connector: connector.code, wait_ms: waitMs }, 'rate limited; waiting')
    await sleep(waitMs)
  }
  return await adapter.deliver(toEnvelope(event), connector, deliveryContext(deps, connector, event))
}

function deliveryContext ({ pool, breakers }: DeliverDeps, connector: Connector, event: OutboundEventRow): DeliveryContext {
  return {
    breakers,
    async carriers () {
      const { rows } = await pool.query<Connector>(activeConnectorsByAdapters(CARRIER_ADAPTERS))
      return rows.map(c => ({ connector: c, adapter: carrierAdapterFor(c.adapter)! }))
    },
    async carrierRule () {
      const { rows: [row] } = await pool.query<{ carrier_rule: CarrierRule }>(routeCarrierRule(connector.id, event.event_type))
      return row?.carrier_rule ?? 'cheapest'
    }
  }
}

export function writeback (event: Pick<OutboundEventRow, 'uuid' | 'correlation_id'>, status: WritebackJob['status'],
  attempt: number, error: string | null, externalRef: string | null, details?: Record<string, unknown>): WritebackJob {
  return { event_uuid: event.uuid, status, attempt, error, external_ref: externalRef, details: details ?? null, at: new Date().toISOString(), correlation_id: event.correlation_id }
}
