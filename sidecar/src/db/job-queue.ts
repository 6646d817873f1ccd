import type PgBoss from 'pg-boss'
import type { Client, Pool } from './pool.ts'

/**
 * The connection a queue call runs on: a transaction's client (the call commits or rolls back with
 * it) or the pool (the call commits on its own). Every call takes one, so no call site can leave the
 * choice to a default.
 */
export type Executor = Client | Pool

interface BossDb { executeSql: (text: string, values: unknown[]) => Promise<{ rows: any[], rowCount: number | null }> }

const on = (executor: Executor): BossDb => ({ executeSql: async (text, values) => await executor.query(text, values as any[]) })

/** pg-boss 10's job writes as its implementation (src/manager.js) reads them, not as types.d.ts declares them. */
interface BossJobWrites {
  insert: (jobs: PgBoss.JobInsert[], options: { db: BossDb }) => Promise<unknown>
  complete: (name: string, ids: string[], data: object | null, options: { db: BossDb }) => Promise<unknown>
  fail: (name: string, ids: string[], data: object | null, options: { db: BossDb }) => Promise<unknown>
  retry: (name: string, ids: string[], options: { db: BossDb }) => Promise<unknown>
  getJobById: (name: string, id: string, options: { db: BossDb }) => Promise<{ state: string, startAfter: Date | string } | null>
}

/**
 * The sidecar's only door to pg-boss's job writes. pg-boss 10 reads the connection from a different
 * argument than its type declarations suggest: `complete(name, id, data, options)` and
 * `fail(name, id, data, options)` take it FOURTH, while the declarations also accept
 * `complete(name, ids, { db })`, which pg-boss then stores as the job's output and commits on its own
 * pool, outside the caller's transaction. This class passes the connection where the implementation
 * looks for it (test/sidecar/transactions.test.ts rolls each call back and shows nothing happened).
 */
export class JobQueue {
  readonly #boss: BossJobWrites

  constructor (boss: PgBoss) { this.#boss = boss as unknown as BossJobWrites }

  /**
   * Inserts jobs; throws unless every one was stored. pg-boss silently skips jobs whose queue does
   * not exist, and a caller that then marks its source rows done would lose them.
   */
  async insert (executor: Executor, jobs: PgBoss.JobInsert[]): Promise<void> {
    if (!jobs.length) return
    let inserted = 0
    await this.#boss.insert(jobs, { db: { executeSql: async (text, values) => { const r = await on(executor).executeSql(text, values); inserted = r.rowCount ?? 0; return r } } })
    if (inserted !== jobs.length) throw new Error(`pg-boss accepted ${inserted} of ${jobs.length} jobs (${[...new Set(jobs.map(j => j.name))].join(', ')})`)
  }

  /** Completes active jobs; returns how many were still active (a job expired meanwhile is not). */
  async complete (executor: Executor, queue: string, ids: string[]): Promise<number> {
    if (!ids.length) return 0
    const result = await this.#boss.complete(queue, ids, null, { db: on(executor) })
    return affected(result)
  }

  /**
   * Fails jobs with a reason: pg-boss schedules the retry, or on the last attempt moves the job to its
   * queue's dead-letter queue in the same statement. The job's output is `{ message: reason, ...extra }`,
   * and pg-boss copies it to the dead-letter job.
   */
  async fail (executor: Executor, queue: string, ids: string[], reason: string, extra: Record<string, unknown> = {}): Promise<number> {
    if (!ids.length) return 0
    const result = await this.#boss.fail(queue, ids, { ...extra, message: reason }, { db: on(executor) })
    return affected(result)
  }

  /** When a job failed just now will run again (pg-boss draws its backoff at random), or null if it will not. */
  async nextRetryAt (executor: Executor, queue: string, id: string): Promise<Date | null> {
    const job = await this.#boss.getJobById(queue, id, { db: on(executor) })
    return job?.state === 'retry' ? new Date(job.startAfter) : null
  }

  /** Puts failed (retries exhausted) jobs back in line. */
  async retry (executor: Executor, queue: string, ids: string[]): Promise<number> {
    if (!ids.length) return 0
    const result = await this.#boss.retry(queue, ids, { db: on(executor) })
    return affected(result)
  }
}

/** pg-boss 10 answers `{ jobs, requested, affected }` although its declarations say `void`. */
function affected (result: unknown): number {
  return (result as { affected?: number } | undefined)?.affected ?? 0
}
