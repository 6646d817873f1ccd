/**
 * The canonical shipment lifecycle (docs/architecture.md, "Contracts"). A status only moves forward: the current status
 * is the highest-ranked one ever reported, so the outcome depends on WHICH events arrived, never on the
 * order they arrived in or how often. Late events stay in the history without regressing the status.
 *
 * Side states sit where they belong in time: an `exception` in transit shows until the parcel moves on
 * (`out_for_delivery` outranks it); `delivery_failed` outranks the delivery attempt that failed; the
 * terminal states outrank everything that can precede them, `delivered` being final.
 * The same table lives in odoo_addon/logistics_hub/hub/lifecycle.py (a test keeps them equal).
 */
export const SHIPMENT_RANK = {
  pending: 0,
  label_created: 10,
  picked_up: 20,
  in_transit: 30,
  exception: 35,
  out_for_delivery: 40,
  delivery_failed: 45,
  return_to_sender: 50,
  cancelled: 60,
  delivered: 70
} as const

export type ShipmentStatus = keyof typeof SHIPMENT_RANK

export const SHIPMENT_STATUSES = Object.keys(SHIPMENT_RANK) as ShipmentStatus[]

export function isShipmentStatus (value: unknown): value is ShipmentStatus {
  return typeof value === 'string' && Object.hasOwn(SHIPMENT_RANK, value)
}

/** The status after `next` is reported to a shipment that is at `current`. */
export function advance (current: ShipmentStatus, next: ShipmentStatus): ShipmentStatus {
  return SHIPMENT_RANK[next] > SHIPMENT_RANK[current] ? next : current
}

export function finalStatus (events: Iterable<{ status: ShipmentStatus }>, start: ShipmentStatus = 'pending'): ShipmentStatus {
  let status = start
  for (const e of events) status = advance(status, e.status)
  return status
}

/** A tracking event in canonical form, whatever the carrier or TMS said. */
export interface TrackingEvent {
  /** the partner's own event id when it has one; otherwise derived from the content (dedupe key) */
  id: string
  tracking_number: string
  status: ShipmentStatus
  /** why: the carrier's words mapped to a reason code (`unknown_status` when the code was not recognised) */
  reason: string | null
  /** the carrier's raw status code, kept for people and for mapping fixes */
  carrier_status: string
  occurred_at: string
  location: string | null
  pod: { signed_by: string | null, signature_ref: string | null, photo_ref: string | null } | null
}
