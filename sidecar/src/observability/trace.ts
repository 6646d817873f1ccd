import { createHash, randomBytes } from 'node:crypto'

/**
 * Headers that carry a flow's identity to partners: our correlation id as is, and a W3C traceparent
 * whose trace id IS the correlation id (a UUID's 32 hex digits), so a partner's tracing joins ours
 * without a lookup table. Each partner call is its own span.
 */
export function traceHeaders (correlationId: string): Record<string, string> {
  const hex = correlationId.replace(/-/g, '').toLowerCase()
  const traceId = /^[0-9a-f]{32}$/.test(hex) && !/^0+$/.test(hex) ? hex : createHash('sha256').update(correlationId).digest('hex').slice(0, 32)
  return { 'x-correlation-id': correlationId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` }
}
