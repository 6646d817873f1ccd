/**
 * Per-connector call budget (calls per minute) for this process, as a token bucket: bursts up to the
 * budget, then one call every 60/limit seconds. Replicas each get the full budget; set the connector's
 * limit per replica accordingly. A partner's own Retry-After pauses every call to it until then.
 */
export class RateLimiter {
  #buckets = new Map<string, { tokens: number, updated: number }>()
  #pausedUntil = new Map<string, number>()

  /** The partner asked for a break (429/503 with Retry-After): hold all calls to it until then. */
  pause (key: string, seconds: number, now = Date.now()): void {
    this.#pausedUntil.set(key, Math.max(this.#pausedUntil.get(key) ?? 0, now + seconds * 1000))
  }

  /** Milliseconds to wait before the call may go out (0 = now); the token is taken either way. */
  reserve (key: string, perMinute: number, now = Date.now()): number {
    const paused = Math.max(0, (this.#pausedUntil.get(key) ?? 0) - now)
    return Math.max(paused, this.#take(key, perMinute, now))
  }

  #take (key: string, perMinute: number, now: number): number {
    if (perMinute <= 0) return 0
    const ratePerMs = perMinute / 60_000
    const bucket = this.#buckets.get(key) ?? { tokens: perMinute, updated: now }
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updated) * ratePerMs)
    bucket.updated = now
    bucket.tokens -= 1
    this.#buckets.set(key, bucket)
    return bucket.tokens >= 0 ? 0 : Math.ceil(-bucket.tokens / ratePerMs)
  }
}
