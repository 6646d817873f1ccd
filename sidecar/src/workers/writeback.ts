import type PgBoss from 'pg-boss'
import type { OdooClient } from '../odoo/rpc.ts'
import { type WritebackJob, type WritebackResult, QUEUES } from '../queues.ts'
import { type OdooBatchDeps, applyInOdoo } from './odoo-batch.ts'

export interface WritebackDeps extends OdooBatchDeps { odoo: OdooClient, maxResultsPerCall: number }

/**
 * Write-back jobs fetched at once. A job carries the results of one delivered batch (up to
 * HUB_DELIVERY_BATCH), so a few jobs fill Odoo calls of HUB_WRITEBACK_BATCH results, and a fetch
 * stays short enough to settle well within HUB_ODOO_EXPIRE_SECONDS.
 */
export const WRITEBACK_JOBS_PER_FETCH = 10

/** Sidecars before 0.2 queued one result per job, unwrapped: such jobs still apply after an upgrade. */
type QueuedWriteback = WritebackJob | WritebackResult
const resultsOf = (data: QueuedWriteback): WritebackResult[] => 'results' in data ? data.results : [data]

interface ApplyOutcome { event_uuid: string, outcome: string }

/** Writes delivery results to Odoo's hub.sync.state: one RPC per `maxResultsPerCall`, idempotent and order-safe on Odoo's side. */
export async function applyWritebacks (deps: WritebackDeps, jobs: Array<PgBoss.JobWithMetadata<QueuedWriteback>>): Promise<void> {
  const { odoo, logger, metrics } = deps
  await applyInOdoo<QueuedWriteback, WritebackResult>(deps, {
    queue: QUEUES.writeback,
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
