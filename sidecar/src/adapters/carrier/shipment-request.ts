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
