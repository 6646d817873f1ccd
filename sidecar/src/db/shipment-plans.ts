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
