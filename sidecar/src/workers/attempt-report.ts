import type { PartnerAnswer } from '../adapters/partner-answers.ts'
import { maskedExcerpt } from '../observability/mask.ts'
import { DELIVERY_EXCERPT_CHARS, type DeliveryAttempt } from '../queues.ts'

/**
 * The delivery attempt Odoo shows (`delivery` of a write-back) from what its partner calls got back.
 * The last answer is the one that decided (a carrier's booking after its quote, the answer before a
 * timeout counts as none). The excerpt is masked with the connector's own secrets too, so a partner
 * echoing our signature key or credentials never puts them on screen.
 */
export function describeAttempt (answers: PartnerAnswer[], started: Date, durationMs: number,
  maxAttempts: number, secrets: Array<string | null | undefined>): DeliveryAttempt {
  const last = answers.at(-1)
  return {
    attempted_at: started.toISOString(),
    duration_ms: Math.max(0, Math.round(durationMs)),
    http_status: last?.status ?? null,
    response_excerpt: maskedExcerpt(last?.body, DELIVERY_EXCERPT_CHARS, secrets),
    max_attempts: maxAttempts,
    next_retry_at: null
  }
}

/**
 * The last attempt as the dead-letter consumer knows it: the worker's own description when it wrote
 * one (in the dead-letter job, or in the failed job's output that pg-boss copied there), else only
 * the count (the attempt's worker died and pg-boss expired the job).
 */
export function lastAttempt (fromJob: DeliveryAttempt | undefined, output: unknown, maxAttempts: number): DeliveryAttempt {
  const fromOutput = (output as { delivery?: DeliveryAttempt } | null)?.delivery
  const known = fromJob ?? fromOutput
  if (known) return { ...known, next_retry_at: null }
  return { attempted_at: null, duration_ms: null, http_status: null, response_excerpt: null, max_attempts: maxAttempts, next_retry_at: null }
}
