import { RetryableError } from '../../errors.ts'
import { callJson, endpoint } from '../http-transport.ts'
import type { Connector } from '../types.ts'
import { parseWmsError } from './errors.ts'

/**
 * Live stock of one SKU at the WMS (`GET /v1/stock/:sku` -> `{ sku, available }`), for the gateway's
 * StockLevel.warehouseAvailable. A SKU the WMS does not know (404) has nothing available there.
 */
export async function fetchWarehouseAvailable (connector: Connector, sku: string, timeoutMs: number): Promise<number> {
  if (!connector.base_url) throw new RetryableError(`connector ${connector.code} has no base URL`)
  const timeoutSeconds = Math.min(connector.timeout, timeoutMs / 1000)
  const answer = await callJson('GET', endpoint(connector.base_url, `v1/stock/${encodeURIComponent(sku)}`), { timeoutSeconds })
  if (answer.status === 404) return 0
  if (answer.status < 200 || answer.status >= 300) throw parseWmsError(answer)
  let body: { available?: unknown } = {}
  try { body = JSON.parse(answer.text) } catch { /* handled below */ }
  if (typeof body.available !== 'number') throw new RetryableError('WMS stock answer has no numeric available')
  return body.available
}
