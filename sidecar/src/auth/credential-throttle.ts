/**
 * Throttles FAILED credential attempts (wrong client secret, wrong admin token) so a credential cannot
 * be guessed at network speed. Two token buckets of failures, each refilled at its limit per minute:
 *
 * - per source (the caller's address): a source that keeps failing is refused (429) for every
 *   credential, right or wrong, until its bucket refills;
 * - per client (the client id asked for, or the admin token): many sources failing against one client
 *   (a distributed guess) refuse further attempts at that client, EXCEPT from sources that have
 *   authenticated as that client recently ("familiar" sources). An attacker elsewhere therefore cannot
 *   lock a working client out; a legitimate client coming from a new address while the attack goes on
 *   waits like the attacker (the trade-off: we refuse to let unknown sources keep guessing).
 *
 * Successes never spend a token. State is per process (each replica throttles on its own) and bounded:
 * attackers choose the keys, so each map forgets its oldest entries past a cap. The gateway's
 * RateLimiter (rate-limiter.ts) is not reused: it spends a token on every check, while here
 * only a failure may, and the caller must be told before the check whether it may try at all.
 */
export interface ThrottleLimits {
  /** failures per minute (and burst) one source may make; 0 = no per-source throttling */
  perSource: number
  /** failures per minute (and burst) against one client from unfamiliar sources; 0 = none */
  perClient: number
  /** how long a source that authenticated as a client stays familiar to it */
  familiarMs?: number
}

const MAX_KEYS = 10_000
const MAX_FAMILIAR_PER_CLIENT = 100

class FailureBuckets {
  readonly #buckets = new Map<string, { tokens: number, updated: number }>()
  constructor (readonly perMinute: number) {}

  #refilled (key: string, now: number): { tokens: number, updated: number } | undefined {
    const bucket = this.#buckets.get(key)
    if (!bucket) return undefined
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updated) * this.perMinute / 60_000)
    bucket.updated = now
    if (bucket.tokens >= this.perMinute) { this.#buckets.delete(key); return undefined }
    return bucket
  }

  /** Milliseconds until this key may fail once more (0 = it may now). */
  waitMs (key: string, now: number): number {
    if (this.perMinute <= 0) return 0
    const bucket = this.#refilled(key, now)
    if (!bucket || bucket.tokens >= 1) return 0
    return Math.ceil((1 - bucket.tokens) * 60_000 / this.perMinute)
  }

  fail (key: string, now: number): void {
    if (this.perMinute <= 0) return
    const bucket = this.#refilled(key, now) ?? { tokens: this.perMinute, updated: now }
    bucket.tokens = Math.max(0, bucket.tokens - 1)
    this.#buckets.delete(key) // re-insert: the map's order is then least recently failed first
    this.#buckets.set(key, bucket)
    if (this.#buckets.size > MAX_KEYS) this.#buckets.delete(this.#buckets.keys().next().value!)
  }
}

export class CredentialThrottle {
  readonly #sources: FailureBuckets
  readonly #clients: FailureBuckets
  readonly #familiar = new Map<string, Map<string, number>>()
  readonly #familiarMs: number

  constructor (limits: ThrottleLimits) {
    this.#sources = new FailureBuckets(limits.perSource)
    this.#clients = new FailureBuckets(limits.perClient)
    this.#familiarMs = limits.familiarMs ?? 24 * 3600_000
  }

  /** Seconds the caller must wait before trying this credential (0 = it may try now). */
  retryAfter (source: string, client: string | null, now = Date.now()): number {
    let wait = this.#sources.waitMs(source, now)
    if (client !== null && !this.#isFamiliar(client, source, now)) wait = Math.max(wait, this.#clients.waitMs(client, now))
    return Math.ceil(wait / 1000)
  }

  failed (source: string, client: string | null, now = Date.now()): void {
    this.#sources.fail(source, now)
    if (client !== null) this.#clients.fail(client, now)
  }

  succeeded (source: string, client: string | null, now = Date.now()): void {
    if (client === null) return
    const sources = this.#familiar.get(client) ?? new Map<string, number>()
    sources.delete(source)
    sources.set(source, now + this.#familiarMs)
    if (sources.size > MAX_FAMILIAR_PER_CLIENT) sources.delete(sources.keys().next().value!)
    this.#familiar.delete(client)
    this.#familiar.set(client, sources)
    if (this.#familiar.size > MAX_KEYS) this.#familiar.delete(this.#familiar.keys().next().value!)
  }

  #isFamiliar (client: string, source: string, now: number): boolean {
    return (this.#familiar.get(client)?.get(source) ?? 0) > now
  }
}
