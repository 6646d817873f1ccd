import { z } from 'zod'

/**
 * Every setting of the sidecar, resolved once from the environment and validated.
 * Names marked "contract" are fixed by ARCHITECTURE.md; the others are tuning knobs with the defaults shown.
 */
const schema = z.object({
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
  /** contract: how partners reach this sidecar (used in logs and docs) */
  HUB_PUBLIC_URL: z.string().url().optional(),
  /** contract */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** pg-boss schema */
  HUB_BOSS_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('pgboss'),
  /** outbox polling fallback when a NOTIFY is missed */
  HUB_RELAY_POLL_MS: z.coerce.number().int().min(50).default(2000),
  /** outbox rows moved per relay transaction */
  HUB_RELAY_BATCH: z.coerce.number().int().min(1).max(1000).default(100),
  /** concurrent delivery workers in this process */
  HUB_DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** results sent to Odoo per write-back RPC */
  HUB_WRITEBACK_BATCH: z.coerce.number().int().min(1).max(500).default(50),
  /** pg-boss polling interval for workers (seconds, >= 0.5) */
  HUB_WORKER_POLL_SECONDS: z.coerce.number().min(0.5).default(1),
  /** seconds between retries of Odoo write-back and inbound apply while Odoo is unreachable */
  HUB_ODOO_RETRY_SECONDS: z.coerce.number().int().min(1).default(5),
  /** partner circuit breaker: failure percentage that opens it, calls before it counts, ms before a trial call */
  HUB_BREAKER_ERROR_PCT: z.coerce.number().min(1).max(100).default(50),
  HUB_BREAKER_VOLUME: z.coerce.number().int().min(1).default(3),
  HUB_BREAKER_RESET_MS: z.coerce.number().int().min(100).default(30_000),
  /** largest accepted inbound hook body */
  HUB_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(256 * 1024)
})

export type Config = z.infer<typeof schema>

export class ConfigError extends Error {}

export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new ConfigError(`invalid sidecar configuration: ${problems}`)
  }
  return parsed.data
}
