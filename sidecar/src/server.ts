import { timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { guardCredentialRoutes } from './auth/credential-guard.ts'
import { CredentialThrottle, type ThrottleLimits } from './auth/credential-throttle.ts'
import type { Pool } from './db/pool.ts'
import { type GatewayDeps, registerGateway } from './gateway/gateway.ts'
import { registerAdminRoutes } from './admin/connector-test.ts'
import { registerHookRoutes } from './inbound/hooks.ts'
import type { InboundStore } from './inbound/inbound-store.ts'
import type { RefusalLog } from './inbound/refusal-log.ts'
import type { Logger } from './observability/logger.ts'
import type { Metrics } from './observability/metrics.ts'
import { redactUrl } from './observability/redact-url.ts'
import type { OdooClient } from './odoo/rpc.ts'

export interface ServerDeps {
  pool: Pool, inbound: InboundStore, odoo: OdooClient, logger: Logger, metrics: Metrics, maxBodyBytes: number, adminToken?: string
  /** refused inbound callbacks, recorded for Odoo to list */
  refusals: RefusalLog
  /** a request (headers and body) must arrive within this time: slow clients cannot hold sockets */
  requestTimeoutMs: number
  /** the partner GraphQL gateway (/graphql, /oauth/token, /.well-known/jwks.json); off when absent */
  gateway?: Pick<GatewayDeps, 'config' | 'breakers'>
  /** failed credential attempts allowed per minute, per source and per client (auth/credential-throttle.ts) */
  credentialThrottle: ThrottleLimits
  /** who may read /metrics (see serveMetrics) */
  metricsAccess: MetricsAccess
}

export interface MetricsAccess {
  /** HUB_METRICS_PORT: /metrics is served by buildMetricsServer on this port, not on the main one */
  port?: number
  /** HUB_METRICS_TOKEN: callers must send Authorization: Bearer <token> */
  token?: string
}

function isLoopback (address: string | undefined): boolean {
  return address === '::1' || /^(?:::ffff:)?127\./.test(address ?? '')
}

function bearerMatches (header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer +(\S+) *$/i.exec(header ?? '')?.[1] ?? '')
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * /metrics names partners (connector codes, queue depths), so it is not public: with a token, only a
 * scraper that sends it; without one, only loopback callers (a Prometheus next to the process, or a
 * separate HUB_METRICS_PORT that the operator keeps unpublished, where the token is optional).
 */
async function serveMetrics (deps: Pick<ServerDeps, 'metrics' | 'metricsAccess'>, req: FastifyRequest, reply: FastifyReply, separatePort: boolean): Promise<FastifyReply> {
  const { token } = deps.metricsAccess
  if (token && !bearerMatches(req.headers.authorization, token)) {
    return await reply.code(401).header('www-authenticate', 'Bearer realm="logistics-hub-metrics"').send({ error: 'unauthorized', message: 'expected Authorization: Bearer <HUB_METRICS_TOKEN>' })
  }
  // the socket address: no proxy header can make a remote caller look local
  if (!token && !separatePort && !isLoopback(req.socket.remoteAddress)) {
    return await reply.code(403).send({ error: 'forbidden', message: '/metrics answers loopback callers only; set HUB_METRICS_TOKEN or HUB_METRICS_PORT to scrape it from elsewhere' })
  }
  return await reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics())
}

/** The separate metrics listener (HUB_METRICS_PORT); null when /metrics is on the main port. */
export function buildMetricsServer (deps: Pick<ServerDeps, 'metrics' | 'metricsAccess' | 'logger'>): FastifyInstance | null {
  if (deps.metricsAccess.port === undefined) return null
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger })
  app.get('/metrics', async (req, reply) => await serveMetrics(deps, req, reply, true))
  return app
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

  // fastify's own 404 logs and echoes the full URL, query string (and any secret in it) included
  app.setNotFoundHandler(async (req, reply) => {
    const message = `Route ${req.method}:${redactUrl(req.url) ?? ''} not found`
    req.log.info(message)
    return await reply.code(404).send({ error: 'Not Found', message, statusCode: 404 })
  })

  guardCredentialRoutes(app, { throttle: new CredentialThrottle(deps.credentialThrottle), throttled: deps.metrics.authThrottled, failures: deps.metrics.authFailures })

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
  if (deps.metricsAccess.port === undefined) app.get('/metrics', async (req, reply) => await serveMetrics(deps, req, reply, false))
  return app
}
