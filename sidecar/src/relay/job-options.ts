import type PgBoss from 'pg-boss'
import type { Connector } from '../adapters/types.ts'

/**
 * Delivery job options from the connector's retry policy. pg-boss counts retries after the first
 * attempt, hence max_attempts - 1. Batch connectors get their jobs held until the next interval slot,
 * so a batch connector receives its events in bursts rather than one by one.
 */
export function deliveryJobOptions (connector: Connector, minExpireSeconds: number, now = Date.now()): Pick<PgBoss.JobInsert, 'retryLimit' | 'retryDelay' | 'retryBackoff' | 'startAfter' | 'expireInSeconds'> {
  const options: ReturnType<typeof deliveryJobOptions> = {
    retryLimit: Math.max(0, connector.max_attempts - 1),
    retryDelay: connector.retry_delay,
    retryBackoff: connector.retry_backoff,
    // a crashed worker's job comes back after this; generous enough for a slow partner plus rate limiting
    expireInSeconds: Math.max(minExpireSeconds, connector.timeout * 3)
  }
  if (connector.sync_mode === 'batch') {
    const slot = connector.batch_interval * 60_000
    options.startAfter = new Date(Math.ceil(now / slot) * slot).toISOString()
  }
  return options
}
