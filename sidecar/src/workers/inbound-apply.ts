import type PgBoss from 'pg-boss'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { OdooClient } from '../odoo/rpc.ts'
import type { InboundJob } from '../queues.ts'
import { callOdooForBatch } from './odoo-batch.ts'

export interface InboundApplyDeps { boss: PgBoss, odoo: OdooClient, logger: Logger, metrics: Metrics }

interface InboundOutcome { id: string, outcome: string, error?: string }

/** Applies accepted partner callbacks in Odoo, one RPC per connector in the batch; Odoo dedupes by message id. */
export async function applyInboundJobs ({ boss, odoo, logger, metrics }: InboundApplyDeps, jobs: Array<PgBoss.JobWithMetadata<InboundJob>>): Promise<void> {
  const byConnector = new Map<string, Array<PgBoss.JobWithMetadata<InboundJob>>>()
  for (const job of jobs) byConnector.set(job.data.connector_code, [...(byConnector.get(job.data.connector_code) ?? []), job])
  for (const [code, group] of byConnector) {
    await callOdooForBatch(boss, logger, 'inbound', group, async items => {
      const messages = items.map(i => i.message)
      const outcomes = await odoo.executeKw<InboundOutcome[]>('hub.event', 'hub_apply_inbound', [code, messages])
      const byId = new Map(outcomes.map(o => [o.id, o]))
      for (const m of messages) {
        const o = byId.get(m.id)
        const outcome = o?.outcome ?? 'missing'
        metrics.odooApplies.inc({ kind: 'inbound', outcome })
        const log = outcome === 'error' || outcome === 'missing' ? logger.error.bind(logger) : logger.info.bind(logger)
        log({ correlation_id: m.correlation_id, message_id: m.id, type: m.type, connector: code, outcome, error: o?.error }, 'partner callback applied in Odoo')
      }
    })
  }
}
