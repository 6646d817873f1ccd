import { Gauge } from 'prom-client'
import type { Pool } from '../db/pool.ts'
import { DURATION_WINDOW_MINUTES, processMetrics } from '../db/process-timer-plans.ts'
import type { Metrics } from '../observability/metrics.ts'

interface Row { metric: string, definition: string, label: string | null, value: number }

/**
 * Business-process gauges, read from Odoo's process tables at scrape time (every replica reports the
 * shared truth, and a restart loses nothing): the "counters" among them are counts of rows, so they
 * only go down when Odoo deletes processes. All of them come from ONE query per scrape: the gauges
 * are collected concurrently and share the query under way.
 */
export function registerProcessGauges ({ registry }: Metrics, pool: Pool): void {
  let inflight: Promise<Row[]> | null = null
  const snapshot = (): Promise<Row[]> => {
    // a database that is down leaves the gauges empty rather than failing the whole scrape
    inflight ??= pool.query<Row>(processMetrics()).then(r => r.rows, () => []).finally(() => { inflight = null })
    return inflight
  }

  /** A gauge set from the rows of `metric`, with `label` (state, step code) under `labelName` when given. */
  function fromRows (name: string, help: string, metric: string, labelName?: string): void {
    new Gauge({
      name, help, labelNames: labelName ? ['definition', labelName] : ['definition'], registers: [registry],
      async collect () {
        const rows = await snapshot()
        this.reset()
        for (const r of rows.filter(row => row.metric === metric)) {
          this.set(labelName ? { definition: r.definition, [labelName]: r.label ?? '' } : { definition: r.definition }, Number(r.value))
        }
      }
    })
  }

  fromRows('hub_process_instances', 'Business processes per definition and state', 'instances', 'state')
  fromRows('hub_process_late', 'Running or compensating processes with a step past its deadline', 'late')
  fromRows('hub_process_waiting_approval', 'Running or compensating processes waiting for a person to approve or reject a step', 'waiting_approval')
  fromRows('hub_process_sla_breaches_total', 'Process steps that breached their deadline (a count of rows, not a process-local counter)', 'breaches')
  fromRows('hub_process_compensations_total', 'Process steps compensated or being compensated (a count of rows)', 'compensations')
  fromRows('hub_process_steps_done_recent', `Process steps done in the last ${DURATION_WINDOW_MINUTES} minutes, per step`, 'duration_count', 'step')

  new Gauge({
    name: 'hub_process_step_duration_seconds',
    help: `Time from start to done of the process steps done in the last ${DURATION_WINDOW_MINUTES} minutes (quantiles 0.5, 0.9, 0.99)`,
    labelNames: ['definition', 'step', 'quantile'], registers: [registry],
    async collect () {
      const rows = await snapshot()
      this.reset()
      for (const r of rows) {
        const quantile = /^duration_p(\d+)$/.exec(r.metric)?.[1]
        if (quantile) this.set({ definition: r.definition, step: r.label ?? '', quantile: String(Number(quantile) / 100) }, Number(r.value))
      }
    }
  })
}
