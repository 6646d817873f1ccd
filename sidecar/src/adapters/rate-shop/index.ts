import { InboundFormatError } from '../types.ts'
import type { Adapter } from '../types.ts'
import { shipmentDetails } from '../carrier/connector-adapter.ts'
import { toShipmentRequest } from '../../shipping/shipment-request.ts'
import { rateShopAndBook } from '../../shipping/rate-shop.ts'

/**
 * The "best carrier" connector: rates the shipment with every active carrier connector, books the best
 * one by the route's rule and fails over when a carrier is down. Tracking then flows through the
 * chosen carrier's own connector, so this adapter accepts no callbacks.
 */
export const rateShopAdapter: Adapter = {
  name: 'rate_shop',
  async deliver (envelope, _connector, context) {
    const shop = await rateShopAndBook(toShipmentRequest(envelope), await context.carriers(), await context.carrierRule(), context.breakers)
    return shipmentDetails(shop.booking, shop.considered.length)
  },
  parseInbound () {
    throw new InboundFormatError('the rate-shopping connector takes no callbacks; carriers post to their own connector')
  }
}
