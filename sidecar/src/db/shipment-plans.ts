import type { Plan } from './pool.ts'

/**
 * Shipments still moving, per connector, read from the addon's columns on stock_picking
 * (docs/contract.md): tracking polls only ask carriers about parcels that can still change.
 */
export function openShipments (connectorId: number, limit: number): Plan {
  return {
    text: `SELECT id, hub_tracking_number AS tracking_number FROM stock_picking
           WHERE hub_carrier_connector_id = $1 AND hub_tracking_number IS NOT NULL
             AND COALESCE(hub_shipment_status, 'pending') NOT IN ('delivered', 'cancelled', 'return_to_sender')
           ORDER BY id LIMIT $2`,
    values: [connectorId, limit]
  }
}

/**
 * Carrier bookings of pickings the gateway already read through the partner-scoped Odoo reader (ids come
 * only from there): the gateway's Shipment booking fields and live tracking.
 */
export function shipmentBookings (ids: number[]): Plan {
  return {
    text: `SELECT p.id, p.hub_tracking_number AS tracking_number, p.hub_shipment_status AS status,
                  p.hub_carrier_connector_id AS connector_id, c.name AS carrier
           FROM stock_picking p LEFT JOIN hub_connector c ON c.id = p.hub_carrier_connector_id
           WHERE p.id = ANY($1::int[]) AND p.hub_tracking_number IS NOT NULL`,
    values: [ids]
  }
}
