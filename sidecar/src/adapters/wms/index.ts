import { signedProbe } from '../probe.ts'
import type { Adapter } from '../types.ts'
import { cancelFulfilment, createFulfilment } from './client.ts'
import { fromWmsCallback, toCancelRequest, toFulfilmentRequest } from './mappers.ts'

export const wmsAdapter: Adapter = {
  name: 'wms',
  async deliver (envelope, connector) {
    if (envelope.type === 'fulfilment.cancel') {
      // cancelling creates nothing at the WMS: no external ref, so the picking keeps its fulfilment id in Odoo
      return { externalRef: null, details: { cancellation: await cancelFulfilment(connector, toCancelRequest(envelope)) } }
    }
    return { externalRef: await createFulfilment(connector, toFulfilmentRequest(envelope)) }
  },
  parseInbound: fromWmsCallback,
  /** POST /v1/ping, signed like a fulfilment: answered 200 only when the WMS verifies our signature */
  probe: signedProbe('/v1/ping', () => ({}))
}
