import type { Pool } from '../db/pool.ts'
import { shipmentBookings } from '../db/shipment-plans.ts'

export interface ShipmentBooking { id: number, trackingNumber: string, status: string | null, connectorId: number | null, carrier: string | null }

/**
 * The carrier booking of pickings (hub columns on stock_picking, docs/contract.md "Shipments"), by SQL:
 * Odoo shows these fields to hub users only, so reading them over RPC would fail for everyone else.
 * Without the addon's shipment columns no picking is booked.
 */
export async function loadBookings (pool: Pool, ids: readonly number[]): Promise<Map<number, ShipmentBooking>> {
  try {
    const { rows } = await pool.query<{ id: number, tracking_number: string, status: string | null, connector_id: number | null, carrier: string | null }>(shipmentBookings([...ids]))
    return new Map(rows.map(r => [r.id, { id: r.id, trackingNumber: r.tracking_number, status: r.status, connectorId: r.connector_id, carrier: r.carrier }]))
  } catch (err) {
    if (['42703', '42P01'].includes((err as { code?: string }).code ?? '')) return new Map()
    throw err
  }
}
