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

/** How one queue's jobs are applied in Odoo. */
export interface OdooApply<J, T> {
  queue: string
  /** the items a job carries, in the order they were recorded */
  itemsOf: (data: J) => T[]
  /** applies items with one RPC; throws what Odoo answered */
  call: (items: T[]) => Promise<void>
  toParked: (item: T, reason: string) => ParkedJob
  /** at most this many items per RPC (a job may carry more) */
  maxItems: number
}

/** `index`: the item's place in its job, remembered across retries */
interface Entry<J, T> { job: Job<J>, item: T, index: number }

interface Settled<J, T> { done: Array<Entry<J, T>>, retry: Array<Entry<J, T> & { reason: string }>, park: Array<Entry<J, T> & { reason: string }> }

/**
 * Applies a batch of Odoo-bound jobs (write-backs, partner callbacks) with as few RPCs as
 * `maxItems` allows and settles every job in one transaction. The Odoo methods are idempotent per
 * item, so any of this may run twice.
 * - Odoo unavailable (down, restarting, database trouble, a concurrency failure it gave up on; see
 *   odoo/odoo-error-kind.ts) or refusing this sidecar's configuration (its database, its user's
 *   rights): the items wait, and every job holding one fails so pg-boss retries it every
 *   HUB_ODOO_RETRY_SECONDS for a week. Its items already applied or parked are listed in the failed
 *   job's output (`settled`) and are not sent again: re-applying is harmless for the sync state, but
 *   an exception a person closed meanwhile would be opened anew, and a parked item parked again.
 * - Odoo refuses the call itself (a ValidationError for one malformed item rejects the whole call):
 *   the items are applied one at a time in arrival order to find the one(s) at fault. An item Odoo
 *   refuses alone is parked (`hub-odoo-rejected`, reported to Odoo as an exception with "Apply
 *   again", see report-parked.ts); the others apply. Once Odoo becomes unavailable mid-way,
 *   the rest wait, so later items never overtake earlier ones.
 * Items Odoo applies but cannot use (a callback for an unknown picking) are parked by Odoo itself in
 * the same call.
 */
export async function applyInOdoo<J, T> (deps: OdooBatchDeps, apply: OdooApply<J, T>, jobs: Array<Job<J>>): Promise<void> {
  const { queue } = apply
  const before = new Map(jobs.map(job => [job.id, settledBefore(job)]))
  const entries = inArrivalOrder(jobs).flatMap(job =>
    apply.itemsOf(job.data).map((item, index) => ({ job, item, index })).filter(e => !before.get(job.id)!.has(e.index)))
  const settled = await callInChunks(entries, apply)
  for (const { job, reason } of settled.park) {
    deps.logger.error({ queue, job_id: job.id, err: reason }, 'Odoo refused an item on its own; parking it for a person')
  }
  if (settled.retry.length) deps.logger.warn({ queue, items: settled.retry.length, err: settled.retry[0]!.reason }, 'Odoo unavailable; will retry')
  const waiting = new Map(settled.retry.map(r => [r.job.id, r.reason]))
  await withTransaction(deps.pool, async client => {
    await deps.jobs.insert(client, settled.park.map(({ item, reason }) => ({ name: QUEUES.odooRejected, data: apply.toParked(item, reason) })))
    await deps.jobs.complete(client, queue, jobs.filter(j => !waiting.has(j.id)).map(j => j.id))
    for (const job of jobs.filter(j => waiting.has(j.id))) {
      const now = [...settled.done, ...settled.park].filter(e => e.job.id === job.id).map(e => e.index)
      await deps.jobs.fail(client, queue, [job.id], waiting.get(job.id)!, { settled: [...before.get(job.id)!, ...now].sort((a, b) => a - b) })
    }
  })
  deps.metrics.odooBatches.inc({ queue, outcome: 'done' }, settled.done.length)
  deps.metrics.odooBatches.inc({ queue, outcome: 'retry' }, settled.retry.length)
  deps.metrics.odooBatches.inc({ queue, outcome: 'parked' }, settled.park.length)
}

async function callInChunks<J, T> (entries: Array<Entry<J, T>>, apply: OdooApply<J, T>): Promise<Settled<J, T>> {
  const settled: Settled<J, T> = { done: [], retry: [], park: [] }
  for (let start = 0; start < entries.length; start += apply.maxItems) {
    const chunk = await callOrSplit(entries.slice(start, start + apply.maxItems), apply.call)
    settled.done.push(...chunk.done)
    settled.park.push(...chunk.park)
    if (chunk.retry.length) {
      const reason = chunk.retry[0]!.reason
      settled.retry.push(...chunk.retry, ...entries.slice(start + apply.maxItems).map(e => ({ ...e, reason })))
      break
    }
  }
  return settled
}

async function callOrSplit<J, T> (entries: Array<Entry<J, T>>, call: (items: T[]) => Promise<void>): Promise<Settled<J, T>> {
  const settled: Settled<J, T> = { done: [], retry: [], park: [] }
  const verdict = await attempt(() => call(entries.map(e => e.item)))
  if (verdict.kind === 'ok') return { ...settled, done: entries }
  if (verdict.kind === 'retry' || entries.length === 1) {
    settled[verdict.kind === 'retry' ? 'retry' : 'park'].push(...entries.map(e => ({ ...e, reason: verdict.reason })))
    return settled
  }
  for (const [index, entry] of entries.entries()) {
    const alone = await attempt(() => call([entry.item]))
    if (alone.kind === 'ok') settled.done.push(entry)
    else if (alone.kind === 'refused') settled.park.push({ ...entry, reason: alone.reason })
    else {
      settled.retry.push(...entries.slice(index).map(e => ({ ...e, reason: alone.reason })))
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

/** The items of a job applied or parked by an earlier run (the output its failure left), by index. */
function settledBefore<J> (job: Job<J>): Set<number> {
  const settled = (job.output as { settled?: unknown } | null | undefined)?.settled
  return new Set(Array.isArray(settled) ? settled.filter((i): i is number => Number.isInteger(i)) : [])
}
