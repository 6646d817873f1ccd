import type PgBoss from 'pg-boss'
import type { JobQueue } from '../db/job-queue.ts'
import type { Pool } from '../db/pool.ts'
import { errorMessage } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'
import type { OdooClient } from '../odoo/rpc.ts'
import { type ParkedJob, QUEUES } from '../queues.ts'

export interface ReportParkedDeps { pool: Pool, jobs: JobQueue, odoo: OdooClient, logger: Logger }

interface ParkOutcome { index: number, outcome: string, exception?: string }

/**
 * Makes parked items visible where people work: each becomes a `hub.exception` in Odoo holding the
 * item, with "Apply again" (hub.exception.hub_park, idempotent per key). Until Odoo has taken them
 * the jobs stay in `hub-odoo-rejected` and are retried, whatever the error: this is the last stop of
 * an item that was accepted, so it is never dropped (the self-check counts what waits here).
 */
export async function reportParked ({ pool, jobs, odoo, logger }: ReportParkedDeps, batch: Array<PgBoss.JobWithMetadata<ParkedJob>>): Promise<void> {
  const ids = batch.map(j => j.id)
  try {
    const outcomes = await odoo.executeKw<ParkOutcome[]>('hub.exception', 'hub_park', [batch.map(j => j.data)])
    for (const o of outcomes) {
      const item = batch[o.index]?.data
      logger.warn({ correlation_id: item?.correlation_id, kind: item?.kind, key: item?.key, exception: o.exception }, 'parked item reported to Odoo')
    }
  } catch (err) {
    logger.error({ err: errorMessage(err), jobs: ids.length }, 'parked items could not be reported to Odoo; will retry')
    await jobs.fail(pool, QUEUES.odooRejected, ids, errorMessage(err))
    return
  }
  await jobs.complete(pool, QUEUES.odooRejected, ids)
}
