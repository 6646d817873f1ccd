import { createRefusalTable, insertRefusal, lockRefusalTable, type RefusalRow } from '../db/refusal-plans.ts'
import { type Pool, withTransaction } from '../db/pool.ts'
import { createSidecarSchema } from '../db/sidecar-schema.ts'
import { errorMessage } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'
import { maskedExcerpt } from '../observability/mask.ts'

export interface RefusalLogOptions {
  /** rows recorded per minute by this process; refusals beyond are counted on the next row (HUB_INBOUND_REFUSALS_PER_MINUTE) */
  perMinute: number
  /** rows kept; older ones are dropped as new ones arrive (HUB_INBOUND_REFUSALS_KEEP) */
  keep: number
}

/** What a hook refused, as it saw it; `body` is the raw request body, masked and cut before it is stored. */
export interface Refusal {
  connectorCode: string | null
  reason: string
  httpStatus: number
  detail: string | null
  remoteAddr: string | null
  webhookId: string | null
  body: string | null
  /** the connector's secrets when known, masked verbatim in what is stored */
  secrets?: Array<string | null | undefined>
}

const CODE_CHARS = 64
const ID_CHARS = 200
const DETAIL_CHARS = 500
const BODY_CHARS = 300

/**
 * Records refused inbound callbacks so a person sees them in Odoo (Svix and Hookdeck show theirs).
 * Anyone on the network can make the sidecar refuse a request, so recording must not become a way to
 * fill the database: a token bucket lets `perMinute` rows through per process (the refusals it holds
 * back are still answered, counted in hub_inbound_total, and their number is stored on the next row),
 * and the table keeps the newest `keep` rows. Recording never fails or delays the refusal beyond one
 * insert: a database error is logged and the partner gets its answer all the same.
 */
export class RefusalLog {
  #tokens: number
  #refilledAt: number
  #suppressed = 0

  constructor (private readonly pool: Pool, private readonly logger: Logger, private readonly options: RefusalLogOptions,
    private readonly now: () => number = Date.now) {
    this.#tokens = options.perMinute
    this.#refilledAt = now()
  }

  /** Creates the table when missing; replicas starting together take turns. */
  async init (): Promise<void> {
    await withTransaction(this.pool, async client => {
      await client.query(lockRefusalTable)
      await client.query(createSidecarSchema)
      await client.query(createRefusalTable)
    })
  }

  /** Resolves once the refusal is stored, or was held back by the rate limit, or could not be stored (logged). */
  async record (refusal: Refusal): Promise<void> {
    if (!this.#take()) {
      this.#suppressed++
      return
    }
    const suppressed = this.#suppressed
    this.#suppressed = 0
    try {
      await this.pool.query(insertRefusal(toRow(refusal, suppressed), this.options.keep))
    } catch (err) {
      this.#suppressed += suppressed
      this.logger.warn({ err: errorMessage(err), reason: refusal.reason, connector: refusal.connectorCode }, 'could not record a refused callback')
    }
  }

  #take (): boolean {
    const now = this.now()
    const perMs = this.options.perMinute / 60_000
    this.#tokens = Math.min(this.options.perMinute, this.#tokens + (now - this.#refilledAt) * perMs)
    this.#refilledAt = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}

function cut (value: string | null | undefined, max: number): string | null {
  return value ? value.slice(0, max) : null
}

function toRow (r: Refusal, suppressed: number): RefusalRow {
  return {
    // the code and the webhook-id come from the caller: bounded, and masked like the body
    connector_code: maskedExcerpt(cut(r.connectorCode, CODE_CHARS), CODE_CHARS, r.secrets),
    reason: r.reason,
    http_status: r.httpStatus,
    detail: maskedExcerpt(r.detail, DETAIL_CHARS, r.secrets),
    remote_addr: cut(r.remoteAddr, 64),
    webhook_id: maskedExcerpt(cut(r.webhookId, ID_CHARS), ID_CHARS, r.secrets),
    body_excerpt: maskedExcerpt(r.body, BODY_CHARS, r.secrets),
    suppressed_before: suppressed
  }
}
