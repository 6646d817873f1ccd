import { setTimeout as sleep } from 'node:timers/promises'
import type PgBoss from 'pg-boss'
import { type PartnerAnswer, collectPartnerAnswers } from '../adapters/partner-answers.ts'
import { consumesEvent } from '../adapters/manifest.ts'
import { CARRIER_ADAPTERS, adapterFor, carrierAdapterFor, manifestFor } from '../adapters/registry.ts'
import type { Connector, DeliveryContext, DeliveryResult } from '../adapters/types.ts'
import { activeConnectorsByAdapters, connectorsByIds, routeCarrierRule } from '../db/connector-plans.ts'
import { getOutboundEvents, markFinished, notifyRelay } from '../db/outbox-plans.ts'
import type { JobQueue } from '../db/job-queue.ts'
import { type Pool, withTransaction } from '../db/pool.ts'
import { PermanentError, RetryableError, errorMessage } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'
import { maskSecrets } from '../observability/mask.ts'
import type { Metrics } from '../observability/metrics.ts'
import { type DeliverJob, type DeliveryAttempt, QUEUES, type WritebackResult } from '../queues.ts'
import type { BreakerRegistry } from '../shipping/breakers.ts'
import type { CarrierRule } from '../adapters/carrier/types.ts'
import { describeAttempt } from './attempt-report.ts'
import { type OutboundEventRow, toEnvelope } from './envelope.ts'
import type { RateLimiter } from '../rate-limiter.ts'
import { writebackJobs, writebackResult } from './writeback-results.ts'

export interface DeliverDeps { pool: Pool, jobs: JobQueue, logger: Logger, metrics: Metrics, rateLimiter: RateLimiter, breakers: BreakerRegistry }

type Job = PgBoss.JobWithMetadata<DeliverJob>

/** `delivery`: the attempt as Odoo shows it (partner status, answer excerpt, duration) */
type Outcome =
  | { kind: 'skipped', job: Job }
  | { kind: 'delivered', job: Job, event: OutboundEventRow, result: DeliveryResult, delivery: DeliveryAttempt }
  /** retryable; `final` when this was the last attempt (pg-boss then dead-letters it) */
  | { kind: 'failed', job: Job, event: OutboundEventRow, reason: string, final: boolean, delivery: DeliveryAttempt }
  | { kind: 'rejected', job: Job, reason: string, delivery: DeliveryAttempt }

