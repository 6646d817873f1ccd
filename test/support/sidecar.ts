import { loadConfig } from '../../sidecar/src/config.ts'
import { type Logger, createLogger } from '../../sidecar/src/observability/logger.ts'
import { type Sidecar, createSidecar } from '../../sidecar/src/sidecar.ts'

/**
 * A real sidecar in this process on a free port. Without an Odoo URL it points write-back at a closed
 * port, which is exactly "Odoo is down": those jobs wait in their queue.
 */
export async function startSidecar (databaseUrl: string, env: Record<string, string> = {}, logger?: Logger): Promise<Sidecar & { url: string }> {
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    ODOO_URL: 'http://127.0.0.1:9',
    ODOO_DB: 'none',
    ODOO_USER: 'hub',
    ODOO_PASSWORD: 'hub',
    PORT: '0',
    HUB_RELAY_POLL_MS: '250',
    HUB_WORKER_POLL_SECONDS: '0.5',
    LOG_LEVEL: process.env.HUB_TEST_LOG_LEVEL ?? 'silent',
    ...env
  })
  const sidecar = createSidecar(config, logger ?? createLogger(config.LOG_LEVEL))
  await sidecar.start()
  return Object.assign(sidecar, { url: `http://127.0.0.1:${sidecar.port()}` })
}
