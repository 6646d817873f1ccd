import type { Logger } from '../observability/logger.ts'

/**
 * Coalesces signals into drain runs: at most one run at a time, and a signal that arrives during a run
 * schedules exactly one more. Errors (Postgres down) are logged and the next signal tries again.
 */
export function createDrainLoop (step: () => Promise<number>, batchSize: number, logger: Logger, onDrained?: () => void) {
  let running = false
  let again = false
  let idle: Promise<void> = Promise.resolve()

  async function drain (): Promise<void> {
    do {
      again = false
      try {
        let moved = 0
        do { moved = await step() } while (moved >= batchSize)
        onDrained?.()
      } catch (err) {
        logger.error({ err }, 'outbox relay failed; will retry on the next signal')
      }
    } while (again)
  }

  return {
    signal (): void {
      if (running) { again = true; return }
      running = true
      idle = drain().finally(() => { running = false })
    },
    /** resolves when the current run (if any) is over */
    settled: () => idle
  }
}
