import type { Plugin } from 'graphql-yoga'
import type { RateLimiter } from '../rate-limiter.ts'
import { gatewayError } from './errors.ts'
import { callerOf } from './use-authentication.ts'

/**
 * Operations per minute per caller (token bucket keyed by API client, IdP subject or Odoo user; the
 * budget is hub.api.client.rate_limit). Each operation of a batch counts. A refused operation still
 * spends its token, so a client that ignores Retry-After stays limited until it slows down.
 */
export function useRateLimit ({ limiter }: { limiter: RateLimiter }): Plugin {
  return {
    onParams ({ request, setResult }) {
      const caller = callerOf(request)
      if (!caller || caller.rateLimit <= 0) return
      const waitMs = limiter.reserve(caller.rateKey, caller.rateLimit)
      if (waitMs > 0) {
        const retryAfter = String(Math.ceil(waitMs / 1000))
        setResult({ errors: [gatewayError('RATE_LIMITED', `rate limit of ${caller.rateLimit} operations per minute reached; retry in ${retryAfter} s`, { status: 429, headers: { 'retry-after': retryAfter } })] })
      }
    }
  }
}
