import type { Connector } from '../adapters/types.ts'
import { activeConnectorByCode } from '../db/connector-plans.ts'
import type { Pool } from '../db/pool.ts'

/**
 * Active connectors by code for the inbound hot path, kept for a few seconds: a callback burst then
 * costs one database round trip per hook instead of two. A connector archived or re-keyed in Odoo is
 * seen within `ttlMs`. Unknown codes are not cached, so random codes cannot grow the map.
 */
export class ConnectorCache {
  #entries = new Map<string, { connector: Connector, expires: number }>()

  constructor (private readonly pool: Pool, private readonly ttlMs = 5000) {}

  async get (code: string, now = Date.now()): Promise<Connector | undefined> {
    const hit = this.#entries.get(code)
    if (hit && hit.expires > now) return hit.connector
    const { rows: [connector] } = await this.pool.query<Connector>(activeConnectorByCode(code))
    if (connector) this.#entries.set(code, { connector, expires: now + this.ttlMs })
    else this.#entries.delete(code)
    return connector
  }
}
