import type { Logger } from '../observability/logger.ts'
import type { InboundJob } from '../queues.ts'

const unknownStatusesSeen = new Set<string>()

/**
 * Partner status codes the mapping does not know arrive as `exception`/`unknown_status`; the mapping
 * needs a fix, so say it once per code and process rather than on every event.
 */
export function warnUnknownStatuses (logger: Pick<Logger, 'warn'>, connectorCode: string, message: InboundJob['message']): void {
  const events = (message.data as { events?: Array<{ reason?: string, carrier_status?: string }> }).events ?? []
  for (const e of events) {
    const key = `${connectorCode}:${e.carrier_status}`
    if (e.reason !== 'unknown_status' || unknownStatusesSeen.has(key)) continue
    unknownStatusesSeen.add(key)
    logger.warn({ connector: connectorCode, carrier_status: e.carrier_status }, 'unknown partner status code mapped to exception/unknown_status; extend the mapping')
  }
}
