import type { FastifyInstance } from 'fastify'
import { type Plugin, createYoga, type YogaServerInstance } from 'graphql-yoga'
import { Registry } from 'prom-client'
import { createAuthenticator } from '../auth/authenticate.ts'
import { ExternalIdp } from '../auth/external-idp.ts'
import { KeyStore } from '../auth/key-store.ts'
import { registerTokenRoutes } from '../auth/token-endpoint.ts'
import type { TokenSettings } from '../auth/tokens.ts'
import type { Config } from '../config.ts'
import type { Pool } from '../db/pool.ts'
import type { Logger } from '../observability/logger.ts'
import { type OdooKw, kwReader } from '../odoo/reader.ts'
import { OdooSessions, sessionKw } from '../odoo/session.ts'
import { BreakerRegistry } from '../shipping/breakers.ts'
import { RateLimiter } from '../rate-limiter.ts'
import { BackendBudget } from './backend-budget.ts'
import { type DataSources, type GatewayContext, createRequestData } from './context.ts'
import { createMaskError } from './errors.ts'
import { LOCAL_SUBGRAPH_URL, subgraphSdl } from './schema.ts'
import { Supergraph } from './federation/supergraph.ts'
import { registerSupergraphRoute } from './federation/supergraph-route.ts'
import { createSubgraphMetrics } from './federation/subgraph-metrics.ts'
import { useHubDocuments } from './federation/use-hub-documents.ts'
import { useKeyAliases } from './federation/use-key-aliases.ts'
import { useSubgraphErrors } from './federation/use-subgraph-errors.ts'
import { ExposurePolicy } from './exposure.ts'
import { registerGraphqlRoute } from './graphql-route.ts'
import { type CarrierTracking, connectorCarrierTracking } from './live/carrier-tracking.ts'
import { type WarehouseStock, wmsWarehouseStock } from './live/warehouse-stock.ts'
import { type GatewayMetrics, createGatewayMetrics } from './metrics.ts'
import { loadPersistedOperations } from './persisted.ts'
import { buildGatewaySchema } from './schema.ts'
import { useAuthentication } from './use-authentication.ts'
import { useErrorCodes } from './use-error-codes.ts'
import { useErrorMetrics } from './use-error-metrics.ts'
import { useIntrospection } from './use-introspection.ts'
import { usePersistedOperations } from './use-persisted-operations.ts'
import { useQueryLimits } from './use-query-limits.ts'
import { useRateLimit } from './use-rate-limit.ts'

export interface GatewayDeps {
  pool: Pool
  /** reads as the integration user (ODOO_USER); tests pass a counting client */
  odoo: OdooKw
  logger: Logger
  config: Config
  registry?: Registry
  breakers?: BreakerRegistry
  /** live partner sources; default to the connectors configured in Odoo */
  carrierTracking?: CarrierTracking
  warehouseStock?: WarehouseStock
}

export interface Gateway {
  yoga: YogaServerInstance<{}, GatewayContext>
  keys: KeyStore
  tokens: TokenSettings
  metrics: GatewayMetrics
  /** the callers' shares of Odoo (in flight and queued per caller) */
  backend: BackendBudget
  /** the graph served: the hub's own, composed with the remote subgraph connectors */
  supergraph: Supergraph
}

function tokenSettings (config: Config): TokenSettings {
  return { issuer: (config.HUB_PUBLIC_URL ?? 'logistics-hub').replace(/\/+$/, ''), audience: config.HUB_JWT_AUDIENCE, ttlSeconds: config.HUB_JWT_TTL_SECONDS }
}

function externalIdp (config: Config): ExternalIdp | null {
  if (!config.HUB_EXTERNAL_JWKS_URL) return null
  return new ExternalIdp({
    jwksUrl: config.HUB_EXTERNAL_JWKS_URL, issuer: config.HUB_EXTERNAL_ISSUER!, audience: config.HUB_EXTERNAL_AUDIENCE!,
    partnerClaim: config.HUB_EXTERNAL_PARTNER_CLAIM, scopeClaim: config.HUB_EXTERNAL_SCOPE_CLAIM,
    algorithms: config.HUB_EXTERNAL_ALGORITHMS.split(',').map(a => a.trim()).filter(Boolean)
  })
}