/**
 * Delivers a fetched batch of queued outbox events, partner calls running concurrently (events of one
 * record are never in the same batch: the relay queues one per lane). Every outcome of the batch is then
 * recorded in ONE transaction, together with the completion or failure of its job:
 * - delivered: event closed, a `sent` result for Odoo, job completed, relay woken if a lane has a
 *   next event;
 * - retryable failure: the job failed, so pg-boss retries it with the connector's backoff, and a
 *   `failed` result for Odoo carrying when that retry is due; or on the last attempt pg-boss moves it
 *   to the dead-letter queue (same statement), with the attempt's description in its output;
 * - permanent failure (partner said no, or misconfiguration): dead-letter job queued, job completed.
 * The batch's results for Odoo go into one write-back job. Every result and dead-letter job describes
 * its attempt (`delivery`: partner status, answer excerpt, duration, attempt count), which Odoo keeps
 * as one hub.event.attempt per attempt.
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
  const answers: PartnerAnswer[] = []
  const clock = { started: new Date(), ms: 0 }
  const secrets = [connector?.secret, connector?.previous_secret]
  const delivery = () => describeAttempt(answers, clock.started, clock.ms, job.retryLimit + 1, secrets)
  try {
    const result = await collectPartnerAnswers(answers, async () => await callPartner(deps, connector, event, jobLogger, clock))
    stopTimer()
    deps.metrics.deliveries.inc({ connector: label, outcome: 'delivered' })
    return { kind: 'delivered', job, event, result, delivery: delivery() }
  } catch (err) {
    stopTimer()
    // adapters quote the partner's answer in their errors, and the reason reaches Odoo and the logs
    const reason = maskSecrets(errorMessage(err), secrets)
    if (err instanceof RetryableError) {
      if (err.retryAfterSeconds && connector) deps.rateLimiter.pause(connector.code, Math.min(err.retryAfterSeconds, 3600))
      const final = number > job.retryLimit
      deps.metrics.deliveries.inc({ connector: label, outcome: final ? 'exhausted' : 'retry' })
      jobLogger().warn({ connector: label, err: reason, retry_limit: job.retryLimit }, final ? 'delivery failed; attempts exhausted' : 'delivery failed; will retry')
      return { kind: 'failed', job, event, reason, final, delivery: delivery() }
    }
    deps.metrics.deliveries.inc({ connector: label, outcome: 'rejected' })
    jobLogger().error({ connector: label, err: reason }, 'delivery rejected permanently; dead-lettering')
    return { kind: 'rejected', job, reason, delivery: delivery() }
  }
}

async function recordOutcomes ({ pool, jobs, logger }: DeliverDeps, outcomes: Outcome[]): Promise<void> {
  const delivered = outcomes.filter(o => o.kind === 'delivered')
  const rejected = outcomes.filter(o => o.kind === 'rejected')
  const failed = outcomes.filter(o => o.kind === 'failed')
  const done = outcomes.filter(o => o.kind !== 'failed').map(o => o.job.id)
  await withTransaction(pool, async client => {
    const results: WritebackResult[] = []
    if (delivered.length) {
      const { rows } = await client.query<{ lane_has_next: boolean }>(markFinished(delivered.map(o => o.event.id), 'delivered'))
      results.push(...delivered.map(o => writebackResult(o.event, 'sent', o.job.retryCount + 1, null, o.result.externalRef, o.result.details, o.delivery)))
      if (rows.some(r => r.lane_has_next)) await client.query(notifyRelay())
    }
    await jobs.insert(client, rejected.map(o => ({ name: QUEUES.deliverDead, data: { ...o.job.data, error: o.reason, attempt: o.job.retryCount + 1, delivery: o.delivery } })))
    await jobs.complete(client, QUEUES.deliver, done)
    for (const o of failed) {
      // the output carries the attempt to the dead-letter job when this was the last one
      await jobs.fail(client, QUEUES.deliver, [o.job.id], o.reason, { delivery: o.delivery })
      if (o.final) continue // reported by the dead-letter consumer, with the final reason
      // pg-boss draws the backoff when failing the job: read back when it is due, in this transaction
      const next = await jobs.nextRetryAt(client, QUEUES.deliver, o.job.id)
      results.push(writebackResult(o.event, 'failed', o.job.retryCount + 1, o.reason, null, undefined, { ...o.delivery, next_retry_at: next?.toISOString() ?? null }))
    }
    await jobs.insert(client, writebackJobs(results))
  })
  // once recorded, one line for the batch's successes (failures were logged one by one)
  if (delivered.length) {
    logger.info({ correlation_ids: delivered.map(o => o.event.correlation_id), event_ids: delivered.map(o => o.event.uuid), external_refs: delivered.map(o => o.result.externalRef) }, 'event delivered')
  }
}

/** `clock` times the partner call itself, not the wait for the connector's rate limit. */
async function callPartner (deps: DeliverDeps, connector: Connector | undefined, event: OutboundEventRow, logger: () => Logger,
  clock: { started: Date, ms: number }): Promise<DeliveryResult> {
  if (!connector) throw new PermanentError(`connector ${event.connector_id} no longer exists`)
  if (!connector.active) throw new PermanentError(`connector ${connector.code} is archived`)
  const adapter = adapterFor(connector.adapter)
  if (!adapter) throw new PermanentError(`connector ${connector.code} uses unknown adapter ${connector.adapter}`)
  // e.g. a carrier routed `shipment.delivered` would otherwise book a second label for a delivered parcel
  if (!consumesEvent(manifestFor(connector.adapter)!, event.event_type)) {
    throw new PermanentError(`connector ${connector.code} (${connector.adapter}) does not take ${event.event_type} events: remove that route in Odoo`)
  }
  const waitMs = deps.rateLimiter.reserve(connector.code, connector.rate_limit)
  if (waitMs > 0) {
    logger().debug({ connector: connector.code, wait_ms: waitMs }, 'rate limited; waiting')
    await sleep(waitMs)
  }
  clock.started = new Date()
  try {
    return await adapter.deliver(toEnvelope(event), connector, deliveryContext(deps, connector, event))
  } finally {
    clock.ms = Date.now() - clock.started.getTime()
  }
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
