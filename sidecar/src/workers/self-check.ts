import type { JobQueue } from '../db/job-queue.ts'
import { notifyRelay } from '../db/outbox-plans.ts'
import { type Pool, withTransaction } from '../db/pool.ts'
import {
  exhaustedJobs, oldestUndelivered, parkedAwaitingOdoo, pendingSyncOfClosedEvents, queuedWithoutJob, requeueWithoutJob, unsettledInbound
} from '../db/self-check-plans.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import { QUEUES } from '../queues.ts'
import { writebackJobs, writebackResult } from './writeback-results.ts'

export interface SelfCheckDeps { pool: Pool, jobs: JobQueue, logger: Logger, metrics?: Metrics, bossSchema: string }

export interface SelfCheckOptions {
  /** how old a finding must be (HUB_SELF_CHECK_GRACE_SECONDS) */
  graceSeconds: number
  /** repair what can be repaired; false only reports (doctor without --repair) */
  repair: boolean
}

export interface Finding {
  check: string
  /** what it means, for a person reading `npm run doctor` */
  meaning: string
  count: number
  /** a few ids to start looking from */
  examples: string[]
  repaired: number
  /** false: a broken promise; true: worth knowing (backlog), not a fault of the pipeline */
  informational: boolean
}

/** Odoo-bound queues whose jobs must never end failed: each holds something a partner or Odoo was promised. */
const MUST_SETTLE = [QUEUES.writeback, QUEUES.writebackLegacy, QUEUES.inbound, QUEUES.odooRejected, QUEUES.deliverDead, QUEUES.processTimer]
const LIMIT = 500

/**
 * Checks that nothing accepted is stuck, repairs what can be repaired (each repair is guarded by its
 * own finding's condition and idempotent, so two replicas or a doctor running at once do no harm) and
 * reports the rest in the log and in `hub_self_check_findings`. Runs every minute on one replica
 * (pg-boss cron) and from `npm run doctor`.
 */
export async function selfCheck (deps: SelfCheckDeps, options: SelfCheckOptions): Promise<Finding[]> {
  const findings = [
    await checkQueuedWithoutJob(deps, options),
    await checkPendingSyncStates(deps, options),
    await checkExhaustedJobs(deps, options),
    await checkUnsettledInbound(deps, options),
    ...await informational(deps, options)
  ]
  for (const f of findings) {
    deps.metrics?.selfCheckFindings.set({ check: f.check }, f.count - f.repaired)
    if (f.repaired) deps.metrics?.selfCheckRepairs.inc({ check: f.check }, f.repaired)
    if (f.count && !f.informational) deps.logger.error({ check: f.check, count: f.count, repaired: f.repaired, examples: f.examples }, `self-check: ${f.meaning}`)
  }
  return findings
}

async function checkQueuedWithoutJob ({ pool, logger, bossSchema }: SelfCheckDeps, { graceSeconds, repair }: SelfCheckOptions): Promise<Finding> {
  const { rows } = await pool.query<{ id: number, uuid: string }>(queuedWithoutJob(bossSchema, graceSeconds, LIMIT))
  let repaired = 0
  if (repair && rows.length) {
    repaired = await withTransaction(pool, async client => {
      const { rows: requeued } = await client.query<{ uuid: string, correlation_id: string }>(requeueWithoutJob(bossSchema, graceSeconds, rows.map(r => r.id)))
      if (requeued.length) await client.query(notifyRelay())
      for (const e of requeued) logger.warn({ correlation_id: e.correlation_id, event_id: e.uuid }, 'self-check: queued event had no delivery job; back to pending')
      return requeued.length
    })
  }
  return finding('queued_without_job', 'outbound events marked queued with no delivery job (requeued in lane order)', rows.map(r => r.uuid), repaired)
}

async function checkPendingSyncStates ({ pool, jobs, bossSchema }: SelfCheckDeps, { graceSeconds, repair }: SelfCheckOptions): Promise<Finding> {
  const { rows } = await pool.query<{ event_uuid: string, event_state: 'delivered' | 'dead', correlation_id: string }>(pendingSyncOfClosedEvents(bossSchema, graceSeconds, LIMIT))
  if (repair && rows.length) {
    // attempt 1: a pending state has had no result of this event applied, so it is not stale
    await jobs.insert(pool, writebackJobs(rows.map(r => writebackResult({ uuid: r.event_uuid, correlation_id: r.correlation_id },
      r.event_state === 'delivered' ? 'sent' : 'dead', 1, r.event_state === 'dead' ? 'dead-lettered (result restored by the self-check)' : null, null))))
  }
  return finding('pending_sync_of_closed_event', 'sync states pending in Odoo although their event was closed (result written back again)', rows.map(r => r.event_uuid), repair ? rows.length : 0)
}

async function checkExhaustedJobs ({ pool, jobs, bossSchema }: SelfCheckDeps, { repair }: SelfCheckOptions): Promise<Finding> {
  const { rows } = await pool.query<{ id: string, name: string }>(exhaustedJobs(bossSchema, MUST_SETTLE, LIMIT))
  let repaired = 0
  if (repair) {
    for (const queue of MUST_SETTLE) repaired += await jobs.retry(pool, queue, rows.filter(r => r.name === queue).map(r => r.id))
  }
  return finding('exhausted_odoo_jobs', 'Odoo-bound jobs that used up their retries (put back in line)', rows.map(r => `${r.name}/${r.id}`), repaired)
}

async function checkUnsettledInbound ({ pool, bossSchema }: SelfCheckDeps, { graceSeconds }: SelfCheckOptions): Promise<Finding> {
  const { rows } = await pool.query<{ id: string, job_state: string }>(unsettledInbound(bossSchema, graceSeconds, LIMIT))
  // a failed job is put back by exhausted_odoo_jobs; a missing or cancelled one has lost its payload
  return finding('unsettled_inbound', 'callbacks answered 2xx whose apply job is neither live nor completed', rows.map(r => `${r.id} (${r.job_state})`), 0)
}

async function informational ({ pool, bossSchema }: SelfCheckDeps, { graceSeconds }: SelfCheckOptions): Promise<Finding[]> {
  const { rows: [parked] } = await pool.query<{ count: number }>(parkedAwaitingOdoo(bossSchema))
  const { rows: [backlog] } = await pool.query<{ count: number, oldest_seconds: number | null }>(oldestUndelivered(graceSeconds))
  return [
    { ...finding('parked_awaiting_odoo', 'items Odoo refused, waiting to be shown in Odoo as exceptions', [], 0), count: parked!.count, informational: true },
    { ...finding('undelivered_backlog', `outbound events older than ${graceSeconds} s not yet delivered`, backlog!.oldest_seconds === null ? [] : [`oldest ${backlog!.oldest_seconds} s`], 0), count: backlog!.count, informational: true }
  ]
}

function finding (check: string, meaning: string, examples: string[], repaired: number): Finding {
  return { check, meaning, count: examples.length, examples: examples.slice(0, 5), repaired, informational: false }
}
