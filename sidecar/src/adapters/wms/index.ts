import type { Adapter } from '../types.ts'
import { createFulfilment } from './client.ts'
import { fromWmsCallback, toFulfilmentRequest } from './mappers.ts'

export const wmsAdapter: Adapter = {
  name: 'wms',
  async deliver (envelope, connector) {
    return { externalRef: await createFulfilment(connector, toFulfilmentRequest(envelope)) }
  },
  parseInbound: fromWmsCallback
}
