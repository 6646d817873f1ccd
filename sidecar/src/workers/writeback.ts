import type PgBoss from 'pg-boss'
import type { OdooClient } from '../odoo/rpc.ts'
import { type WritebackJob, QUEUES } from '../queues.ts'
import { type OdooBatchDeps, applyInOdoo } from './odoo-batch.ts'

export interface WritebackDeps extends OdooBatchDeps { odoo: OdooClient }

interface ApplyOutcome { event_uuid: string, outcome: string }

/** Writes delivery outcomes to Odoo's hub.sync.state: one RPC per batch, idempotent and order-safe on Odoo's side. */
export async function writebackJobs (deps: WritebackDeps, jobs: Array<PgBoss.JobWithMetadata<WritebackJob>>): Promise<void> {
  const { odoo, logger, metrics } = deps
  await applyInOdoo(deps, QUEUES.writeback, jobs, async results => {
    const outcomes = await odoo.executeKw<ApplyOutcome[]>('hub.sync.state', 'hub_apply_results', [results])
    const byUuid = new Map(outcomes.map(o => [o.event_uuid, o.outcome]))
    for (const r of results) metrics.odooApplies.inc({ kind: 'writeback', outcome: byUuid.get(r.event_uuid) ?? 'missing' })
    // one line per call, correlation ids findable; `results` reads "<event id> <status>#<attempt> <outcome>"
    logger.info({
      correlation_ids: results.map(r => r.correlation_id),
      results: results.map(r => `${r.event_uuid} ${r.status}#${r.attempt} ${byUuid.get(r.event_uuid) ?? 'missing'}`)
    }, 'sync state written back to Odoo')
  }, (result, reason) => ({
    kind: 'writeback', connector_code: null, key: `${result.event_uuid}:${result.attempt}:${result.status}`, item: result, error: reason, correlation_id: result.correlation_id
  }))
}
