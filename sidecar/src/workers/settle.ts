import type PgBoss from 'pg-boss'
import type { JobQueue } from '../db/job-queue.ts'
import type { Pool } from '../db/pool.ts'
import { errorMessage } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'

/**
 * A FetchLoop handler for queues whose work is idempotent and settles job by job: each job is run,
 * then completed, or failed with the error so pg-boss retries it (or, without retries, keeps it
 * failed for the self-check and the doctor to see). Every settle is awaited: a rejection while the
 * database is down reaches the loop, which logs and backs off, and the job expires and runs again.
 */
export function settleEach<T> (pool: Pool, jobs: JobQueue, queue: string, logger: Logger,
  run: (job: PgBoss.JobWithMetadata<T>) => Promise<unknown>): (batch: Array<PgBoss.JobWithMetadata<T>>) => Promise<void> {
  return async batch => {
    for (const job of batch) {
      try {
        await run(job)
      } catch (err) {
        logger.error({ err: errorMessage(err), queue, job_id: job.id }, 'job failed; pg-boss retries it if its queue allows')
        await jobs.fail(pool, queue, [job.id], errorMessage(err))
        continue
      }
      await jobs.complete(pool, queue, [job.id])
    }
  }
}
