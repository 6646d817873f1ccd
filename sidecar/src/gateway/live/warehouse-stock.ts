import { fetchWarehouseAvailable } from '../../adapters/wms/stock.ts'
import type { Connector } from '../../adapters/types.ts'
import { activeConnectorsByAdapters } from '../../db/connector-plans.ts'
import type { Pool } from '../../db/pool.ts'
import type { BreakerRegistry } from '../../shipping/breakers.ts'

/** Live availability per SKU: a number, null (no warehouse system connected) or an Error (it did not answer). */
export interface WarehouseStock {
  available: (skus: readonly string[]) => Promise<Array<number | null | Error>>
}

export interface WarehouseStockOptions { pool: Pool, timeoutMs: number, breakers?: BreakerRegistry, concurrency?: number }

async function mapLimited<T, R> (items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => { while (next < items.length) { const i = next++; results[i] = await fn(items[i]!) } }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/**
 * Sums what every active WMS connector has available. One failing warehouse makes the figure unknown
 * (an Error for that SKU) rather than silently low. Calls go through the connector's circuit breaker, so
 * a WMS known to be down answers "unavailable" at once instead of after the timeout.
 */
export function wmsWarehouseStock ({ pool, timeoutMs, breakers, concurrency = 8 }: WarehouseStockOptions): WarehouseStock {
  return {
    async available (skus) {
      const { rows: connectors } = await pool.query<Connector>(activeConnectorsByAdapters(['wms']))
      if (connectors.length === 0) return skus.map(() => null)
      const one = (c: Connector, sku: string) => breakers
        ? breakers.run(c.code, () => fetchWarehouseAvailable(c, sku, timeoutMs))
        : fetchWarehouseAvailable(c, sku, timeoutMs)
      return await mapLimited(skus, concurrency, async sku => {
        try {
          const figures = await Promise.all(connectors.map(c => one(c, sku)))
          return figures.reduce((a, b) => a + b, 0)
        } catch (err) {
          return err instanceof Error ? err : new Error(String(err))
        }
      })
    }
  }
}
