import type { FastifyInstance } from 'fastify'
import type { ProbeContext, ProbeResult } from '../adapters/types.ts'
import { CARRIER_ADAPTERS, adapterFor } from '../adapters/registry.ts'
import type { Connector } from '../adapters/types.ts'
import { activeConnectorByCode, activeConnectorsByAdapters } from '../db/connector-plans.ts'
import type { Pool } from '../db/pool.ts'
import type { Logger } from '../observability/logger.ts'
import { adminAllowed } from './admin-token.ts'

export interface AdminDeps { pool: Pool, adminToken: string | undefined, logger: Logger }


/**
 * POST /admin/connectors/:code/test — "Test connection" in Odoo's connector form. The connector's
 * adapter makes one authenticated call that changes nothing at the partner (adapters/probe.ts), so the
 * answer says whether the partner is reachable AND accepts our secret or API key, how long it took, and
 * in words a person can act on. A rate-shopping connector has no URL: it reports on each carrier it
 * shops among (`carriers`). Guarded by HUB_ADMIN_TOKEN, which Odoo holds.
 */
export function registerAdminRoutes (app: FastifyInstance, { pool, adminToken, logger }: AdminDeps): void {
  app.post<{ Params: { code: string } }>('/admin/connectors/:code/test', async (req, reply) => {
    if (!await adminAllowed(req, reply, adminToken)) return
    const { rows: [connector] } = await pool.query<Connector>(activeConnectorByCode(req.params.code))
    if (!connector) return await reply.code(404).send({ error: 'unknown_connector', message: `no active connector ${req.params.code}` })
    return await reply.send(await testConnector(connector, pool, logger))
  })
}

async function testConnector (connector: Connector, pool: Pool, logger: Logger): Promise<ProbeResult> {
  const probe = adapterFor(connector.adapter)?.probe
  if (!probe) return { ok: false, status: null, latency_ms: 0, message: `no connection test for adapter ${connector.adapter}` }
  const context: ProbeContext = {
    async carriers () {
      const { rows } = await pool.query<Connector>(activeConnectorsByAdapters(CARRIER_ADAPTERS))
      return rows.map(c => ({ connector: c, probe: adapterFor(c.adapter)?.probe }))
    }
  }
  try {
    return await probe(connector, context)
  } catch (err) {
    // probes answer every partner failure themselves; this is our own bug or the database
    logger.error({ err, connector: connector.code }, 'connection test failed unexpectedly')
    return { ok: false, status: null, latency_ms: 0, message: 'the test could not run; see the sidecar log' }
  }
}
