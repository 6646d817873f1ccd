import { z } from 'zod'
import { PermanentError } from '../../errors.ts'
import type { Envelope } from '../connector.ts'
import type { ShipmentRequest } from './types.ts'

const canonicalPicking = z.object({
  id: z.number().int(),
  name: z.string(),
  weight: z.number().nonnegative().nullish(),
  partner: z.object({
    name: z.string().nullish(), street: z.string().nullish(), city: z.string().nullish(), zip: z.string().nullish(), country_code: z.string().nullish()
  }).nullish()
})

/** The shipment a picking event asks for; the picking's name is the carriers' idempotency reference. */
export function toShipmentRequest (envelope: Envelope): ShipmentRequest {
  const parsed = canonicalPicking.safeParse(envelope.data.picking)
  if (!parsed.success) throw new PermanentError(`${envelope.type} payload has no canonical picking: ${parsed.error.message}`)
  const p = parsed.data
  return {
    reference: p.name,
    correlation_id: envelope.correlation_id,
    picking_id: p.id,
    ship_to: { name: p.partner?.name ?? null, street: p.partner?.street ?? null, city: p.partner?.city ?? null, zip: p.partner?.zip ?? null, country_code: p.partner?.country_code ?? null },
    // one parcel of the picking's weight; a picking without weights still ships (carriers' minimum)
    parcels: [{ weight_kg: p.weight && p.weight > 0 ? p.weight : 1 }]
  }
}

const voidedShipment = z.object({
  picking: z.object({ id: z.number().int(), name: z.string() }),
  shipment: z.object({ tracking_number: z.string().nullish(), carrier: z.string().nullish() })
})

/** The label a `shipment.void` (a process compensation) asks a carrier connector to void. */
export interface VoidRequest { reference: string, tracking_number: string, correlation_id: string | null }

/**
 * `data.shipment` is the picking's current booking as Odoo knew it when the process failed. An event without
 * a tracking number, or for a label another carrier connector booked, cannot be acted on here: retrying
 * cannot change that, and voiding a number this carrier did not issue could void someone else's parcel.
 */
export function toVoidRequest (envelope: Envelope, connectorCode: string): VoidRequest {
  const parsed = voidedShipment.safeParse(envelope.data)
  if (!parsed.success) throw new PermanentError(`${envelope.type} payload has no canonical picking and shipment: ${parsed.error.message}`)
  const { picking, shipment } = parsed.data
  if (!shipment.tracking_number) throw new PermanentError(`${envelope.type} for ${picking.name}: the picking has no tracking number, so there is no label to void`)
  if (shipment.carrier && shipment.carrier !== connectorCode) {
    throw new PermanentError(`${envelope.type} for ${picking.name}: label ${shipment.tracking_number} was booked with carrier connector ${shipment.carrier}, not ${connectorCode}`)
  }
  return { reference: picking.name, tracking_number: shipment.tracking_number, correlation_id: envelope.correlation_id }
}
