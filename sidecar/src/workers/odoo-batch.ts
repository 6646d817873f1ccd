import type PgBoss from 'pg-boss'
import { OdooRpcError } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'
import { QUEUES } from '../queues.ts'

/**
 * Runs one batched Odoo call for a batch of jobs. While Odoo is unreachable the error propagates and
 * pg-boss retries the whole batch later (the Odoo methods are idempotent, so a partly applied batch is
 * safe to repeat). When Odoo rejects the call itself (access, validation), repeating it cannot help:
 * the jobs are parked in the `hub-odoo-rejected` queue with the reason, for a person to look at.
 */
/**
 * pg-boss returns a fetched batch in no particular order (UPDATE ... RETURNING); Odoo should see items
 * in the order they arrived, e.g. a pick confirmation before the pack confirmation that followed it.
 */
function inArrivalOrder<T> (jobs: Array<PgBoss.JobWithMetadata<T>>): Array<PgBoss.JobWithMetadata<T>> {
  return [...jobs].sort((a, b) => new Date(a.createdOn).getTime() - new Date(b.createdOn).getTime())
}

export async function callOdooForBatch<T> (boss: PgBoss, logger: Logger, kind: string, jobs: Array<PgBoss.JobWithMetadata<T>>,
  call: (items: T[]) => Promise<void>): Promise<void> {
  try {
    await call(inArrivalOrder(jobs).map(j => j.data))
  } catch (err) {
    if (!(err instanceof OdooRpcError)) throw err
    logger.error({ kind, odoo_error: err.odooErrorName, err: err.message, jobs: jobs.length }, 'Odoo rejected a batch; parking it')
    await boss.insert(jobs.map(j => ({ name: QUEUES.odooRejected, data: { kind, item: j.data, error: err.message } })))
  }
}