/** yoga logs through pino; failures are logged by maskError (with the correlation id), so errors go to debug. */
function yogaLogger (log: Logger) {
  return {
    debug: (...args: unknown[]) => log.debug({ yoga: args }, 'yoga'),
    info: (...args: unknown[]) => log.info({ yoga: args }, 'yoga'),
    warn: (...args: unknown[]) => log.warn({ yoga: args }, 'yoga'),
    error: (...args: unknown[]) => log.debug({ yoga: args.map(String) }, 'yoga error (logged by maskError)')
  }
}

function createDataSources (deps: GatewayDeps, backend: BackendBudget): DataSources {
  const { config, pool, logger } = deps
  const timeoutMs = config.HUB_GATEWAY_LIVE_TIMEOUT_MS
  const integration = kwReader(deps.odoo)
  return {
    pool,
    // an Odoo user reads as themselves, so Odoo's access rights apply; everyone else as the integration user
    readerFor: caller => caller.odooSession ? kwReader(sessionKw(config.ODOO_URL, caller.odooSession)) : integration,
    backend,
    exposure: new ExposurePolicy(pool, config.HUB_GATEWAY_POLICY_TTL_SECONDS * 1000, logger),
    warehouseStock: deps.warehouseStock ?? wmsWarehouseStock({ pool, timeoutMs, breakers: deps.breakers }),
    carrierTracking: deps.carrierTracking ?? connectorCarrierTracking({ pool, timeoutMs, breakers: deps.breakers }),
    log: logger
  }
}

/** Order matters: who is asking, then how often, then what (persisted), then how big, then the schema rules. */
function gatewayPlugins (deps: GatewayDeps, keys: KeyStore, tokens: TokenSettings, metrics: GatewayMetrics, backend: BackendBudget, supergraph: Supergraph): Plugin[] {
  const { config, pool, logger } = deps
  const sources = createDataSources(deps, backend)
  const authenticate = createAuthenticator({
    pool, keys, tokens, external: externalIdp(config), externalAudience: config.HUB_EXTERNAL_CLIENT_AUDIENCE,
    sessions: config.HUB_GATEWAY_ODOO_SESSIONS ? new OdooSessions(config.ODOO_URL, config.ODOO_DB) : null,
    defaultRateLimit: config.HUB_GATEWAY_DEFAULT_RATE_LIMIT
  })
  return [
    useAuthentication({ authenticate, createData: async caller => await createRequestData(caller, sources), log: logger }) as Plugin,
    useRateLimit({ limiter: new RateLimiter() }),
    usePersistedOperations({ operations: loadPersistedOperations(config.HUB_GATEWAY_PERSISTED_DIR, config.HUB_GATEWAY_PERSISTED_FILE), only: config.HUB_GATEWAY_PERSISTED_ONLY }),
    useQueryLimits({ maxDepth: config.HUB_GATEWAY_MAX_DEPTH, maxCost: config.HUB_GATEWAY_MAX_COST, maxAliases: config.HUB_GATEWAY_MAX_ALIASES, maxTokens: config.HUB_GATEWAY_MAX_TOKENS, maxBackendCalls: config.HUB_GATEWAY_MAX_BACKEND_CALLS, remoteOwners: schema => supergraph.remoteOwners(schema) }),
    useHubDocuments(supergraph),
    useKeyAliases(schema => supergraph.keyFields(schema)),
    useIntrospection({ enabled: config.HUB_GATEWAY_INTROSPECTION, sdlClients: new Set(config.HUB_GATEWAY_SDL_CLIENTS.split(',').map(c => c.trim()).filter(Boolean)) }),
    useSubgraphErrors(),
    useErrorCodes(),
    useErrorMetrics({ metrics })
  ]
}

