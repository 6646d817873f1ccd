import type { Booking } from './types.ts'
import { toShipmentRequest, toVoidRequest } from './shipment-request.ts'
import { rateShopAndBook } from '../rate-shop/shop.ts'
import { type Adapter, type DeliveryResult, InboundFormatError } from '../types.ts'
import type { CarrierAdapter } from './types.ts'

/** What Odoo records about a booked shipment (hub_apply_results `details.shipment`). */
export function shipmentDetails (booking: Booking, consideredRates: number): DeliveryResult {
  return {
    externalRef: booking.tracking_number,
    details: { shipment: { ...booking, rates_considered: consideredRates } }
  }
}

/**
 * A carrier connector used directly: an event routed to it books with this carrier (its best service
 * by the route's rule), a `shipment.void` (a process compensation Odoo addresses to the connector that
 * booked the label) voids that label, and its tracking webhooks arrive as canonical `shipment.tracking`
 * messages. Rate shopping books through these connectors, so its labels are voided here too.
 */
export function carrierConnectorAdapter (carrier: CarrierAdapter): Adapter {
  return {
    name: carrier.name,
    async deliver (envelope, connector, context) {
      if (envelope.type === 'shipment.void') {
        const req = toVoidRequest(envelope, connector.code)
        const voided = await context.breakers.run(connector.code, () => carrier.void(req.tracking_number, connector, envelope.id, req.correlation_id))
        // never `details.shipment`: that would record a booking; no external ref, as the void creates nothing
        return { externalRef: null, details: { void: { carrier: connector.code, tracking_number: voided.tracking_number } } }
      }
      const shop = await rateShopAndBook(toShipmentRequest(envelope), [{ connector, adapter: carrier }], await context.carrierRule(), context.breakers)
      return shipmentDetails(shop.booking, shop.considered.length)
    },
    async parseInbound (webhookId, body) {
      const events = await carrier.parseTracking(body)
      // An empty history is a valid answer to "track this parcel", but a webhook is sent because something
      // happened: one without an event is malformed, refused here (400) rather than parked in Odoo.
      if (events.length === 0) throw new InboundFormatError(`${carrier.name} tracking webhook carries no event`)
      return { id: webhookId, type: 'shipment.tracking', correlation_id: null, data: { tracking_number: events[0]?.tracking_number ?? null, events } }
    }
  }
}
