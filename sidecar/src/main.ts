import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { ConfigError, loadConfig } from './config.ts'
import { errorMessage } from './errors.ts'
import type { Logger } from './observability/logger.ts'
import { createSidecar } from './sidecar.ts'

/**
 * The sidecar process. It waits out a database that is not up yet, keeps running through outages
 * (every loop catches, logs and backs off), logs any error nobody handled and goes on, and exits
 * non-zero only in a state it cannot trust (an uncaught exception, a failed start), for its
 * supervisor (compose `restart: unless-stopped`, systemd `Restart=always`) to start it afresh.
 */
try {
  const config = loadConfig()
  const sidecar = createSidecar(config)
  const { logger } = sidecar
  process.on('unhandledRejection', reason => {
    sidecar.metrics.unhandledErrors.inc()
    logger.error({ err: reason }, 'unhandled promise rejection; continuing')
  })
  process.on('uncaughtException', err => {
    logger.fatal({ err }, 'uncaught exception; exiting for the supervisor to restart the sidecar')
    process.exit(1)
  })
  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'stopping sidecar')
    sidecar.stop().then(() => process.exit(0), err => { logger.error({ err }, 'unclean stop'); process.exit(1) })
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  await waitForDatabase(config.DATABASE_URL, logger)
  await sidecar.start()
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err)
  process.exit(1)
}

/** A sidecar started with (or just after) its database waits for it instead of crash-looping. */
async function waitForDatabase (url: string, logger: Logger): Promise<void> {
  for (let delayMs = 500; ; delayMs = Math.min(delayMs * 2, 10_000)) {
    const client = new pg.Client({ connectionString: url })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.query('SELECT 1')
      return
    } catch (err) {
      logger.warn({ err: errorMessage(err), retry_in_ms: delayMs }, 'database not reachable yet; waiting')
      await sleep(delayMs)
    } finally {
      await client.end().catch(() => {})
    }
  }
}
