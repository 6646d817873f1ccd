import type PgBoss from 'pg-boss'
import type { OdooClient } from '../odoo/rpc.ts'
import { type WritebackJob, type WritebackResult, QUEUES } from '../queues.ts'
import { type OdooBatchDeps, applyInOdoo } from './odoo-batch.ts'

export interface WritebackDeps extends OdooBatchDeps { odoo: OdooClient, maxResultsPerCall: number }

/**
 * Write-back jobs fetched at once. A job carries the results of one delivered batch (up to
 * `deliveryBatch`), so a fetch is sized in results: about four Odoo calls of `writebackBatch`
 * results, short enough to settle well within HUB_ODOO_EXPIRE_SECONDS (a job that expired mid-way
 * would be applied by a second replica at the same time).
 */
export function writebackJobsPerFetch (writebackBatch: number, deliveryBatch: number): number {
  return Math.max(1, Math.floor(4 * writebackBatch / deliveryBatch))
}

/** Sidecars before 0.2 queued one result per job, unwrapped (QUEUES.writebackLegacy): such jobs still apply after an upgrade. */
type QueuedWriteback = WritebackJob | WritebackResult
const resultsOf = (data: QueuedWriteback): WritebackResult[] => 'results' in data ? data.results : [data]

interface ApplyOutcome { event_uuid: string, outcome: string }

/** Writes delivery results to Odoo's hub.sync.state: one RPC per `maxResultsPerCall`, idempotent and order-safe on Odoo's side. */
export async function applyWritebacks (deps: WritebackDeps, jobs: Array<PgBoss.JobWithMetadata<QueuedWriteback>>,
  queue: string = QUEUES.writeback): Promise<void> {
  const { odoo, logger, metrics } = deps
  await applyInOdoo<QueuedWriteback, WritebackResult>(deps, {
    queue,
    maxItems: deps.maxResultsPerCall,
    itemsOf: resultsOf,
    async call (results) {
      const outcomes = await odoo.executeKw<ApplyOutcome[]>('hub.sync.state', 'hub_apply_results', [results])
      const byUuid = new Map(outcomes.map(o => [o.event_uuid, o.outcome]))
      for (const r of results) metrics.odooApplies.inc({ kind: 'writeback', outcome: byUuid.get(r.event_uuid) ?? 'missing' })
      // one line per call, correlation ids findable; `results` reads "<event id> <status>#<attempt> <outcome>"
      logger.info({
        correlation_ids: results.map(r => r.correlation_id),
        results: results.map(r => `${r.event_uuid} ${r.status}#${r.attempt} ${byUuid.get(r.event_uuid) ?? 'missing'}`)
      }, 'sync state written back to Odoo')
    },
    toParked: (result, reason) => ({
      kind: 'writeback', connector_code: null, key: `${result.event_uuid}:${result.attempt}:${result.status}`, item: result, error: reason, correlation_id: result.correlation_id
    })
  }, jobs)
}
