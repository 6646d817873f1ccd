import type PgBoss from 'pg-boss'
import type { OdooClient } from '../odoo/rpc.ts'
import { type InboundJob, QUEUES } from '../queues.ts'
import { type OdooBatchDeps, applyInOdoo } from './odoo-batch.ts'

export interface InboundApplyDeps extends OdooBatchDeps { odoo: OdooClient, maxMessagesPerCall: number }

interface InboundOutcome { id: string, outcome: string, error?: string, exception?: string }

/**
 * Applies accepted partner callbacks in Odoo, one RPC per connector in the batch; Odoo dedupes by
 * message id. A message Odoo cannot use comes back `error` and is parked by Odoo itself as an
 * exception (named in `exception`) in the same call.
 */
export async function applyInboundJobs (deps: InboundApplyDeps, jobs: Array<PgBoss.JobWithMetadata<InboundJob>>): Promise<void> {
  const { odoo, logger, metrics } = deps
  const byConnector = new Map<string, Array<PgBoss.JobWithMetadata<InboundJob>>>()
  for (const job of jobs) byConnector.set(job.data.connector_code, [...(byConnector.get(job.data.connector_code) ?? []), job])
  for (const [code, group] of byConnector) {
    await applyInOdoo<InboundJob, InboundJob>(deps, {
      queue: QUEUES.inbound,
      maxItems: deps.maxMessagesPerCall,
      itemsOf: data => [data],
      async call (items) {
        const messages = items.map(i => i.message)
        const outcomes = await odoo.executeKw<InboundOutcome[]>('hub.event', 'hub_apply_inbound', [code, messages])
        const byId = new Map(outcomes.map(o => [o.id, o]))
        for (const m of messages) {
          const o = byId.get(m.id)
          const outcome = o?.outcome ?? 'missing'
          metrics.odooApplies.inc({ kind: 'inbound', outcome })
          const log = outcome === 'error' || outcome === 'missing' ? logger.error.bind(logger) : logger.info.bind(logger)
          log({ correlation_id: m.correlation_id, message_id: m.id, type: m.type, connector: code, outcome, error: o?.error, exception: o?.exception }, 'partner callback applied in Odoo')
        }
      },
      toParked: (item, reason) => ({
        kind: 'inbound', connector_code: item.connector_code, key: `${item.connector_code}:${item.message.id}`, item: item.message, error: reason, correlation_id: item.message.correlation_id
      })
    }, group)
  }
}