/** The partner gateway: schema, data sources, security plugins, token keys. Keys still need `init()`. */
function createGateway (deps: GatewayDeps): Gateway {
  const { config, pool, logger } = deps
  const keys = new KeyStore(pool, { privateKeyPem: config.HUB_JWT_PRIVATE_KEY, tokenTtlSeconds: config.HUB_JWT_TTL_SECONDS, rotationDays: config.HUB_JWT_KEY_ROTATION_DAYS, log: logger })
  const tokens = tokenSettings(config)
  const metrics = createGatewayMetrics(deps.registry ?? new Registry())
  const backend = new BackendBudget({ perCaller: config.HUB_GATEWAY_ODOO_CONCURRENCY_PER_CALLER, total: config.HUB_GATEWAY_ODOO_CONCURRENCY })
  const origins = config.HUB_GATEWAY_CORS_ORIGINS?.split(',').map(o => o.trim()).filter(Boolean)
  const supergraph = createSupergraph(deps)
  const yoga = createYoga<{}, GatewayContext>({
    // the current supergraph, swapped whole when subgraphs recompose: a request runs on one schema
    schema: () => supergraph.schema(),
    graphqlEndpoint: '/graphql',
    graphiql: config.HUB_GATEWAY_GRAPHIQL ? { title: 'Odoo Logistics Hub' } : false,
    landingPage: false,
    cors: origins?.length ? { origin: origins, credentials: true, methods: ['GET', 'POST'] } : false,
    batching: config.HUB_GATEWAY_MAX_BATCH > 0 ? { limit: config.HUB_GATEWAY_MAX_BATCH } : false,
    maxRequestBodySize: config.HUB_GATEWAY_MAX_BODY_BYTES,
    multipart: false,
    maskedErrors: { maskError: createMaskError(logger), isDev: false },
    logging: yogaLogger(logger),
    plugins: gatewayPlugins(deps, keys, tokens, metrics, backend, supergraph)
  })
  return { yoga, keys, tokens, metrics, backend, supergraph }
}

function createSupergraph (deps: GatewayDeps): Supergraph {
  const { config } = deps
  const breakers = deps.breakers ?? new BreakerRegistry({ errorThresholdPercentage: config.HUB_BREAKER_ERROR_PCT, volumeThreshold: config.HUB_BREAKER_VOLUME, resetTimeoutMs: config.HUB_BREAKER_RESET_MS, rollingWindowMs: 60_000 })
  const budgets = new Map<string, BackendBudget>()
  const limits = { perCaller: config.HUB_GATEWAY_SUBGRAPH_CONCURRENCY_PER_CALLER, total: config.HUB_GATEWAY_SUBGRAPH_CONCURRENCY }
  return new Supergraph({
    pool: deps.pool,
    odoo: deps.odoo,
    log: deps.logger,
    local: { url: LOCAL_SUBGRAPH_URL, schema: buildGatewaySchema(), sdl: subgraphSdl() },
    calls: {
      breakers,
      budgets: code => { let b = budgets.get(code); if (!b) budgets.set(code, b = new BackendBudget(limits)); return b },
      metrics: createSubgraphMetrics(deps.registry ?? new Registry()),
      issuer: tokenSettings(config).issuer
    }
  })
}

/**
 * Mounts the gateway: POST /graphql (GET too, for GraphiQL and queries), POST /oauth/token and
 * GET /.well-known/jwks.json, in their own fastify context. The signing key is loaded (or generated)
 * before the server starts listening.
 */
export function registerGateway (app: FastifyInstance, deps: GatewayDeps): Gateway {
  const gateway = createGateway(deps)
  void app.register(async scope => {
    await gateway.keys.init()
    registerTokenRoutes(scope, { pool: deps.pool, keys: gateway.keys, tokens: gateway.tokens, log: deps.logger, onIssue: outcome => gateway.metrics.tokens.inc({ outcome }) })
    registerGraphqlRoute(scope, gateway.yoga, deps.config.HUB_GATEWAY_MAX_BODY_BYTES)
    registerSupergraphRoute(scope, gateway.supergraph, deps.config.HUB_ADMIN_TOKEN)
  })
  if (deps.config.HUB_GATEWAY_SUBGRAPH_POLL_SECONDS > 0) gateway.supergraph.start(deps.config.HUB_GATEWAY_SUBGRAPH_POLL_SECONDS * 1000)
  app.addHook('onClose', async () => { gateway.supergraph.stop() })
  return gateway
}
