import { z } from 'zod'
import { PermanentError } from '../../errors.ts'
import { type Envelope, type InboundMessage, InboundFormatError } from '../types.ts'

/**
 * Pure translations between the canonical model and the WMS wire format (the simulator in
 * sidecar/simulators/wms speaks it). The WMS echoes `client_reference` so callbacks find the picking.
 */

const canonicalPicking = z.object({
  id: z.number().int(),
  name: z.string(),
  origin: z.string().nullish(),
  scheduled_date: z.string().nullish(),
  partner: z.object({
    name: z.string().nullish(), street: z.string().nullish(), city: z.string().nullish(),
    zip: z.string().nullish(), country_code: z.string().nullish()
  }).nullish(),
  lines: z.array(z.object({
    move_id: z.number().int(), sku: z.string().nullish(), product: z.string(), quantity: z.number(), uom: z.string().nullish()
  })).min(1)
})

export interface FulfilmentRequest {
  request_id: string
  client_reference: string
  reference: string
  order_reference: string | null
  correlation_id: string
  requested_ship_date: string | null
  ship_to: { name: string | null, address1: string | null, city: string | null, postcode: string | null, country: string | null }
  items: Array<{ line_ref: string, sku: string | null, description: string, quantity: number, unit: string | null }>
}

export function toFulfilmentRequest (envelope: Envelope): FulfilmentRequest {
  if (envelope.type !== 'picking.ready') {
    throw new PermanentError(`the WMS adapter handles picking.ready, not ${envelope.type}: check the connector's routes`)
  }
  const parsed = canonicalPicking.safeParse(envelope.data.picking)
  if (!parsed.success) throw new PermanentError(`picking.ready payload is not canonical: ${parsed.error.message}`)
  const p = parsed.data
  return {
    request_id: envelope.id,
    client_reference: `stock.picking/${p.id}`,
    reference: p.name,
    order_reference: p.origin ?? null,
    correlation_id: envelope.correlation_id,
    requested_ship_date: p.scheduled_date ?? null,
    ship_to: {
      name: p.partner?.name ?? null,
      address1: p.partner?.street ?? null,
      city: p.partner?.city ?? null,
      postcode: p.partner?.zip ?? null,
      country: p.partner?.country_code ?? null
    },
    items: p.lines.map(l => ({ line_ref: String(l.move_id), sku: l.sku ?? null, description: l.product, quantity: l.quantity, unit: l.uom ?? null }))
  }
}

/** What `fulfilment.cancel` names: a picking (`data.picking`) or a whole order (`data.order`). */
const cancelTarget = z.object({ id: z.number().int(), name: z.string().min(1) })

export interface FulfilmentCancelRequest {
  /** the event's id: the WMS dedupes on it, so a retried or re-sent cancellation acts once */
  request_id: string
  /** the picking, as the fulfilment request named it; null when a whole order is cancelled */
  client_reference: string | null
  /** the order (the fulfilment requests' order_reference); null when one picking is cancelled */
  order_reference: string | null
  correlation_id: string
}

/**
 * A process compensation (Odoo's COMPENSATION_EVENT_TYPES): undo the fulfilment a failed process had
 * started. On a picking it names that picking; on an order every fulfilment of the order.
 */
export function toCancelRequest (envelope: Envelope): FulfilmentCancelRequest {
  const picking = envelope.data.picking === undefined ? null : cancelTarget.safeParse(envelope.data.picking)
  const order = envelope.data.order === undefined ? null : cancelTarget.safeParse(envelope.data.order)
  const target = picking ?? order
  if (!target?.success) {
    throw new PermanentError(`${envelope.type} names neither a picking (data.picking) nor an order (data.order) with id and name${target ? `: ${target.error.message}` : ''}`)
  }
  return {
    request_id: envelope.id,
    client_reference: picking ? `stock.picking/${target.data.id}` : null,
    order_reference: picking ? null : target.data.name,
    correlation_id: envelope.correlation_id
  }
}

const callbackStages = { PICKED: 'fulfilment.picked', PACKED: 'fulfilment.packed', SHIPPED: 'fulfilment.shipped' } as const

const wmsCallback = z.object({
  event_type: z.enum(['PICKED', 'PACKED', 'SHIPPED']),
  fulfilment_id: z.string().min(1),
  client_reference: z.string().regex(/^stock\.picking\/\d+$/, 'expected stock.picking/<id>'),
  correlation_id: z.string().nullish(),
  items: z.array(z.object({ line_ref: z.string().regex(/^\d+$/), sku: z.string().nullish(), quantity: z.number().nonnegative() })).max(1000).default([])
})

export function fromWmsCallback (webhookId: string, body: unknown): InboundMessage {
  const parsed = wmsCallback.safeParse(body)
  if (!parsed.success) {
    throw new InboundFormatError('not a WMS callback', parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`))
  }
  const cb = parsed.data
  return {
    id: webhookId,
    type: callbackStages[cb.event_type],
    correlation_id: cb.correlation_id ?? null,
    data: {
      picking_id: Number(cb.client_reference.split('/')[1]),
      external_ref: cb.fulfilment_id,
      lines: cb.items.map(i => ({ move_id: Number(i.line_ref), sku: i.sku ?? null, quantity: i.quantity }))
    }
  }
}
