import { carrierAdapterFor } from '../../adapters/registry.ts'
import type { Connector } from '../../adapters/types.ts'
import { connectorsByIds } from '../../db/connector-plans.ts'
import type { Pool } from '../../db/pool.ts'
import { finalStatus } from '../../shipping/lifecycle.ts'
import type { BreakerRegistry } from '../../shipping/breakers.ts'
import { loadBookings } from '../bookings.ts'

export interface LiveTracking {
  carrier: string
  trackingNumber: string | null
  status: string
  location: string | null
  estimatedDelivery: string | null
  updatedAt: string | null
}

/**
 * The seam for Shipment.liveTracking: per picking id, what the carrier says now (null when the picking
 * has no carrier booking, an Error when the carrier did not answer). Tests and other carriers plug in
 * their own implementation.
 */
export interface CarrierTracking {
  track: (pickingIds: readonly number[]) => Promise<Array<LiveTracking | null | Error>>
}

export interface ConnectorTrackingOptions { pool: Pool, timeoutMs: number, breakers?: BreakerRegistry }

/**
 * Asks the booked carrier (hub_carrier_connector_id / hub_tracking_number on the picking, written by the
 * shipping flow) through its adapter's `track`, bounded by the live timeout and the connector's breaker.
 */
export function connectorCarrierTracking ({ pool, timeoutMs, breakers }: ConnectorTrackingOptions): CarrierTracking {
  return {
    async track (pickingIds) {
      const booked = [...(await loadBookings(pool, pickingIds)).values()].filter(b => b.connectorId !== null)
      if (booked.length === 0) return pickingIds.map(() => null)
      const { rows: connectors } = await pool.query<Connector>(connectorsByIds([...new Set(booked.map(b => b.connectorId!))]))
      const byId = new Map(connectors.map(c => [c.id, c]))
      const answers = new Map(await Promise.all(booked.map(async b => [b.id, await askCarrier(byId.get(b.connectorId!), b.trackingNumber, timeoutMs, breakers)] as const)))
      return pickingIds.map(id => answers.get(id) ?? null)
    }
  }
}

async function askCarrier (connector: Connector | undefined, trackingNumber: string, timeoutMs: number, breakers?: BreakerRegistry): Promise<LiveTracking | null | Error> {
  const carrier = connector && carrierAdapterFor(connector.adapter)
  if (!connector || !carrier) return null
  const bounded = { ...connector, timeout: Math.min(connector.timeout, timeoutMs / 1000) }
  try {
    const call = () => carrier.track(trackingNumber, bounded)
    const events = await (breakers ? breakers.run(connector.code, call) : call())
    const latest = [...events].sort((a, b) => a.occurred_at.localeCompare(b.occurred_at)).at(-1)
    // Only booked parcels are asked, so the carrier knows the label even before its first scan: an empty
    // history (the normal answer until pickup) is `label_created`, as in Odoo, not `pending`.
    return {
      carrier: connector.name, trackingNumber, status: finalStatus(events, 'label_created'),
      location: latest?.location ?? null, estimatedDelivery: null, updatedAt: latest?.occurred_at ?? null
    }
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err))
  }
}
