/**
 * Per-connector call budget (calls per minute) for this process, as a token bucket: bursts up to the
 * budget, then one call every 60/limit seconds. Replicas each get the full budget; set the connector's
 * limit per replica accordingly.
 */
export class RateLimiter {
  #buckets = new Map<string, { tokens: number, updated: number }>()

  /** Milliseconds to wait before the call may go out (0 = now); the token is taken either way. */
  reserve (key: string, perMinute: number, now = Date.now()): number {
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
