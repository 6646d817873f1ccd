import type { TrackingEvent } from '../../shipping/lifecycle.ts'
import type { Connector } from '../connector.ts'

/** What the hub asks a carrier to move (built from the canonical picking). */
export interface ShipmentRequest {
  reference: string
  /** the flow's correlation id, sent to the carrier as x-correlation-id and W3C traceparent */
  correlation_id: string | null
  picking_id: number
  ship_to: { name: string | null, street: string | null, city: string | null, zip: string | null, country_code: string | null }
  parcels: Array<{ weight_kg: number }>
}

export interface Rate { carrier: string, service: string, amount: number, currency: string, transit_days: number }

export interface Booking {
  carrier: string
  service: string
  tracking_number: string
  label_pdf_base64: string
  amount: number
  currency: string
}

/** A label the carrier voided (or had voided already: voiding is idempotent). */
export interface VoidedLabel { tracking_number: string }

/** A carrier's freight bill in canonical terms: what it charges for each shipment it moved (Odoo audits it). */
// a type, not an interface: it is also the `data` of an inbound message (a plain record)
export type FreightBill = {
  bill_id: string
  issued_at: string
  currency: string
  lines: Array<{ line_id: string, tracking_number: string, amount: number }>
}

/** The carrier side of the adapter seam: every carrier answers these in canonical terms. */
export interface CarrierAdapter {
  readonly name: string
  rate: (req: ShipmentRequest, connector: Connector) => Promise<Rate[]>
  book: (req: ShipmentRequest, rate: Rate, connector: Connector) => Promise<Booking>
  track: (trackingNumber: string, connector: Connector) => Promise<TrackingEvent[]>
  /**
   * Voids a label (a process compensation): `key` is the carrier's idempotency key (the event id). A label
   * voided before answers as voided; a parcel the carrier already has is refused (PermanentError).
   */
  void: (trackingNumber: string, connector: Connector, key: string, correlationId: string | null) => Promise<VoidedLabel>
  /** the freight bills the carrier has issued (carriers with the "freight-bills" capability) */
  freightBills?: (connector: Connector) => Promise<FreightBill[]>
  /** a verified tracking webhook body -> canonical events (throws InboundFormatError) */
  parseTracking: (body: unknown) => Promise<TrackingEvent[]>
}

/** How a rate-shopping route picks among carriers. */
export type CarrierRule = 'cheapest' | 'fastest'

/** A carrier connector with the adapter that speaks to it. */
export interface Carrier { connector: Connector, adapter: CarrierAdapter }
