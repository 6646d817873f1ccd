import type PgBoss from 'pg-boss'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { OdooClient } from '../odoo/rpc.ts'
import type { WritebackJob } from '../queues.ts'
import { callOdooForBatch } from './odoo-batch.ts'

export interface WritebackDeps { boss: PgBoss, odoo: OdooClient, logger: Logger, metrics: Metrics }

interface ApplyOutcome { event_uuid: string, outcome: string }

/** Writes delivery outcomes to Odoo's hub.sync.state: one RPC per batch, idempotent and order-safe on Odoo's side. */
export async function writebackJobs ({ boss, odoo, logger, metrics }: WritebackDeps, jobs: Array<PgBoss.JobWithMetadata<WritebackJob>>): Promise<void> {
  await callOdooForBatch(boss, logger, 'writeback', jobs, async results => {
    const outcomes = await odoo.executeKw<ApplyOutcome[]>('hub.sync.state', 'hub_apply_results', [results])
    const byUuid = new Map(outcomes.map(o => [o.event_uuid, o.outcome]))
    for (const r of results) {
      const outcome = byUuid.get(r.event_uuid) ?? 'missing'
      metrics.odooApplies.inc({ kind: 'writeback', outcome })
      logger.info({ correlation_id: r.correlation_id, event_id: r.event_uuid, status: r.status, attempt: r.attempt, outcome }, 'sync state written back to Odoo')
    }
  })
}
