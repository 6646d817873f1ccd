import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import type { Connector } from '../adapters/types.ts'
import { activeConnectorByCode } from '../db/connector-plans.ts'
import type { Pool } from '../db/pool.ts'
import { errorMessage } from '../errors.ts'

export interface AdminDeps { pool: Pool, adminToken: string | undefined }

function tokenMatches (header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer /, '') ?? '')
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * POST /admin/connectors/:code/test — "Test connection" in Odoo's connector form. It answers whether the
 * partner's base URL answers HTTP at all (any status below 500 counts as reachable: many partner APIs
 * answer 401/404 on their root) and how long it took. Guarded by HUB_ADMIN_TOKEN, which Odoo holds.
 */
export function registerAdminRoutes (app: FastifyInstance, { pool, adminToken }: AdminDeps): void {
  app.post<{ Params: { code: string } }>('/admin/connectors/:code/test', async (req, reply) => {
    if (!adminToken) return await reply.code(503).send({ error: 'admin_disabled', message: 'set HUB_ADMIN_TOKEN to enable the admin API' })
    if (!tokenMatches(req.headers.authorization, adminToken)) return await reply.code(401).send({ error: 'unauthorized', message: 'bad admin token' })
    const { rows: [connector] } = await pool.query<Connector>(activeConnectorByCode(req.params.code))
    if (!connector) return await reply.code(404).send({ error: 'unknown_connector', message: `no active connector ${req.params.code}` })
    if (!connector.base_url) return await reply.send({ ok: false, status: null, latency_ms: 0, message: 'the connector has no base URL' })
    const started = performance.now()
    try {
      const res = await request(connector.base_url, { method: 'GET', headersTimeout: connector.timeout * 1000, bodyTimeout: connector.timeout * 1000 })
      await res.body.dump()
      const latency = Math.round(performance.now() - started)
      const ok = res.statusCode < 500
      return await reply.send({ ok, status: res.statusCode, latency_ms: latency, message: ok ? `reachable (HTTP ${res.statusCode})` : `partner error (HTTP ${res.statusCode})` })
    } catch (err) {
      return await reply.send({ ok: false, status: null, latency_ms: Math.round(performance.now() - started), message: `unreachable: ${errorMessage(err)}` })
    }
  })
}
