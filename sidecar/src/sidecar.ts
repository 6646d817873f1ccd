import PgBoss from 'pg-boss'
import type { Config } from './config.ts'
import { createPool } from './db/pool.ts'
import { createLogger, type Logger } from './observability/logger.ts'
import { createMetrics } from './observability/metrics.ts'
import { registerQueueGauges } from './observability/queue-gauges.ts'
import { OdooClient } from './odoo/rpc.ts'
import { QUEUES, createQueues, type DeliverJob, type InboundJob, type WritebackJob } from './queues.ts'
import { OutboxListener } from './relay/outbox-listener.ts'
import { relayBatch } from './relay/relay.ts'
import { createDrainLoop } from './relay/relay-loop.ts'
import { InboundStore } from './inbound/inbound-store.ts'
import { buildServer } from './server.ts'
import { BreakerRegistry } from './shipping/breakers.ts'
import { deadLetterJob } from './workers/dead-letter.ts'
import { deliverBatch } from './workers/deliver.ts'
import { FetchLoop } from './workers/fetch-loop.ts'
import { applyInboundJobs } from './workers/inbound-apply.ts'
import { RateLimiter } from './workers/rate-limiter.ts'
import { pollTracking } from './workers/tracking-poll.ts'
import { reconcile } from './workers/reconcile.ts'
import { writebackJobs } from './workers/writeback.ts'

/** Wires the sidecar from its configuration; `start` and `stop` are safe to call from tests. */
export function createSidecar (config: Config, logger: Logger = createLogger(config.LOG_LEVEL)) {
  const pool = createPool(config.DATABASE_URL)
  const boss = new PgBoss({ connectionString: config.DATABASE_URL, schema: config.HUB_BOSS_SCHEMA, application_name: 'logistics-hub-boss', maintenanceIntervalSeconds: config.HUB_BOSS_MAINTENANCE_SECONDS })
  const odoo = new OdooClient({ url: config.ODOO_URL, db: config.ODOO_DB, user: config.ODOO_USER, password: config.ODOO_PASSWORD })
  const metrics = createMetrics()
  const inbound = new InboundStore(pool, { bossSchema: config.HUB_BOSS_SCHEMA, dedupeDays: config.HUB_INBOUND_DEDUPE_DAYS })
  registerQueueGauges(metrics, { boss, pool })
  const deliveryLoops: Array<FetchLoop<DeliverJob>> = []
  const breakerSettings = { errorThresholdPercentage: config.HUB_BREAKER_ERROR_PCT, volumeThreshold: config.HUB_BREAKER_VOLUME, resetTimeoutMs: config.HUB_BREAKER_RESET_MS, rollingWindowMs: 60_000 }
  const breakers = new BreakerRegistry(breakerSettings, (connector, state) => {
    metrics.circuitOpen.set({ connector }, state === 'open' ? 1 : state === 'half_open' ? 0.5 : 0)
    logger.warn({ connector, state }, 'circuit breaker changed state')
  })
  const app = buildServer({ pool, inbound, odoo, logger, metrics, maxBodyBytes: config.HUB_MAX_BODY_BYTES, requestTimeoutMs: config.HUB_REQUEST_TIMEOUT_MS, adminToken: config.HUB_ADMIN_TOKEN, gateway: { config, breakers } })
  const relay = createDrainLoop(() => relayBatch({ pool, boss, logger, metrics, batchSize: config.HUB_RELAY_BATCH, minExpireSeconds: config.HUB_DELIVERY_EXPIRE_SECONDS }),
    config.HUB_RELAY_BATCH, logger, () => deliveryLoops.forEach(loop => loop.wake()))
  const listener = new OutboxListener(config.DATABASE_URL, config.HUB_RELAY_POLL_MS, relay.signal, logger)

  // pg-boss emits background errors (lost connection during maintenance); they must never crash us
  boss.on('error', err => logger.error({ err }, 'pg-boss background error'))

  async function startWorkers (): Promise<void> {
    const poll = { pollingIntervalSeconds: config.HUB_WORKER_POLL_SECONDS, includeMetadata: true as const }
    const rateLimiter = new RateLimiter()
    const deliver = { batchSize: config.HUB_DELIVERY_BATCH, pollMs: config.HUB_WORKER_POLL_SECONDS * 1000 }
    for (let i = 0; i < config.HUB_DELIVERY_WORKERS; i++) {
      const loop = new FetchLoop<DeliverJob>(boss, QUEUES.deliver, async jobs => { await deliverBatch({ pool, boss, logger, metrics, rateLimiter, breakers }, jobs) }, deliver, logger)
      loop.start()
      deliveryLoops.push(loop)
    }
    await boss.work<DeliverJob>(QUEUES.deliverDead, poll, async ([job]) => { await deadLetterJob({ pool, boss, logger, metrics }, job!) })
    const batch = { pollingIntervalSeconds: config.HUB_WORKER_POLL_SECONDS, batchSize: config.HUB_WRITEBACK_BATCH, includeMetadata: true as const }
    await boss.work<WritebackJob>(QUEUES.writeback, batch, async jobs => { await writebackJobs({ boss, odoo, logger, metrics }, jobs) })
    await boss.work<InboundJob>(QUEUES.inbound, batch, async jobs => { await applyInboundJobs({ boss, odoo, logger, metrics }, jobs) })
    await boss.work(QUEUES.trackingPoll, async () => { await pollTracking({ pool, inbound, logger, breakers }) })
    const reconcileSettings = { ackMinutes: config.HUB_RECONCILE_ACK_MINUTES, scanHours: config.HUB_RECONCILE_SCAN_HOURS, invoiceHours: config.HUB_RECONCILE_INVOICE_HOURS, portalMinutes: config.HUB_RECONCILE_PORTAL_MINUTES }
    await boss.work(QUEUES.reconcile, async () => { await reconcile({ pool, inbound, odoo, logger, breakers }, reconcileSettings) })
  }

  return {
    app, boss, pool, inbound, metrics, logger, breakers,
    async start (): Promise<void> {
      await boss.start()
      await createQueues(boss, config)
      await inbound.init()
      await startWorkers()
      await listener.start()
      await app.listen({ port: config.PORT, host: '0.0.0.0' })
      logger.info({ port: config.PORT, public_url: config.HUB_PUBLIC_URL }, 'sidecar started')
    },
    async stop (): Promise<void> {
      await listener.stop()
      await app.close()
      await relay.settled()
      await Promise.all(deliveryLoops.map(loop => loop.stop()))
      await boss.stop({ graceful: true, timeout: 5000, wait: true })
      breakers.shutdown()
      await pool.end()
    },
    /** the port actually bound (PORT=0 in tests) */
    port: (): number => {
      const address = app.server.address()
      return typeof address === 'object' && address ? address.port : config.PORT
    }
  }
}

export type Sidecar = ReturnType<typeof createSidecar>
