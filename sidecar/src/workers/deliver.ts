import { setTimeout as sleep } from 'node:timers/promises'
import type PgBoss from 'pg-boss'
import { CARRIER_ADAPTERS, adapterFor, carrierAdapterFor } from '../adapters/registry.ts'
import type { Connector, DeliveryContext, DeliveryResult } from '../adapters/types.ts'
import { activeConnectorsByAdapters, connectorsByIds, routeCarrierRule } from '../db/connector-plans.ts'
import { getOutboundEvents, markFinished, notifyRelay } from '../db/outbox-plans.ts'
import type { JobQueue } from '../db/job-queue.ts'
import { type Pool, withTransaction } from '../db/pool.ts'
import { PermanentError, RetryableError, errorMessage } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import { type DeliverJob, QUEUES, type WritebackJob } from '../queues.ts'
import type { BreakerRegistry } from '../shipping/breakers.ts'
import type { CarrierRule } from '../shipping/rate-shop.ts'
import { type OutboundEventRow, toEnvelope } from './envelope.ts'
import type { RateLimiter } from './rate-limiter.ts'

export interface DeliverDeps { pool: Pool, jobs: JobQueue, logger: Logger, metrics: Metrics, rateLimiter: RateLimiter, breakers: BreakerRegistry }

type Job = PgBoss.JobWithMetadata<DeliverJob>

type Outcome =
  | { kind: 'skipped', job: Job }
  | { kind: 'delivered', job: Job, event: OutboundEventRow, result: DeliveryResult }
  /** retryable; `final` when this was the last attempt (pg-boss then dead-letters it) */
  | { kind: 'failed', job: Job, event: OutboundEventRow, reason: string, final: boolean }
  | { kind: 'rejected', job: Job, reason: string }

/**
 * Delivers a fetched batch of queued outbox events, partner calls running concurrently (events of one
 * record are never in the same batch: the relay queues one per lane). Every outcome of the batch is then
 * recorded in ONE transaction, together with the completion or failure of its job:
 * - delivered: event closed, `sent` write-back queued, job completed, relay woken if a lane has a next
 *   event;
 * - retryable failure: `failed` write-back queued and the job failed, so pg-boss retries it with the
 *   connector's backoff, or on the last attempt moves it to the dead-letter queue (same statement);
 * - permanent failure (partner said no, or misconfiguration): dead-letter job queued, job completed.
 * Crash windows: before that commit nothing of the batch is recorded, the jobs stay active, expire
 * (HUB_DELIVERY_EXPIRE_SECONDS) and are delivered again (partners dedupe on the event id, which is the
 * webhook-id and Idempotency-Key); after it everything is. A redelivered job whose event is already
 * closed does nothing. A queued event without any live job (which only a bug or a hand-edited database
 * can produce) is found and requeued by the self-check (workers/self-check.ts).
 */
export async function deliverBatch (deps: DeliverDeps, jobs: Job[]): Promise<void> {
  const { pool } = deps
  const { rows: events } = await pool.query<OutboundEventRow>(getOutboundEvents(jobs.map(j => j.data.event_id)))
  const eventById = new Map(events.map(e => [e.id, e]))
  const { rows: connectors } = await pool.query<Connector>(connectorsByIds([...new Set(events.map(e => e.connector_id))]))
  const connectorById = new Map(connectors.map(c => [c.id, c]))
  const outcomes = await Promise.all(jobs.map(job => {
    const event = eventById.get(job.data.event_id)
    return attempt(deps, job, event, event && connectorById.get(event.connector_id))
  }))
  await recordOutcomes(deps, outcomes)
}

