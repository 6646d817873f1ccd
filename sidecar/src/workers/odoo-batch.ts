import type PgBoss from 'pg-boss'
import type { JobQueue } from '../db/job-queue.ts'
import { type Pool, withTransaction } from '../db/pool.ts'
import { OdooRpcError, errorMessage } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import { isSidecarMisconfigured } from '../odoo/odoo-error-kind.ts'
import { type ParkedJob, QUEUES } from '../queues.ts'

export interface OdooBatchDeps { pool: Pool, jobs: JobQueue, logger: Logger, metrics: Metrics }

type Job<T> = PgBoss.JobWithMetadata<T>

interface Settled<T> { done: Array<Job<T>>, retry: Array<{ job: Job<T>, reason: string }>, park: Array<{ job: Job<T>, reason: string }> }

/**
 * Applies a batch of Odoo-bound jobs (write-backs, partner callbacks) with one RPC and settles every
 * job in one transaction. The Odoo methods are idempotent per item, so any of this may run twice.
 * - Odoo unavailable (down, restarting, database trouble, a concurrency failure it gave up on; see
 *   odoo/odoo-error-kind.ts) or refusing this sidecar's configuration (its database, its user's
 *   rights): the jobs fail and pg-boss retries them
 *   every HUB_ODOO_RETRY_SECONDS for a week.
 * - Odoo refuses the call itself (a ValidationError for one malformed item rejects the whole call):
 *   the items are applied one at a time in arrival order to find the one(s) at fault. An item Odoo
 *   refuses alone is parked (`hub-odoo-rejected`, reported to Odoo as an exception with "Apply
 *   again", see report-parked.ts); the others apply. Once Odoo becomes unavailable mid-way, the rest
 *   wait, so later items never overtake earlier ones.
 * Items Odoo applies but cannot use (a callback for an unknown picking) are parked by Odoo itself in
 * the same call.
 */
export async function applyInOdoo<T> (deps: OdooBatchDeps, queue: string, jobs: Array<Job<T>>,
  call: (items: T[]) => Promise<void>, toParked: (item: T, reason: string) => ParkedJob): Promise<void> {
  const ordered = inArrivalOrder(jobs)
  const settled = await callOrSplit(ordered, call)
  for (const { job, reason } of settled.park) {
    deps.logger.error({ queue, job_id: job.id, err: reason }, 'Odoo refused an item on its own; parking it for a person')
  }
  if (settled.retry.length) deps.logger.warn({ queue, jobs: settled.retry.length, err: settled.retry[0]!.reason }, 'Odoo unavailable; will retry')
  await withTransaction(deps.pool, async client => {
    await deps.jobs.insert(client, settled.park.map(({ job, reason }) => ({ name: QUEUES.odooRejected, data: toParked(job.data, reason) })))
    await deps.jobs.complete(client, queue, [...settled.done, ...settled.park.map(p => p.job)].map(j => j.id))
    for (const [reason, ids] of groupIdsByReason(settled.retry)) await deps.jobs.fail(client, queue, ids, reason)
  })
  deps.metrics.odooBatches.inc({ queue, outcome: 'done' }, settled.done.length)
  deps.metrics.odooBatches.inc({ queue, outcome: 'retry' }, settled.retry.length)
  deps.metrics.odooBatches.inc({ queue, outcome: 'parked' }, settled.park.length)
}

async function callOrSplit<T> (jobs: Array<Job<T>>, call: (items: T[]) => Promise<void>): Promise<Settled<T>> {
  const settled: Settled<T> = { done: [], retry: [], park: [] }
  const verdict = await attempt(() => call(jobs.map(j => j.data)))
  if (verdict.kind === 'ok') return { ...settled, done: jobs }
  if (verdict.kind === 'retry' || jobs.length === 1) {
    settled[verdict.kind === 'retry' ? 'retry' : 'park'].push(...jobs.map(job => ({ job, reason: verdict.reason })))
    return settled
  }
  for (const [index, job] of jobs.entries()) {
    const alone = await attempt(() => call([job.data]))
    if (alone.kind === 'ok') settled.done.push(job)
    else if (alone.kind === 'refused') settled.park.push({ job, reason: alone.reason })
    else {
      settled.retry.push(...jobs.slice(index).map(j => ({ job: j, reason: alone.reason })))
      break
    }
  }
  return settled
}

type Verdict = { kind: 'ok' } | { kind: 'retry' | 'refused', reason: string }

async function attempt (fn: () => Promise<void>): Promise<Verdict> {
  try {
    await fn()
    return { kind: 'ok' }
  } catch (err) {
    const refused = err instanceof OdooRpcError && !isSidecarMisconfigured(err.odooErrorName, err.message)
    return { kind: refused ? 'refused' : 'retry', reason: err instanceof OdooRpcError ? `${err.odooErrorName}: ${err.message}` : errorMessage(err) }
  }
}

/**
 * pg-boss returns a fetched batch in no particular order (UPDATE ... RETURNING); Odoo should see items
 * in the order they arrived, e.g. a pick confirmation before the pack confirmation that followed it.
 */
function inArrivalOrder<T> (jobs: Array<Job<T>>): Array<Job<T>> {
  return [...jobs].sort((a, b) => new Date(a.createdOn).getTime() - new Date(b.createdOn).getTime())
}

function groupIdsByReason<T> (items: Array<{ job: Job<T>, reason: string }>): Map<string, string[]> {
  const groups = new Map<string, string[]>()
  for (const { job, reason } of items) groups.set(reason, [...(groups.get(reason) ?? []), job.id])
  return groups
}
