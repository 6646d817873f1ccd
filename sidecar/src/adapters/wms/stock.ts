import { RetryableError } from '../../errors.ts'
import { callPartner, connectorLabel, readJson } from '../partner-call.ts'
import type { Connector } from '../types.ts'
import { parseWmsError } from './errors.ts'

/**
 * Live stock of one SKU at the WMS (`GET /v1/stock/:sku` -> `{ sku, available }`), for the gateway's
 * StockLevel.warehouseAvailable. A SKU the WMS does not know (404) has nothing available there.
 */
export async function fetchWarehouseAvailable (connector: Connector, sku: string, timeoutMs: number): Promise<number> {
  const timeoutSeconds = Math.min(connector.timeout, timeoutMs / 1000)
  const answer = await callPartner(connector, { method: 'GET', path: `v1/stock/${encodeURIComponent(sku)}`, auth: 'none', timeoutSeconds, answers: [404] }, parseWmsError)
  if (answer.status === 404) return 0
  const available = (readJson(connector, answer) as { available?: unknown } | null)?.available
  if (typeof available !== 'number') throw new RetryableError(`${connectorLabel(connector)} stock answer has no numeric available`)
  return available
}
