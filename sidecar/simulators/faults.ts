import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Faults a simulator injects on demand, shared by every simulated partner. Counters ("next N requests")
 * make tests deterministic; latency applies to every request while set.
 */
export interface FaultSettings {
  /** added to every answer */
  latencyMs: number
  /** the next N requests answer `failStatus` */
  failNext: number
  failStatus: number
  /** what those failing answers carry, when not the simulator's own error (e.g. a partner echoing credentials) */
  failBody: unknown
  /** the next N requests never answer (the caller's timeout fires) */
  timeoutNext: number
  /** the next N requests answer 429 with Retry-After */
  rateLimitNext: number
  retryAfterSeconds: number
  /** every callback is sent twice with the same webhook-id */
  duplicateCallbacks: boolean
  /** callbacks of one fulfilment are sent last stage first */
  outOfOrderCallbacks: boolean
}

export const noFaults = (): FaultSettings => ({
  latencyMs: 0, failNext: 0, failStatus: 500, failBody: null, timeoutNext: 0, rateLimitNext: 0, retryAfterSeconds: 1,
  duplicateCallbacks: false, outOfOrderCallbacks: false
})

export type FaultVerdict = { kind: 'ok' } | { kind: 'fail', status: number, body: unknown } | { kind: 'hang' } | { kind: 'rate_limit', retryAfter: number }

export class FaultInjector {
  settings = noFaults()

  set (patch: Partial<FaultSettings>): FaultSettings {
    this.settings = { ...this.settings, ...patch }
    return this.settings
  }

  reset (): void { this.settings = noFaults() }

  /** Decides the fate of one incoming request (consuming a counter) after the configured latency. */
  async next (): Promise<FaultVerdict> {
    const s = this.settings
    if (s.latencyMs > 0) await sleep(s.latencyMs)
    if (s.timeoutNext > 0) { s.timeoutNext--; return { kind: 'hang' } }
    if (s.rateLimitNext > 0) { s.rateLimitNext--; return { kind: 'rate_limit', retryAfter: s.retryAfterSeconds } }
    if (s.failNext > 0) { s.failNext--; return { kind: 'fail', status: s.failStatus, body: s.failBody } }
    return { kind: 'ok' }
  }
}
