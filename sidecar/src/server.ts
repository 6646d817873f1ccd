import { createServer } from 'node:http'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Pool } from './db/pool.ts'
import { type GatewayDeps, registerGateway } from './gateway/gateway.ts'
import { registerAdminRoutes } from './admin/connector-test.ts'
import { registerHookRoutes } from './inbound/hooks.ts'
import type { InboundStore } from './inbound/inbound-store.ts'
import type { RefusalLog } from './inbound/refusal-log.ts'
import type { Logger } from './observability/logger.ts'
import type { Metrics } from './observability/metrics.ts'
import type { OdooClient } from './odoo/rpc.ts'

export interface ServerDeps {
  pool: Pool, inbound: InboundStore, odoo: OdooClient, logger: Logger, metrics: Metrics, maxBodyBytes: number, adminToken?: string
  /** refused inbound callbacks, recorded for Odoo to list */
  refusals: RefusalLog
  /** a request (headers and body) must arrive within this time: slow clients cannot hold sockets */
  requestTimeoutMs: number
  /** the partner GraphQL gateway (/graphql, /oauth/token, /.well-known/jwks.json); off when absent */
  gateway?: Pick<GatewayDeps, 'config' | 'breakers'>
}

/**
 * The HTTP face of the sidecar. Bodies are kept as raw strings because webhook signatures are computed
 * over the exact bytes; fastify enforces the size limit (413) before any handler runs.
 */
export function buildServer (deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.maxBodyBytes,
    // node enforces requestTimeout on a periodic sweep; sweep often enough for the limit to mean something
    serverFactory: handler => createServer({
      requestTimeout: deps.requestTimeoutMs,
      headersTimeout: deps.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, deps.requestTimeoutMs)
    }, handler)
  })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => { done(null, body) })

  app.setErrorHandler((err: { statusCode?: number, code?: string, message: string }, req, reply) => {
    const status = err.statusCode ?? 500
    if (status >= 500) req.log.error({ err }, 'request failed')
    // 4xx from fastify itself (413, 415...) carry safe messages; anything else is masked
    void reply.code(status).send(status < 500
      ? { error: err.code ?? 'bad_request', message: err.message }
      : { error: 'internal', message: 'internal error; see the sidecar log' })
  })

  app.addHook('onResponse', async (req, reply) => {
    // the route pattern, not the URL: connector codes and ids must not explode the label set
    deps.metrics.httpDuration.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000)
  })

  registerHookRoutes(app, deps)
  registerAdminRoutes(app, { pool: deps.pool, adminToken: deps.adminToken, logger: deps.logger })
  if (deps.gateway) registerGateway(app, { pool: deps.pool, odoo: deps.odoo, logger: deps.logger, registry: deps.metrics.registry, ...deps.gateway })

  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    const checks = await Promise.allSettled([deps.pool.query('SELECT 1'), deps.odoo.version()])
    const [postgres, odoo] = checks.map(c => c.status === 'fulfilled' ? 'ok' : 'down')
    const ready = postgres === 'ok' && odoo === 'ok'
    return await reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', postgres, odoo })
  })
  app.get('/metrics', async (_req, reply) => {
    return await reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics())
  })
  return app
}
