import { type Adapter, InboundFormatError, type ProbeContext, type ProbeResult } from '../types.ts'
import { shipmentDetails } from '../carrier/connector-adapter.ts'
import { toShipmentRequest } from '../carrier/shipment-request.ts'
import { rateShopAndBook } from './shop.ts'

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
  },
  probe: async (_connector, context) => await probeCarriers(context)
}

/**
 * It has no URL of its own: the test is that of every carrier it shops among. Failing when one carrier
 * fails, although booking would fail over to the others: a test exists to show what is misconfigured.
 */
async function probeCarriers (context: ProbeContext): Promise<ProbeResult> {
  const carriers = await context.carriers()
  if (!carriers.length) return { ok: false, status: null, latency_ms: 0, message: 'no active carrier connector to shop among' }
  const started = performance.now()
  const results = await Promise.all(carriers.map(async ({ connector, probe }) => ({
    code: connector.code,
    name: connector.name,
    ...(probe ? await probe(connector, context) : { ok: false, status: null, latency_ms: 0, message: `no connection test for adapter ${connector.adapter}` })
  })))
  const failing = results.filter(r => !r.ok)
  const message = failing.length
    ? `${failing.length} of ${results.length} carriers failing: ${failing.map(r => `${r.name}: ${r.message}`).join('; ')}`
    : `shops among ${results.length} carrier(s), all answering: ${results.map(r => r.name).join(', ')}`
  return { ok: failing.length === 0, status: null, latency_ms: Math.round(performance.now() - started), message, carriers: results }
}
