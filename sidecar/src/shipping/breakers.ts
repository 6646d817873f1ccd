import CircuitBreaker from 'opossum'
import { PermanentError, RetryableError } from '../errors.ts'

export interface BreakerSettings {
  /** failures (in %) within the rolling window that open the circuit */
  errorThresholdPercentage: number
  /** calls in the window before the percentage counts (one bad call must not open it) */
  volumeThreshold: number
  /** how long an open circuit rejects before letting one trial call through */
  resetTimeoutMs: number
  rollingWindowMs: number
}

export class CircuitOpenError extends RetryableError {
  override name = 'CircuitOpenError'
}

/**
 * One opossum circuit breaker per partner connector. Only outages count as failures: a partner that
 * rejects a request (PermanentError, e.g. an invalid address) is up and answering, so it must not be
 * taken out of rotation. opossum keeps the rolling statistics and the half-open trial logic.
 */
export class BreakerRegistry {
  #breakers = new Map<string, CircuitBreaker<[() => Promise<unknown>], unknown>>()

  constructor (private readonly settings: BreakerSettings,
    private readonly onStateChange?: (key: string, state: BreakerState) => void) {}

  async run<T> (key: string, call: () => Promise<T>): Promise<T> {
    try {
      return await this.#breaker(key).fire(call) as T
    } catch (err) {
      if ((err as { code?: string }).code === 'EOPENBREAKER') throw new CircuitOpenError(`circuit open for ${key}: partner considered down`)
      throw err
    }
  }

  isOpen (key: string): boolean { return this.#breakers.get(key)?.opened ?? false }

  state (key: string): BreakerState {
    const b = this.#breakers.get(key)
    return !b ? 'closed' : b.opened ? 'open' : b.halfOpen ? 'half_open' : 'closed'
  }

  states (): Record<string, BreakerState> {
    return Object.fromEntries([...this.#breakers.keys()].map(k => [k, this.state(k)]))
  }

  shutdown (): void { for (const b of this.#breakers.values()) b.shutdown() }

  #breaker (key: string) {
    let breaker = this.#breakers.get(key)
    if (!breaker) {
      const s = this.settings
      breaker = new CircuitBreaker(async (call: () => Promise<unknown>) => await call(), {
        timeout: false, // adapters enforce the connector's own timeout
        errorThresholdPercentage: s.errorThresholdPercentage,
        volumeThreshold: s.volumeThreshold,
        resetTimeout: s.resetTimeoutMs,
        rollingCountTimeout: s.rollingWindowMs,
        errorFilter: (err: unknown) => err instanceof PermanentError
      })
      const report = () => this.onStateChange?.(key, this.state(key))
      breaker.on('open', report)
      breaker.on('halfOpen', report)
      breaker.on('close', report)
      this.#breakers.set(key, breaker)
    }
    return breaker
  }
}

export type BreakerState = 'closed' | 'open' | 'half_open'
