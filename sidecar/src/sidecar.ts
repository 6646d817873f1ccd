import PgBoss from 'pg-boss'
import type { Config } from './config.ts'
import { JobQueue } from './db/job-queue.ts'
import { createPool, withSessionLock } from './db/pool.ts'
import { retryWhileDatabaseUnavailable } from './db/unavailable.ts'
import { Heartbeat } from './observability/heartbeat.ts'
import { createLogger, type Logger } from './observability/logger.ts'
import { createMetrics } from './observability/metrics.ts'
import { registerQueueGauges } from './observability/queue-gauges.ts'
import { OdooClient } from './odoo/rpc.ts'
import { registerProcessGauges } from './processes/process-metrics.ts'
import { TimerRelay } from './processes/timer-relay.ts'
import { QUEUES, createQueues, type DeliverJob, type InboundJob, type ParkedJob, type ProcessTimerJob, type WritebackJob, type WritebackResult } from './queues.ts'
import { OutboxListener } from './relay/outbox-listener.ts'
import { relayBatch } from './relay/relay.ts'
import { createDrainLoop } from './relay/relay-loop.ts'
import { InboundStore } from './inbound/inbound-store.ts'
import { RefusalLog } from './inbound/refusal-log.ts'
import { buildMetricsServer, buildServer } from './server.ts'
import { BreakerRegistry } from './shipping/breakers.ts'
import { deadLetterJob } from './workers/dead-letter.ts'
import { deliverBatch } from './workers/deliver.ts'
import { FetchLoop } from './workers/fetch-loop.ts'
import { fetchFreightBills } from './workers/freight-bills.ts'
import { applyInboundJobs } from './workers/inbound-apply.ts'
import { fireProcessTimers } from './workers/process-timers.ts'
import { RateLimiter } from './rate-limiter.ts'
import { reportParked } from './workers/report-parked.ts'
import { selfCheck } from './workers/self-check.ts'
import { settleEach } from './workers/settle.ts'
import { pollTracking } from './workers/tracking-poll.ts'
import { reconcile } from './workers/reconcile.ts'
import { applyWritebacks, writebackJobsPerFetch } from './workers/writeback.ts'

