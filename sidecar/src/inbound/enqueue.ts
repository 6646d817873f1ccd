import type PgBoss from 'pg-boss'
import { v5 as uuidv5 } from 'uuid'
import type { Logger } from '../observability/logger.ts'
import { type InboundJob, QUEUES } from '../queues.ts'

/** Namespace for inbound job ids: uuidv5(connector + message id) makes a redelivered message collide. */
const INBOUND_NAMESPACE = '6f1c7d1e-6c8b-4b52-9c55-3f0f3c1d2a10'

/** Stores an inbound message durably; false when the same message id was already stored (a replay). */
export async function enqueueInbound (boss: PgBoss, connectorCode: string, message: InboundJob['message']): Promise<boolean> {
  const job: InboundJob = { connector_code: connectorCode, message }
  return (await boss.send(QUEUES.inbound, job, { id: uuidv5(`${connectorCode}:${message.id}`, INBOUND_NAMESPACE) })) !== null
}

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
