import { z } from 'zod'

/**
 * Every setting of the sidecar, resolved once from the environment and validated.
 * Names marked "contract" are fixed by docs/architecture.md, "Contracts"; the others are tuning knobs with the defaults shown.
 */
const settings = z.object({
  /** contract: Odoo's database (the outbox and pg-boss live there) */
  DATABASE_URL: z.string().url(),
  /** contract: Odoo base URL for JSON-RPC write-back */
  ODOO_URL: z.string().url(),
  /** contract */
  ODOO_DB: z.string().min(1),
  /** contract: login of a Hub Manager user */
  ODOO_USER: z.string().min(1),
  /** contract: password or API key */
  ODOO_PASSWORD: z.string().min(1),
  /** contract */
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** interface to listen on: loopback by default, so a sidecar run outside a container is not open to the network; compose sets 0.0.0.0 */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** contract: how partners reach this sidecar (used in logs and docs) */
  HUB_PUBLIC_URL: z.string().url().optional(),
  /** contract */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** pg-boss schema */
  HUB_BOSS_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('pgboss'),
  /** pg-boss maintenance (expires jobs of crashed workers, archives); lower means faster crash recovery */
  HUB_BOSS_MAINTENANCE_SECONDS: z.coerce.number().int().min(1).default(15),
  /** least time a delivery job may stay active before pg-boss considers its worker dead and retries it */
  HUB_DELIVERY_EXPIRE_SECONDS: z.coerce.number().int().min(1).default(30),
  /** outbox polling fallback when a NOTIFY is missed */
  HUB_RELAY_POLL_MS: z.coerce.number().int().min(50).default(2000),
  /** outbox rows moved per relay transaction */
  HUB_RELAY_BATCH: z.coerce.number().int().min(1).max(1000).default(100),
  /** most delivery jobs waiting to be fetched: the relay leaves the rest of a backlog in the outbox (see relay.ts) */
  HUB_RELAY_LOOKAHEAD: z.coerce.number().int().min(1).default(500),
  /** delivery polling loops in this process */
  HUB_DELIVERY_WORKERS: z.coerce.number().int().min(1).max(16).default(2),
  /** deliveries each loop fetches and runs concurrently */
  HUB_DELIVERY_BATCH: z.coerce.number().int().min(1).max(500).default(50),
  /** results sent to Odoo per write-back RPC */
  HUB_WRITEBACK_BATCH: z.coerce.number().int().min(1).max(500).default(50),
  /** pg-boss polling interval for workers (seconds, >= 0.5) */
  HUB_WORKER_POLL_SECONDS: z.coerce.number().min(0.5).default(1),
  /** seconds between retries of Odoo write-back and inbound apply while Odoo is unreachable */
  HUB_ODOO_RETRY_SECONDS: z.coerce.number().int().min(1).default(5),
  /** least time an Odoo-bound job (write-back, callback apply) may stay active before it counts as abandoned by a dead worker */
  HUB_ODOO_EXPIRE_SECONDS: z.coerce.number().int().min(5).default(60),
  /** how often each replica claims due SLA deadlines of process steps (processes/timer-relay.ts): a timer fires within about this much of its deadline */
  HUB_PROCESS_TIMER_POLL_MS: z.coerce.number().int().min(50).default(1000),
  /** due deadlines claimed per transaction, and sent to Odoo per hub_fire_timers call (Odoo takes at most 500) */
  HUB_PROCESS_TIMER_BATCH: z.coerce.number().int().min(1).max(500).default(100),
  /** self-check schedule (cron, UTC; one replica runs it) and how old a finding must be before it counts */
  HUB_SELF_CHECK_CRON: z.string().default('* * * * *'),
  HUB_SELF_CHECK_GRACE_SECONDS: z.coerce.number().int().min(1).default(300),
  /** partner circuit breaker: failure percentage that opens it, calls before it counts, ms before a trial call */
  HUB_BREAKER_ERROR_PCT: z.coerce.number().min(1).max(100).default(50),
  HUB_BREAKER_VOLUME: z.coerce.number().int().min(1).default(3),
  HUB_BREAKER_RESET_MS: z.coerce.number().int().min(100).default(30_000),
  /** bearer token Odoo uses for the admin API (connection tests); the admin API is off when unset */
  HUB_ADMIN_TOKEN: z.string().min(16).optional(),
  /** failed credential attempts (POST /oauth/token, admin API) per minute from one address before it gets 429 + Retry-After; 0 = off */
  HUB_AUTH_FAILURES_PER_SOURCE: z.coerce.number().int().min(0).default(10),
  /** failed attempts per minute against one client id (or the admin token) before addresses that have not authenticated as it get 429; 0 = off */
  HUB_AUTH_FAILURES_PER_CLIENT: z.coerce.number().int().min(0).default(30),
  /** serve /metrics on this separate port (on HOST) instead of PORT; keep it unpublished. With neither this nor the token, /metrics answers loopback callers only */
  HUB_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** bearer token Prometheus sends for /metrics (Authorization: Bearer ...; Prometheus `authorization` / `bearer_token_file`) */
  HUB_METRICS_TOKEN: z.string().min(16).optional(),
  /** seconds between liveness beats in hub_sidecar.heartbeat; Odoo calls a replica silent after 3 missed beats (at least 60 s) */
  HUB_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  /** reconciliation schedule (cron, UTC) and the age at which each kind of gap counts as drift */
  HUB_RECONCILE_CRON: z.string().default('*/15 * * * *'),
  /** when carriers' freight bills are fetched for audit (pg-boss cron, one replica) */
  HUB_FREIGHT_BILLS_CRON: z.string().default('7 * * * *'),
  HUB_RECONCILE_ACK_MINUTES: z.coerce.number().int().min(1).default(120),
  HUB_RECONCILE_SCAN_HOURS: z.coerce.number().int().min(1).default(24),
  HUB_RECONCILE_INVOICE_HOURS: z.coerce.number().int().min(1).default(48),
  HUB_RECONCILE_PORTAL_MINUTES: z.coerce.number().int().min(1).default(30),
  /** how long inbound message ids are remembered: a partner retrying the same webhook-id within it gets `duplicate` */
  HUB_INBOUND_DEDUPE_DAYS: z.coerce.number().int().min(1).default(7),
  /** refused inbound callbacks recorded per minute by each process for Odoo's Rejected Callbacks (more are counted, not stored) */
  HUB_INBOUND_REFUSALS_PER_MINUTE: z.coerce.number().int().min(0).default(60),
  /** refused inbound callbacks kept in hub_sidecar.inbound_refusal; older ones are dropped */
  HUB_INBOUND_REFUSALS_KEEP: z.coerce.number().int().min(1).default(1000),
  /** time a client has to send a whole request; slower ones are cut off (slowloris) */
  HUB_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** largest accepted inbound hook body */
  HUB_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),

  // --- partner gateway (/graphql, /oauth/token, /.well-known/jwks.json; docs/contract.md "Gateway") ---
  /** contract: ES256 signing key (PKCS#8 PEM); when unset a key is generated and kept in hub_sidecar.jwt_key */
  HUB_JWT_PRIVATE_KEY: z.string().min(1).optional(),
  /** `aud` of the tokens we issue and accept */
  HUB_JWT_AUDIENCE: z.string().min(1).default('logistics-hub'),
  /** access token lifetime; never more than 15 minutes */
  HUB_JWT_TTL_SECONDS: z.coerce.number().int().min(30).max(900).default(900),
  /** a generated signing key older than this is rotated at start (0 = never); old tokens stay valid */
  HUB_JWT_KEY_ROTATION_DAYS: z.coerce.number().int().min(0).default(90),
  /** introspection (__schema, __type) is refused unless enabled */
  HUB_GATEWAY_INTROSPECTION: z.stringbool().default(false),
  /** API client ids (comma-separated) of the federation router: they get `_service { sdl }` while introspection is off */
  HUB_GATEWAY_SDL_CLIENTS: z.string().default(''),
  /** GraphiQL on GET /graphql (useful only with introspection) */
  HUB_GATEWAY_GRAPHIQL: z.stringbool().default(false),
  /** only registered (persisted) operations run */
  HUB_GATEWAY_PERSISTED_ONLY: z.stringbool().default(false),
  /** folder of registered operations: one *.graphql file each, identified by the sha256 of its text */
  HUB_GATEWAY_PERSISTED_DIR: z.string().default(new URL('../../graphql/persisted', import.meta.url).pathname),
  /** optional JSON file of more registered operations: { "<sha256 hex>": "<document>" } */
  HUB_GATEWAY_PERSISTED_FILE: z.string().optional(),
  /** deepest field nesting of an operation */
  HUB_GATEWAY_MAX_DEPTH: z.coerce.number().int().min(1).default(10),
  /** graphql-armor cost (objects 2, scalars 1, x1.5 per level, lists x `first`) */
  HUB_GATEWAY_MAX_COST: z.coerce.number().int().min(1).default(50_000),
  /** aliases per operation (defeats alias-based amplification) */
  HUB_GATEWAY_MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  /** lexical tokens per document (parsing stops beyond) */
  HUB_GATEWAY_MAX_TOKENS: z.coerce.number().int().min(10).default(2000),
  /** planned Odoo calls per operation: each (aliased) root field and each nested object or list field of it counts one */
  HUB_GATEWAY_MAX_BACKEND_CALLS: z.coerce.number().int().min(1).default(40),
  /** Odoo calls one caller (API client, IdP subject, Odoo user) may have in flight; the rest wait in its own queue */
  HUB_GATEWAY_ODOO_CONCURRENCY_PER_CALLER: z.coerce.number().int().min(1).default(3),
  /** Odoo calls the gateway may have in flight in all; free slots go to waiting callers in turn (at most Odoo's workers) */
  HUB_GATEWAY_ODOO_CONCURRENCY: z.coerce.number().int().min(1).default(8),
  /** operations per HTTP batch (0 = batching off) */
  HUB_GATEWAY_MAX_BATCH: z.coerce.number().int().min(0).max(50).default(5),
  /** largest /graphql request body (413 above) */
  HUB_GATEWAY_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  /** operations per minute for callers without their own limit (IdP and Odoo users, API clients with rate_limit 0); 0 = unlimited */
  HUB_GATEWAY_DEFAULT_RATE_LIMIT: z.coerce.number().int().min(0).default(600),
  /** how long a live partner field (WMS stock, carrier tracking) may take before it degrades to null */
  HUB_GATEWAY_LIVE_TIMEOUT_MS: z.coerce.number().int().min(50).default(2000),
  /** accept Odoo web sessions (session_id cookie or X-Odoo-Session header); reads then run as that user */
  HUB_GATEWAY_ODOO_SESSIONS: z.stringbool().default(true),
  /** browser origins allowed by CORS, comma separated; none by default (session cookies must not be usable cross-site) */
  HUB_GATEWAY_CORS_ORIGINS: z.string().optional(),
  /** seconds between checks of the subgraph connectors and their SDLs (recomposing the supergraph when either changed); 0 = never */
  HUB_GATEWAY_SUBGRAPH_POLL_SECONDS: z.coerce.number().min(0).default(30),
  /** calls one caller may have in flight to one remote subgraph; the rest wait in its own queue */
  HUB_GATEWAY_SUBGRAPH_CONCURRENCY_PER_CALLER: z.coerce.number().int().min(1).default(2),
  /** calls the gateway may have in flight to one remote subgraph in all */
  HUB_GATEWAY_SUBGRAPH_CONCURRENCY: z.coerce.number().int().min(1).default(16),
  /** seconds the customer exposure policy read from Odoo is cached */
  HUB_GATEWAY_POLICY_TTL_SECONDS: z.coerce.number().int().min(0).default(30),
  /** external identity provider: tokens whose iss is HUB_EXTERNAL_ISSUER are verified against this JWKS */
  HUB_EXTERNAL_JWKS_URL: z.string().url().optional(),
  HUB_EXTERNAL_ISSUER: z.string().min(1).optional(),
  HUB_EXTERNAL_AUDIENCE: z.string().min(1).optional(),
  /** claim holding the Odoo commercial partner id (number or numeric string) */
  HUB_EXTERNAL_PARTNER_CLAIM: z.string().min(1).default('partner_id'),
  /** claim holding the scopes (space-separated string or array) */
  HUB_EXTERNAL_SCOPE_CLAIM: z.string().min(1).default('scope'),
  /** signature algorithms accepted from the identity provider */
  HUB_EXTERNAL_ALGORITHMS: z.string().default('RS256,ES256'),
  /** exposure of identity-provider users: customer (public statuses only) or partner */
  HUB_EXTERNAL_CLIENT_AUDIENCE: z.enum(['partner', 'customer']).default('customer')
})

const schema = settings.superRefine((c, ctx) => {
  // a JWKS without issuer and audience would accept any token that key ever signed
  if (c.HUB_EXTERNAL_JWKS_URL && (!c.HUB_EXTERNAL_ISSUER || !c.HUB_EXTERNAL_AUDIENCE)) {
    ctx.addIssue({ code: 'custom', path: ['HUB_EXTERNAL_JWKS_URL'], message: 'needs HUB_EXTERNAL_ISSUER and HUB_EXTERNAL_AUDIENCE' })
  }
})

export type Config = z.infer<typeof schema>

export class ConfigError extends Error {}

function parse<T extends z.ZodType> (schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const parsed = schema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new ConfigError(`invalid sidecar configuration: ${problems}`)
  }
  return parsed.data
}

export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  return parse(schema, env)
}

/** What `npm run doctor` needs: the database, pg-boss's schema and the self-check's grace period. */
export function loadDoctorConfig (env: NodeJS.ProcessEnv = process.env) {
  return parse(settings.pick({ DATABASE_URL: true, HUB_BOSS_SCHEMA: true, HUB_SELF_CHECK_GRACE_SECONDS: true }), env)
}
