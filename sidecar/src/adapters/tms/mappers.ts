import { z } from 'zod'
import type { ShipmentRequest } from '../carrier/types.ts'
import type { ShipmentStatus, TrackingEvent } from '../../shipping/lifecycle.ts'
import { InboundFormatError } from '../types.ts'

/** TMS milestones on the canonical lifecycle, with the incident reason each implies (data, not code). */
export const MILESTONES: Record<string, { status: ShipmentStatus, reason: string | null }> = {
  DEPARTED: { status: 'picked_up', reason: null },
  DELAYED: { status: 'in_transit', reason: 'delayed' },
  ROUTE_DEVIATION: { status: 'exception', reason: 'route_deviation' },
  ARRIVED: { status: 'out_for_delivery', reason: null },
  POD: { status: 'delivered', reason: null }
}

export function toTransportOrder (req: ShipmentRequest, correlationId: string) {
  return {
    orderRef: req.reference,
    customerRef: `stock.picking/${req.picking_id}`,
    correlationId,
    delivery: { company: req.ship_to.name, street: req.ship_to.street, city: req.ship_to.city, zip: req.ship_to.zip, country: req.ship_to.country_code },
    weightKg: req.parcels.reduce((sum, p) => sum + p.weight_kg, 0)
  }
}

const milestone = z.object({
  jobId: z.string().min(1),
  eventNo: z.number().int(),
  milestone: z.string().min(1),
  at: z.string(),
  location: z.object({ place: z.string().nullish() }).nullish(),
  delayMinutes: z.number().nullish(),
  pod: z.object({ signedBy: z.string().nullish(), documentRef: z.string().nullish() }).nullish()
})

export function fromMilestone (body: unknown): TrackingEvent {
  const parsed = milestone.safeParse(body)
  if (!parsed.success) throw new InboundFormatError('not a TMS milestone', parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`))
  const m = parsed.data
  const known = MILESTONES[m.milestone]
  return {
    id: `tms:${m.jobId}:${m.eventNo}`,
    tracking_number: m.jobId,
    status: known?.status ?? 'exception',
    reason: known ? known.reason : 'unknown_status',
    carrier_status: m.milestone,
    occurred_at: m.at,
    location: m.location?.place ?? null,
    pod: m.pod ? { signed_by: m.pod.signedBy ?? null, signature_ref: m.pod.documentRef ?? null, photo_ref: null } : null
  }
}
