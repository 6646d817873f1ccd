import type PgBoss from 'pg-boss'
import type { Config } from './config.ts'

/** Queue names (pg-boss allows letters, digits, - and _). */
export const QUEUES = {
  deliver: 'hub-deliver',
  deliverDead: 'hub-deliver-dead',
  /** results for Odoo, a delivered batch's per job (workers/writeback-results.ts) */
  writeback: 'hub-writeback-batch',
  /**
   * one result per job, as sidecars before 0.2 queued them: still consumed until drained. A queue of its
   * own, so that during a rolling upgrade a 0.1 replica (which reads this queue only) never takes a batch
   * for a single result
   */
  writebackLegacy: 'hub-writeback',
  inbound: 'hub-inbound',
  trackingPoll: 'hub-tracking-poll',
  /** carriers' freight bills fetched for audit in Odoo (workers/freight-bills.ts) */
  freightBills: 'hub-freight-bills',
  reconcile: 'hub-reconcile',
  /** items Odoo refused on their own (not an outage): reported to Odoo as exceptions a person can apply again */
  odooRejected: 'hub-odoo-rejected',
  /** invariants checked and repaired (workers/self-check.ts) */
  selfCheck: 'hub-self-check',
  /** due SLA deadlines of process steps, for Odoo to fire (processes/timer-relay.ts, workers/process-timers.ts) */
  processTimer: 'hub-process-timer'
} as const

/** `error`, `attempt` and `delivery` are set on jobs the delivery worker dead-letters itself (a permanent failure). */
export interface DeliverJob { event_id: number, event_uuid: string, connector_id: number, correlation_id: string, error?: string, attempt?: number, delivery?: DeliveryAttempt }

/**
 * One delivery attempt as Odoo shows it (`delivery` of a write-back, docs/contract.md): what the
 * partner answered, how long it took, and what happens next.
 */
export interface DeliveryAttempt {
  /** ISO time the partner call started; null when unknown (the attempt's worker died) */
  attempted_at: string | null
  duration_ms: number | null
  /** the partner's HTTP status of the last answer within the attempt; null when none came (network error, timeout, nothing called) */
  http_status: number | null
  /** the start of that answer's body, secrets masked, at most DELIVERY_EXCERPT_CHARS */
  response_excerpt: string | null
  max_attempts: number
  /** when the next attempt is due (pg-boss's start_after); null when none follows */
  next_retry_at: string | null
}

export const DELIVERY_EXCERPT_CHARS = 300

/** One delivery result for Odoo (`hub.sync.state.hub_apply_results` item, docs/contract.md). */
export interface WritebackResult {
  event_uuid: string
  status: 'sent' | 'failed' | 'dead' | 'acknowledged'
  attempt: number
  error: string | null
  external_ref: string | null
  /** e.g. `{ shipment: { carrier, tracking_number, label_pdf_base64, ... } }` for Odoo to record */
  details: Record<string, unknown> | null
  /** the delivery attempt this result reports; absent on results restored by the self-check */
  delivery?: DeliveryAttempt | null
  at: string
  correlation_id: string
}

/** A write-back job: the results recorded in one transaction (workers/writeback-results.ts). */
export interface WritebackJob { results: WritebackResult[] }

/** An item Odoo refused on its own; exactly the shape of `hub.exception.hub_park` items (docs/contract.md). */
export interface ParkedJob {
  kind: 'inbound' | 'writeback' | 'process_timer'
  connector_code: string | null
  /** inbound `<connector>:<message id>`, writeback `<event uuid>:<attempt>:<status>`, process_timer `<step id>:<deadline>`: Odoo keeps one exception per key */
  key: string
  item: unknown
  error: string
  correlation_id: string | null
}

/** One due deadline of a process step; Odoo breaches a step once per deadline (`hub.process.step.hub_fire_timers`). */
export interface ProcessTimer { step_id: number, deadline: string }

/** A timer job: the deadlines claimed in one transaction (processes/timer-relay.ts). */
export interface ProcessTimerJob { items: ProcessTimer[] }

export interface InboundJob { connector_code: string, message: { id: string, type: string, correlation_id: string | null, data: Record<string, unknown> } }

/**
 * Odoo-bound queues (write-back, inbound apply, parked items, dead-letter bookkeeping) only fail while
 * Odoo or the database is unavailable (items Odoo refuses are parked, not failed), so they retry at a
 * steady pace for a long time (a week at the default 5 s) instead of dead-lettering: nothing is lost
 * during an outage. A job whose worker died comes back after `expireInSeconds`.
 */
export async function createQueues (boss: PgBoss, config: Config): Promise<void> {
  const odooRetry = { retryLimit: Math.ceil(7 * 24 * 3600 / config.HUB_ODOO_RETRY_SECONDS), retryDelay: config.HUB_ODOO_RETRY_SECONDS, retryBackoff: false, expireInSeconds: config.HUB_ODOO_EXPIRE_SECONDS }
  await ensureQueue(boss, QUEUES.deliverDead, odooRetry)
  await ensureQueue(boss, QUEUES.odooRejected, odooRetry)
  await ensureQueue(boss, QUEUES.deliver, { deadLetter: QUEUES.deliverDead, expireInSeconds: 300 })
  await ensureQueue(boss, QUEUES.writeback, odooRetry)
  await ensureQueue(boss, QUEUES.writebackLegacy, odooRetry)
  await ensureQueue(boss, QUEUES.inbound, odooRetry)
  await ensureQueue(boss, QUEUES.processTimer, odooRetry)
  // a missed run is simply done at the next one: no retries
  await ensureQueue(boss, QUEUES.trackingPoll, { retryLimit: 0, expireInSeconds: 600 })
  await boss.schedule(QUEUES.trackingPoll, '* * * * *')
  await ensureQueue(boss, QUEUES.freightBills, { retryLimit: 0, expireInSeconds: 600 })
  await boss.schedule(QUEUES.freightBills, config.HUB_FREIGHT_BILLS_CRON)
  await ensureQueue(boss, QUEUES.reconcile, { retryLimit: 0, expireInSeconds: 900 })
  await boss.schedule(QUEUES.reconcile, config.HUB_RECONCILE_CRON)
  await ensureQueue(boss, QUEUES.selfCheck, { retryLimit: 0, expireInSeconds: 300 })
  await boss.schedule(QUEUES.selfCheck, config.HUB_SELF_CHECK_CRON)
}

/** createQueue keeps the options a queue was first created with; an upgrade must apply today's. */
async function ensureQueue (boss: PgBoss, name: string, options: Omit<PgBoss.Queue, 'name'>): Promise<void> {
  await boss.createQueue(name, { name, ...options })
  await boss.updateQueue(name, { name, ...options })
}