async function attempt (deps: DeliverDeps, job: Job, event: OutboundEventRow | undefined, connector: Connector | undefined): Promise<Outcome> {
  const number = job.retryCount + 1
  // a child logger only where a line is written for this one job (failures): successes share a batch line
  const jobLogger = () => deps.logger.child({ correlation_id: job.data.correlation_id, event_id: job.data.event_uuid, attempt: number })
  if (!event || event.state !== 'queued') {
    jobLogger().info({ state: event?.state ?? 'missing' }, 'event already closed; skipping redelivered job')
    return { kind: 'skipped', job }
  }
  const label = connector?.code ?? String(event.connector_id)
  const stopTimer = deps.metrics.deliveryDuration.startTimer({ connector: label })
  try {
    const result = await callPartner(deps, connector, event, jobLogger)
    stopTimer()
    deps.metrics.deliveries.inc({ connector: label, outcome: 'delivered' })
    return { kind: 'delivered', job, event, result }
  } catch (err) {
    stopTimer()
    const reason = errorMessage(err)
    if (err instanceof RetryableError) {
      if (err.retryAfterSeconds && connector) deps.rateLimiter.pause(connector.code, Math.min(err.retryAfterSeconds, 3600))
      const final = number > job.retryLimit
      deps.metrics.deliveries.inc({ connector: label, outcome: final ? 'exhausted' : 'retry' })
      jobLogger().warn({ connector: label, err: reason, retry_limit: job.retryLimit }, final ? 'delivery failed; attempts exhausted' : 'delivery failed; will retry')
      return { kind: 'failed', job, event, reason, final }
    }
    deps.metrics.deliveries.inc({ connector: label, outcome: 'rejected' })
    jobLogger().error({ connector: label, err: reason }, 'delivery rejected permanently; dead-lettering')
    return { kind: 'rejected', job, reason }
  }
}

async function recordOutcomes ({ pool, jobs, logger }: DeliverDeps, outcomes: Outcome[]): Promise<void> {
  const delivered = outcomes.filter(o => o.kind === 'delivered')
  const rejected = outcomes.filter(o => o.kind === 'rejected')
  const failed = outcomes.filter(o => o.kind === 'failed')
  const done = outcomes.filter(o => o.kind !== 'failed').map(o => o.job.id)
  await withTransaction(pool, async client => {
    if (delivered.length) {
      const { rows } = await client.query<{ lane_has_next: boolean }>(markFinished(delivered.map(o => o.event.id), 'delivered'))
      const sent = delivered.map(o => writeback(o.event, 'sent', o.job.retryCount + 1, null, o.result.externalRef, o.result.details))
      await jobs.insert(client, sent.map(data => ({ name: QUEUES.writeback, data })))
      if (rows.some(r => r.lane_has_next)) await client.query(notifyRelay())
    }
    await jobs.insert(client, rejected.map(o => ({ name: QUEUES.deliverDead, data: { ...o.job.data, error: o.reason, attempt: o.job.retryCount + 1 } })))
    await jobs.complete(client, QUEUES.deliver, done)
    // a last attempt's failure is reported by the dead-letter consumer, with the final reason
    await jobs.insert(client, failed.filter(o => !o.final).map(o => ({ name: QUEUES.writeback, data: writeback(o.event, 'failed', o.job.retryCount + 1, o.reason, null) })))
    for (const o of failed) await jobs.fail(client, QUEUES.deliver, [o.job.id], o.reason)
  })
  // once recorded, one line for the batch's successes (failures were logged one by one)
  if (delivered.length) {
    logger.info({ correlation_ids: delivered.map(o => o.event.correlation_id), event_ids: delivered.map(o => o.event.uuid), external_refs: delivered.map(o => o.result.externalRef) }, 'event delivered')
  }
}

async function callPartner (deps: DeliverDeps, connector: Connector | undefined, event: OutboundEventRow, logger: () => Logger) {
  if (!connector) throw new PermanentError(`connector ${event.connector_id} no longer exists`)
  if (!connector.active) throw new PermanentError(`connector ${connector.code} is archived`)
  const adapter = adapterFor(connector.adapter)
  if (!adapter) throw new PermanentError(`connector ${connector.code} uses unknown adapter ${connector.adapter}`)
  const waitMs = deps.rateLimiter.reserve(connector.code, connector.rate_limit)
  if (waitMs > 0) {
    logger().debug({ connector: connector.code, wait_ms: waitMs }, 'rate limited; waiting')
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
