import type { Plan } from './pool.ts'

/**
 * Drift queries over the shared tables (Odoo's own plus the addon's). Each returns rows shaped like a
 * drift item for hub.exception.hub_report_drift. Odoo timestamps are naive UTC.
 */
const utcNow = "(now() AT TIME ZONE 'UTC')"

/**
 * Sync states of one connector kind stuck in the given statuses for longer than `olderThanMinutes`:
 * deliveries a WMS never confirmed (wms, sent), portals not brought up to date (portal, pending/failed).
 */
export function staleSyncStates (kind: string, statuses: string[], resModel: string | null, olderThanMinutes: number, limit: number): Plan {
  return {
    text: `SELECT s.res_model, s.res_id, c.code AS connector_code, s.correlation_id, e.uuid AS event_uuid, s.status
           FROM hub_sync_state s
           JOIN hub_connector c ON c.id = s.connector_id AND c.kind = $1 AND c.active
           LEFT JOIN hub_event e ON e.id = s.last_event_id
           WHERE s.status = ANY($2::text[]) AND ($3::text IS NULL OR s.res_model = $3)
             AND s.write_date < ${utcNow} - make_interval(mins => $4)
           ORDER BY s.id LIMIT $5`,
    values: [kind, statuses, resModel, olderThanMinutes, limit]
  }
}

/** Labels printed but the carrier never scanned the parcel. */
export function unscannedShipments (olderThanHours: number, limit: number): Plan {
  return {
    text: `SELECT p.id AS res_id, p.hub_tracking_number AS tracking_number, c.id AS connector_id, c.code AS connector_code, c.adapter
           FROM stock_picking p JOIN hub_connector c ON c.id = p.hub_carrier_connector_id AND c.active
           WHERE p.hub_shipment_status = 'label_created' AND p.write_date < ${utcNow} - make_interval(hours => $1)
           ORDER BY p.id LIMIT $2`,
    values: [olderThanHours, limit]
  }
}

/**
 * Shipments delivered whose order still waits for its invoice, counted from when the hub RECEIVED the
 * delivery (the create_date of the current shipment's delivered tracking event), not from the carrier's
 * delivery time (hub_delivered_at): people can only invoice what the hub has heard of, and a carrier
 * reporting a delivery days late (or with its clock behind) must not raise the alarm the moment it lands.
 */
export function deliveredNotInvoiced (olderThanHours: number, limit: number): Plan {
  return {
    text: `SELECT p.id AS res_id, c.code AS connector_code, so.name AS order_name
           FROM stock_picking p
           JOIN sale_order so ON so.id = p.sale_id
           JOIN hub_connector c ON c.id = p.hub_carrier_connector_id
           WHERE p.hub_shipment_status = 'delivered' AND so.invoice_status = 'to invoice'
             AND EXISTS (SELECT 1 FROM hub_tracking_event t
                         WHERE t.picking_id = p.id AND t.tracking_number = p.hub_tracking_number AND t.status = 'delivered'
                           AND t.create_date < ${utcNow} - make_interval(hours => $1))
           ORDER BY p.id LIMIT $2`,
    values: [olderThanHours, limit]
  }
}
