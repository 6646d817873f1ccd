import type PgBoss from 'pg-boss'
import { markFinished, notifyRelay } from '../db/outbox-plans.ts'
import type { JobQueue } from '../db/job-queue.ts'
import { type Pool, withTransaction } from '../db/pool.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import { type DeliverJob, QUEUES } from '../queues.ts'
import { lastAttempt } from './attempt-report.ts'
import { writebackJobs, writebackResult } from './writeback-results.ts'

export interface DeadLetterDeps { pool: Pool, jobs: JobQueue, logger: Logger, metrics: Metrics }

/**
 * Consumes the delivery dead-letter queue. pg-boss writes the dead-letter job in the same statement that
 * fails the last attempt, so doing the bookkeeping here (rather than in the failing worker) survives a
 * crash at any point: the event is closed as `dead` (its record's later events may then flow), Odoo is
 * told, and the row stays in the outbox for replay. The job is completed in the same transaction, so a
 * crash before it commits leaves the job active to be retried, and after it nothing is left to do.
 * The job's `output` holds pg-boss's copy of the error and, when the delivery worker failed the last
 * attempt itself, its description (`delivery`), which the `dead` write-back carries to Odoo.
 */
export async function deadLetterJob ({ pool, jobs, logger, metrics }: DeadLetterDeps, job: PgBoss.JobWithMetadata<DeliverJob>): Promise<void> {
  const reason = job.data.error ?? outputMessage(job.output) ?? 'delivery attempts exhausted'
  const attempt = job.data.attempt ?? job.retryLimit + 1
  const closed = await withTransaction(pool, async client => {
    const { rows: [closed] } = await client.query<{ lane_has_next: boolean }>(markFinished([job.data.event_id], 'dead'))
    await jobs.complete(client, QUEUES.deliverDead, [job.id])
    if (!closed) return false
    // pg-boss copies the failed job's retry_limit to its dead-letter job: the connector's attempts - 1
    const delivery = lastAttempt(job.data.delivery, job.output, job.retryLimit + 1)
    const dead = writebackResult({ uuid: job.data.event_uuid, correlation_id: job.data.correlation_id }, 'dead', attempt, reason, null, undefined, delivery)
    await jobs.insert(client, writebackJobs([dead]))
    if (closed.lane_has_next) await client.query(notifyRelay())
    return true
  })
  if (closed) metrics.deadLettered.inc({ connector: String(job.data.connector_id) })
  logger.error({ correlation_id: job.data.correlation_id, event_id: job.data.event_uuid, reason, already_closed: !closed }, 'event dead-lettered')
}

/** pg-boss stores a thrown error as `{ message, ... }` and its own timeouts as `{ value: { message } }`. */
function outputMessage (output: unknown): string | undefined {
  const o = output as { message?: unknown, value?: { message?: unknown } } | null
  const message = o?.message ?? o?.value?.message
  return typeof message === 'string' ? message : undefined
}
