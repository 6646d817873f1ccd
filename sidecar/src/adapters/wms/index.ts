import { signedProbe } from '../probe.ts'
import type { Adapter } from '../types.ts'
import { createFulfilment } from './client.ts'
import { fromWmsCallback, toFulfilmentRequest } from './mappers.ts'

export const wmsAdapter: Adapter = {
  name: 'wms',
  async deliver (envelope, connector) {
    return { externalRef: await createFulfilment(connector, toFulfilmentRequest(envelope)) }
  },
  parseInbound: fromWmsCallback,
  /** POST /v1/ping, signed like a fulfilment: answered 200 only when the WMS verifies our signature */
  probe: signedProbe('/v1/ping', () => ({}))
}