/** Wires the sidecar from its configuration; `start` and `stop` are safe to call from tests. */
export function createSidecar (config: Config, logger: Logger = createLogger(config.LOG_LEVEL)) {
  const pool = createPool(config.DATABASE_URL)
  const boss = new PgBoss({ connectionString: config.DATABASE_URL, schema: config.HUB_BOSS_SCHEMA, application_name: 'logistics-hub-boss', maintenanceIntervalSeconds: config.HUB_BOSS_MAINTENANCE_SECONDS })
  const odoo = new OdooClient({ url: config.ODOO_URL, db: config.ODOO_DB, user: config.ODOO_USER, password: config.ODOO_PASSWORD })
  const metrics = createMetrics()
  const jobs = new JobQueue(boss)
  const inbound = new InboundStore(pool, { bossSchema: config.HUB_BOSS_SCHEMA, dedupeDays: config.HUB_INBOUND_DEDUPE_DAYS })
  const refusals = new RefusalLog(pool, logger, { perMinute: config.HUB_INBOUND_REFUSALS_PER_MINUTE, keep: config.HUB_INBOUND_REFUSALS_KEEP })
  registerQueueGauges(metrics, { boss, pool })
  registerProcessGauges(metrics, pool)
  const deliveryLoops: Array<FetchLoop<DeliverJob>> = []
  const loops: Array<FetchLoop<any>> = []
  const breakerSettings = { errorThresholdPercentage: config.HUB_BREAKER_ERROR_PCT, volumeThreshold: config.HUB_BREAKER_VOLUME, resetTimeoutMs: config.HUB_BREAKER_RESET_MS, rollingWindowMs: 60_000 }
  const breakers = new BreakerRegistry(breakerSettings, (connector, state) => {
    metrics.circuitOpen.set({ connector }, state === 'open' ? 1 : state === 'half_open' ? 0.5 : 0)
    logger.warn({ connector, state }, 'circuit breaker changed state')
  })
  const app = buildServer({ pool, inbound, refusals, odoo, logger, metrics, maxBodyBytes: config.HUB_MAX_BODY_BYTES, requestTimeoutMs: config.HUB_REQUEST_TIMEOUT_MS, adminToken: config.HUB_ADMIN_TOKEN, gateway: { config, breakers },
    credentialThrottle: { perSource: config.HUB_AUTH_FAILURES_PER_SOURCE, perClient: config.HUB_AUTH_FAILURES_PER_CLIENT },
    metricsAccess: { port: config.HUB_METRICS_PORT, token: config.HUB_METRICS_TOKEN } })
  const metricsApp = buildMetricsServer({ metrics, logger, metricsAccess: { port: config.HUB_METRICS_PORT, token: config.HUB_METRICS_TOKEN } })
  const lookahead = { bossSchema: config.HUB_BOSS_SCHEMA, max: config.HUB_RELAY_LOOKAHEAD }
  // our relay's drained run, and any replica's committed jobs (NOTIFY hub_deliver), wake our delivery loops
  const wakeDeliveries = (): void => { deliveryLoops.forEach(loop => loop.wake()) }
  const relay = createDrainLoop(() => relayBatch({ pool, jobs, logger, metrics, batchSize: config.HUB_RELAY_BATCH, minExpireSeconds: config.HUB_DELIVERY_EXPIRE_SECONDS, lookahead }),
    config.HUB_RELAY_BATCH, logger, wakeDeliveries)
  const listener = new OutboxListener(config.DATABASE_URL, config.HUB_RELAY_POLL_MS, relay.signal, wakeDeliveries, logger)
  const heartbeat = new Heartbeat(pool, logger, { intervalSeconds: config.HUB_HEARTBEAT_SECONDS })
  // due SLA deadlines -> hub-process-timer jobs; what it queues, our timer worker fetches at once
  let timerWorker: FetchLoop<ProcessTimerJob> | null = null
  const timerRelay = new TimerRelay({ pool, jobs, logger, batchSize: config.HUB_PROCESS_TIMER_BATCH }, config.HUB_PROCESS_TIMER_POLL_MS, () => timerWorker?.wake())

  // pg-boss emits background errors (lost connection during maintenance); they must never crash us
  boss.on('error', err => logger.error({ err }, 'pg-boss background error'))

  /**
   * Every queue is consumed by a FetchLoop whose handler settles its own jobs and awaits every call:
   * pg-boss's work() completes and fails jobs without awaiting them, and one of those rejecting while
   * PostgreSQL restarts is an unhandled rejection.
   */
  function consume<T extends object> (queue: string, batchSize: number, handle: (batch: Array<PgBoss.JobWithMetadata<T>>) => Promise<void>): FetchLoop<T> {
    const loop = new FetchLoop<T>(boss, queue, handle, { batchSize, pollMs: config.HUB_WORKER_POLL_SECONDS * 1000 }, logger)
    loop.start()
    loops.push(loop)
    return loop
  }

  function startWorkers (): void {
    const rateLimiter = new RateLimiter()
    for (let i = 0; i < config.HUB_DELIVERY_WORKERS; i++) {
      // each delivered batch frees room in the relay's lookahead
      deliveryLoops.push(consume<DeliverJob>(QUEUES.deliver, config.HUB_DELIVERY_BATCH, async batch => { await deliverBatch({ pool, jobs, logger, metrics, rateLimiter, breakers }, batch); relay.signal() }))
    }
    consume<DeliverJob>(QUEUES.deliverDead, 10, async batch => { for (const job of batch) await deadLetterJob({ pool, jobs, logger, metrics }, job) })
    const writebackDeps = { pool, jobs, odoo, logger, metrics, maxResultsPerCall: config.HUB_WRITEBACK_BATCH }
    consume<WritebackJob>(QUEUES.writeback, writebackJobsPerFetch(config.HUB_WRITEBACK_BATCH, config.HUB_DELIVERY_BATCH), async batch => { await applyWritebacks(writebackDeps, batch) })
    consume<WritebackResult>(QUEUES.writebackLegacy, config.HUB_WRITEBACK_BATCH, async batch => { await applyWritebacks(writebackDeps, batch, QUEUES.writebackLegacy) })
    consume<InboundJob>(QUEUES.inbound, config.HUB_WRITEBACK_BATCH, async batch => { await applyInboundJobs({ pool, jobs, odoo, logger, metrics, maxMessagesPerCall: config.HUB_WRITEBACK_BATCH }, batch) })
    consume<ParkedJob>(QUEUES.odooRejected, 50, async batch => { await reportParked({ pool, jobs, odoo, logger }, batch) })
    // a job carries one claim's deadlines (up to HUB_PROCESS_TIMER_BATCH): a few jobs per fetch settle well within HUB_ODOO_EXPIRE_SECONDS
    timerWorker = consume<ProcessTimerJob>(QUEUES.processTimer, 4, async batch => { await fireProcessTimers({ pool, jobs, odoo, logger, metrics, maxTimersPerCall: config.HUB_PROCESS_TIMER_BATCH }, batch) })
    consume(QUEUES.trackingPoll, 1, settleEach(pool, jobs, QUEUES.trackingPoll, logger, async () => await pollTracking({ pool, inbound, logger, breakers })))
    consume(QUEUES.freightBills, 1, settleEach(pool, jobs, QUEUES.freightBills, logger, async () => await fetchFreightBills({ pool, inbound, logger, breakers })))
    const reconcileSettings = { ackMinutes: config.HUB_RECONCILE_ACK_MINUTES, scanHours: config.HUB_RECONCILE_SCAN_HOURS, invoiceHours: config.HUB_RECONCILE_INVOICE_HOURS, portalMinutes: config.HUB_RECONCILE_PORTAL_MINUTES }
    consume(QUEUES.reconcile, 1, settleEach(pool, jobs, QUEUES.reconcile, logger, async () => await reconcile({ pool, inbound, odoo, logger, breakers }, reconcileSettings)))
    const selfCheckDeps = { pool, jobs, logger, metrics, bossSchema: config.HUB_BOSS_SCHEMA }
    consume(QUEUES.selfCheck, 1, settleEach(pool, jobs, QUEUES.selfCheck, logger, async () => await selfCheck(selfCheckDeps, { graceSeconds: config.HUB_SELF_CHECK_GRACE_SECONDS, repair: true })))
  }

  return {
    app, boss, jobs, pool, inbound, metrics, logger, breakers, heartbeat,
    async start (): Promise<void> {
      // pg-boss cannot be started again after a failed start (its `starting` flag stays set), so a
      // failure here exits for the supervisor; the idempotent steps after it wait out a database restart
      await boss.start()
      await retryWhileDatabaseUnavailable(logger, 'preparing queues and tables', async () => {
        // pg-boss creates a queue's partition with DDL that deadlocks against another replica doing the same
        await withSessionLock(pool, 'logistics-hub:create-queues', async () => { await createQueues(boss, config) })
        await inbound.init()
        await refusals.init()
      })
      startWorkers()
      timerRelay.start()
      await listener.start()
      await app.listen({ port: config.PORT, host: config.HOST })
      await metricsApp?.listen({ port: config.HUB_METRICS_PORT, host: config.HOST })
      // last: Odoo reads a beat as "this replica relays, delivers and answers"
      await heartbeat.start()
      logger.info({ host: config.HOST, port: config.PORT, public_url: config.HUB_PUBLIC_URL }, 'sidecar started')
    },
    async stop (): Promise<void> {
      await heartbeat.stop()
      await listener.stop()
      await app.close()
      await metricsApp?.close()
      await relay.settled()
      await timerRelay.stop()
      await Promise.all(loops.map(loop => loop.stop()))
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
