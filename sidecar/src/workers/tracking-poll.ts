import { CARRIER_ADAPTERS, carrierAdapterFor } from '../adapters/registry.ts'
import type { Connector } from '../adapters/types.ts'
import { activeConnectorsByAdapters } from '../db/connector-plans.ts'
import type { Pool } from '../db/pool.ts'
import { openShipments } from '../db/shipment-plans.ts'
import { errorMessage } from '../errors.ts'
import type { InboundStore } from '../inbound/inbound-store.ts'
import { warnUnknownStatuses } from '../inbound/unknown-statuses.ts'
import type { Logger } from '../observability/logger.ts'
import type { BreakerRegistry } from '../shipping/breakers.ts'

export interface TrackingPollDeps { pool: Pool, inbound: InboundStore, logger: Logger, breakers: BreakerRegistry }

const POLL_BATCH = 200

/**
 * Tracking for carriers in batch sync mode (no webhooks): every `batch_interval` minutes, ask the
 * carrier about each open shipment and feed the events through the same inbound path as webhooks.
 * Message ids derive from the carrier's event ids, so polling twice (or a webhook after a poll) adds
 * nothing: Odoo keeps one tracking event per id. Runs from a pg-boss cron job, so one replica polls.
 */
export async function pollTracking ({ pool, inbound, logger, breakers }: TrackingPollDeps, now = new Date()): Promise<number> {
  const minute = Math.floor(now.getTime() / 60_000)
  const { rows } = await pool.query<Connector>(activeConnectorsByAdapters(CARRIER_ADAPTERS))
  let stored = 0
  for (const connector of rows.filter(c => c.sync_mode === 'batch' && minute % Math.max(1, c.batch_interval) === 0)) {
    const carrier = carrierAdapterFor(connector.adapter)!
    const { rows: shipments } = await pool.query<{ id: number, tracking_number: string }>(openShipments(connector.id, POLL_BATCH))
    for (const s of shipments) {
      try {
        const events = await breakers.run(connector.code, () => carrier.track(s.tracking_number, connector))
        for (const event of events) {
          const message = { id: `poll:${event.id}`, type: 'shipment.tracking', correlation_id: null, data: { tracking_number: s.tracking_number, events: [event] } }
          warnUnknownStatuses(logger, connector.code, message)
          if (await inbound.store(connector.code, message)) stored++
        }
      } catch (err) {
        logger.warn({ connector: connector.code, tracking_number: s.tracking_number, err: errorMessage(err) }, 'tracking poll failed; next interval retries')
      }
    }
  }
  return stored
}
