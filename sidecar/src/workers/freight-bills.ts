import { FREIGHT_BILL_ADAPTERS, carrierAdapterFor } from '../adapters/registry.ts'
import type { Connector } from '../adapters/types.ts'
import { activeConnectorsByAdapters } from '../db/connector-plans.ts'
import type { Pool } from '../db/pool.ts'
import { errorMessage } from '../errors.ts'
import type { InboundStore } from '../inbound/inbound-store.ts'
import type { Logger } from '../observability/logger.ts'
import type { BreakerRegistry } from '../shipping/breakers.ts'

export interface FreightBillDeps { pool: Pool, inbound: InboundStore, logger: Logger, breakers: BreakerRegistry }

/**
 * Fetches each carrier's freight bills (HUB_FREIGHT_BILLS_CRON, one replica) and stores every bill as an
 * inbound `freight.bill` message, which Odoo audits (hub.freight.bill). The message id is the carrier's bill
 * number, so a bill fetched again, by any replica or after a crash, is stored once; Odoo also keeps one
 * bill per (carrier, number). Returns how many bills were new.
 */
export async function fetchFreightBills ({ pool, inbound, logger, breakers }: FreightBillDeps): Promise<number> {
  if (!FREIGHT_BILL_ADAPTERS.length) return 0
  const { rows } = await pool.query<Connector>(activeConnectorsByAdapters(FREIGHT_BILL_ADAPTERS))
  let stored = 0
  for (const connector of rows) {
    const carrier = carrierAdapterFor(connector.adapter)
    if (!carrier?.freightBills) continue
    try {
      const bills = await breakers.run(connector.code, () => carrier.freightBills!(connector))
      for (const bill of bills) {
        if (await inbound.store(connector.code, { id: `bill:${bill.bill_id}`, type: 'freight.bill', correlation_id: null, data: bill })) stored++
      }
    } catch (err) {
      logger.warn({ connector: connector.code, err: errorMessage(err) }, 'freight bill fetch failed; the next run retries')
    }
  }
  if (stored) logger.info({ stored }, 'freight bills stored for audit')
  return stored
}
