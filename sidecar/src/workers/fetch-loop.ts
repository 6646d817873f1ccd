import type PgBoss from 'pg-boss'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from '../observability/logger.ts'

/**
 * A polling loop over pg-boss `fetch` whose handler completes or fails each job itself. pg-boss's own
 * `work()` completes a fetched batch as a whole after the handler; with per-job outcomes that can
 * complete a job that was failed, immediately retried and re-fetched by another worker in between.
 * A full batch fetches again at once; otherwise the loop sleeps until `wake()` or the poll interval. A
 * wake that comes while a fetch or its batch is under way is kept: the jobs it announces may have
 * committed after that fetch looked, so the loop fetches again at once instead of sleeping past them.
 * Errors are logged and the loop backs off; jobs left active expire and pg-boss retries them.
 */
export class FetchLoop<T extends object> {
  #stopping = false
  #wake: (() => void) | null = null
  /** woken while not paused: the next pause ends at once */
  #woken = false
  #done: Promise<void> = Promise.resolve()

  constructor (private readonly boss: PgBoss, private readonly queue: string,
    private readonly handle: (jobs: Array<PgBoss.JobWithMetadata<T>>) => Promise<void>,
    private readonly options: { batchSize: number, pollMs: number }, private readonly logger: Logger) {}

  start (): void { this.#done = this.#run() }

  wake (): void {
    if (this.#wake) this.#wake()
    else this.#woken = true
  }

  async stop (): Promise<void> {
    this.#stopping = true
    this.wake()
    await this.#done
  }

  async #run (): Promise<void> {
    while (!this.#stopping) {
      let fetched = 0
      this.#woken = false
      try {
        const jobs = await this.boss.fetch<T>(this.queue, { batchSize: this.options.batchSize, includeMetadata: true })
        fetched = jobs.length
        if (fetched) await this.handle(jobs)
      } catch (err) {
        this.logger.error({ err, queue: this.queue }, 'worker loop failed; backing off')
        await sleep(this.options.pollMs)
      }
      if (fetched < this.options.batchSize && !this.#stopping) await this.#pause()
    }
  }

  #pause (): Promise<void> {
    if (this.#woken) return Promise.resolve()
    return new Promise(resolve => {
      const done = () => { clearTimeout(timer); this.#wake = null; resolve() }
      const timer = setTimeout(done, this.options.pollMs)
      this.#wake = done
    })
  }
}
