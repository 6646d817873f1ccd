import type { Booking } from './types.ts'
import { toShipmentRequest } from './shipment-request.ts'
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
 * by the route's rule), and its tracking webhooks arrive as canonical `shipment.tracking` messages.
 */
export function carrierConnectorAdapter (carrier: CarrierAdapter): Adapter {
  return {
    name: carrier.name,
    async deliver (envelope, connector, context) {
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
