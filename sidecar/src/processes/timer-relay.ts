import type { JobQueue } from '../db/job-queue.ts'
import { type Pool, withTransaction } from '../db/pool.ts'
import { claimDueTimers, markTimersQueued, nextDeadlineIn, timerTransactionSettings } from '../db/process-timer-plans.ts'
import type { Logger } from '../observability/logger.ts'
import { type ProcessTimer, type ProcessTimerJob, QUEUES } from '../queues.ts'

/** How soon a deadline that is due but was not claimed (locked elsewhere, or due meanwhile) is tried again. */
const DUE_RETRY_MS = 50

export interface TimerRelayDeps { pool: Pool, jobs: JobQueue, logger: Logger, batchSize: number }

interface ClaimedTimer { step_id: number, deadline: string }

/**
 * Moves due SLA deadlines into ONE `hub-process-timer` job exactly once: the outbox pattern applied to
 * time. The due steps are locked, the job is inserted through the same connection and each step's
 * `timer_queued_deadline` is set to the deadline it queued, in one transaction: either all of it
 * commits or none of it does. Crash windows:
 * - before COMMIT: nothing happened; the steps are still due and the next claim (any replica) takes them;
 * - after COMMIT: the job is in pg-boss; a worker of any replica fetches it (an active job whose worker
 *   died expires and is retried), and Odoo fires a step once per deadline however often it is asked.
 * Returns how many deadlines it queued.
 */
export async function claimTimers ({ pool, jobs, logger, batchSize }: TimerRelayDeps): Promise<number> {
  const claimed = await withTransaction(pool, async client => {
    await client.query(timerTransactionSettings)
    const { rows } = await client.query<ClaimedTimer>(claimDueTimers(batchSize))
    if (rows.length === 0) return []
    const items: ProcessTimer[] = rows.map(r => ({ step_id: r.step_id, deadline: r.deadline }))
    const data: ProcessTimerJob = { items }
    // throws unless the job was stored: marking a deadline queued without its job would lose the timer
    await jobs.insert(client, [{ name: QUEUES.processTimer, data }])
    await client.query(markTimersQueued(rows.map(r => r.step_id)))
    return items
  })
  if (claimed.length) logger.info({ timers: claimed.map(t => `${t.step_id}@${t.deadline}`) }, 'due process deadlines queued for Odoo')
  return claimed.length
}

/**
 * Claims due deadlines, draining while a claim comes back full, and wakes the local timer worker when it
 * queued some; then sleeps until the earliest waiting deadline, or `pollMs` at most (which is how soon a
 * deadline Odoo just set, or moved earlier, is seen). A chain of timeouts: claims never pile up behind
 * a slow database. A failed claim (PostgreSQL restarting) is logged and the next poll tries again; it
 * never throws.
 */
export class TimerRelay {
  #timer: ReturnType<typeof setTimeout> | undefined
  #current: Promise<void> = Promise.resolve()
  #stopped = true

  constructor (private readonly deps: TimerRelayDeps, private readonly pollMs: number, private readonly onQueued: () => void) {}

  start (): void {
    this.#stopped = false
    this.#schedule(0)
  }

  /** No claim starts after this; resolves when the one under way (if any) is over. */
  async stop (): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#current
  }

  #schedule (delayMs: number): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.#current = this.#drain().then(next => { this.#schedule(next) })
    }, delayMs)
  }

  /** Claims what is due; returns how long to sleep before the next claim. */
  async #drain (): Promise<number> {
    try {
      let queued = 0
      let moved = 0
      do {
        moved = await claimTimers(this.deps)
        queued += moved
      } while (moved >= this.deps.batchSize && !this.#stopped)
      if (queued) this.onQueued()
      const { rows: [next] } = await this.deps.pool.query<{ ms: number }>(nextDeadlineIn())
      if (!next) return this.pollMs
      // due already: it fell due while we claimed, or another replica (or Odoo) holds it locked for a
      // moment; a short pause, not a busy loop, before claiming again
      return next.ms <= 0 ? Math.min(this.pollMs, DUE_RETRY_MS) : Math.min(this.pollMs, Math.ceil(next.ms) + 5)
    } catch (err) {
      this.deps.logger.error({ err }, 'process timer claim failed; will retry at the next poll')
      return this.pollMs
    }
  }
}
