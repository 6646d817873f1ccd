import { v5 as uuidv5 } from 'uuid'
import { createInboundIndex, createInboundTable, forgetInboundIdsBefore, lockInboundTable, storeInboundJobs } from '../db/inbound-plans.ts'
import { type Pool, withTransaction } from '../db/pool.ts'
import { createSidecarSchema } from '../db/sidecar-schema.ts'
import { type InboundJob, QUEUES } from '../queues.ts'

/** Namespace for inbound ids: uuidv5(connector + message id) makes a redelivered message collide. */
const INBOUND_NAMESPACE = '6f1c7d1e-6c8b-4b52-9c55-3f0f3c1d2a10'
const PURGE_EVERY_MS = 3_600_000

const inboundJobId = (connectorCode: string, messageId: string): string => uuidv5(`${connectorCode}:${messageId}`, INBOUND_NAMESPACE)

interface Pending { id: string, job: InboundJob, resolve: (stored: boolean) => void, reject: (err: unknown) => void }

export interface InboundStoreOptions {
  /** pg-boss's schema (HUB_BOSS_SCHEMA); its `hub-inbound` queue must exist */
  bossSchema: string
  /** ids are remembered this long; a message replayed later is stored again (Odoo still applies it once) */
  dedupeDays: number
  /** most messages committed together */
  maxBatch?: number
  /** commits running at once (each holds a pool connection); PostgreSQL flushes concurrent commits together */
  maxInFlight?: number
}

/**
 * Stores inbound messages durably with group commit. A caller's promise settles only after the
 * transaction holding its message has committed, so a 2xx still means "stored". Messages that arrive
 * while the commits in flight are busy wait and then share the next one: one fsync serves a burst of
 * callbacks instead of one each, which is what bounds ingest on a single database.
 *
 * Each commit is one statement (storeInboundJobs): it records the message ids in
 * hub_sidecar.inbound_message and queues a pg-boss job for each id not seen before; `store` resolves
 * false for a replay (also when the same id appears twice in one group).
 */
export class InboundStore {
  #pending: Pending[] = []
  #scheduled = false
  #inFlight = 0
  #lastPurge = Date.now()
  readonly #maxBatch: number
  readonly #maxInFlight: number

  constructor (private readonly pool: Pool, private readonly options: InboundStoreOptions) {
    this.#maxBatch = options.maxBatch ?? 500
    this.#maxInFlight = options.maxInFlight ?? 4
  }

  /** Creates the dedupe table when missing; replicas starting together take turns. */
  async init (): Promise<void> {
    await withTransaction(this.pool, async client => {
      await client.query(lockInboundTable)
      await client.query(createSidecarSchema)
      await client.query(createInboundTable)
      await client.query(createInboundIndex)
    })
  }

  /** Resolves true once stored, false when this connector already sent this message id. */
  async store (connectorCode: string, message: InboundJob['message']): Promise<boolean> {
    return await new Promise<boolean>((resolve, reject) => {
      this.#pending.push({ id: inboundJobId(connectorCode, message.id), job: { connector_code: connectorCode, message }, resolve, reject })
      this.#schedule()
    })
  }

  /** Starts commits for what is waiting, up to maxInFlight at once; arrivals meanwhile form the next group. */
  #flush (): void {
    this.#scheduled = false
    while (this.#pending.length && this.#inFlight < this.#maxInFlight) {
      const group = this.#pending.splice(0, this.#maxBatch)
      this.#inFlight++
      this.#commit(group).then(fresh => {
        for (const p of group) p.resolve(fresh.delete(p.id))
      }, err => {
        for (const p of group) p.reject(err)
      }).finally(() => {
        this.#inFlight--
        if (this.#pending.length) this.#schedule()
        else this.#purgeNowAndThen()
      })
    }
  }

  #schedule (): void {
    if (this.#scheduled || this.#inFlight >= this.#maxInFlight) return
    this.#scheduled = true
    // requests parsed in the same turn of the event loop join the same commit
    setImmediate(() => { this.#flush() })
  }

  async #commit (group: Pending[]): Promise<Set<string>> {
    const jobs = new Map<string, { id: string, data: InboundJob }>()
    for (const p of group) if (!jobs.has(p.id)) jobs.set(p.id, { id: p.id, data: p.job })
    const { rows } = await this.pool.query<{ id: string }>(storeInboundJobs(this.options.bossSchema, QUEUES.inbound, [...jobs.values()]))
    return new Set(rows.map(r => r.id))
  }

  /** Forgets ids older than dedupeDays; returns how many. */
  async purge (): Promise<number> {
    return (await this.pool.query(forgetInboundIdsBefore(this.options.dedupeDays))).rowCount ?? 0
  }

  /** Purges about once an hour, off the request path; every replica may do it, it is idempotent. */
  #purgeNowAndThen (): void {
    if (Date.now() - this.#lastPurge < PURGE_EVERY_MS) return
    this.#lastPurge = Date.now()
    this.purge().catch(() => { this.#lastPurge = 0 })
  }
}
