import type PgBoss from 'pg-boss'
import type { OdooClient } from '../odoo/rpc.ts'
import { type ProcessTimer, type ProcessTimerJob, QUEUES } from '../queues.ts'
import { type OdooBatchDeps, applyInOdoo } from './odoo-batch.ts'

export interface ProcessTimerDeps extends OdooBatchDeps { odoo: OdooClient, maxTimersPerCall: number }

/** `fired`: the step breached now; `stale`: no longer active, or its deadline moved; `missing`: no such step. */
interface FireOutcome { step_id: number, outcome: string }

/**
 * Fires due deadlines in Odoo (`hub.process.step.hub_fire_timers`), one RPC per `maxTimersPerCall`.
 * Odoo breaches a step once per deadline, so a timer job run twice (its worker died after the call)
 * changes nothing the second time. Odoo unavailable: the job waits and is retried like a write-back;
 * a deadline Odoo refuses even alone is parked for a person (workers/odoo-batch.ts).
 */
export async function fireProcessTimers (deps: ProcessTimerDeps, jobs: Array<PgBoss.JobWithMetadata<ProcessTimerJob>>): Promise<void> {
  const { odoo, logger, metrics } = deps
  await applyInOdoo<ProcessTimerJob, ProcessTimer>(deps, {
    queue: QUEUES.processTimer,
    maxItems: deps.maxTimersPerCall,
    itemsOf: data => data.items,
    async call (items) {
      const outcomes = await odoo.executeKw<FireOutcome[]>('hub.process.step', 'hub_fire_timers', [items])
      const byStep = new Map(outcomes.map(o => [o.step_id, o.outcome]))
      for (const t of items) metrics.odooApplies.inc({ kind: 'process_timer', outcome: byStep.get(t.step_id) ?? 'missing' })
      // one line per call; `timers` reads "<step id>@<deadline> <outcome>"
      logger.info({ timers: items.map(t => `${t.step_id}@${t.deadline} ${byStep.get(t.step_id) ?? 'missing'}`) }, 'process timers fired in Odoo')
    },
    toParked: (timer, reason) => ({
      kind: 'process_timer', connector_code: null, key: `${timer.step_id}:${timer.deadline}`, item: timer, error: reason, correlation_id: null
    })
  }, jobs)
}
