import type PgBoss from 'pg-boss'
import type { Config } from './config.ts'

/** Queue names (pg-boss allows letters, digits, - and _). */
export const QUEUES = {
  deliver: 'hub-deliver',
  deliverDead: 'hub-deliver-dead',
  writeback: 'hub-writeback',
  inbound: 'hub-inbound',
  trackingPoll: 'hub-tracking-poll',
  reconcile: 'hub-reconcile',
  /** Odoo rejected the item itself (not an outage): kept for a person, never retried blindly */
  odooRejected: 'hub-odoo-rejected'
} as const

export interface DeliverJob { event_id: number, event_uuid: string, connector_id: number, correlation_id: string, error?: string, attempt?: number }

export interface WritebackJob {
  event_uuid: string
  status: 'sent' | 'failed' | 'dead' | 'acknowledged'
  attempt: number
  error: string | null
  external_ref: string | null
  /** e.g. `{ shipment: { carrier, tracking_number, label_pdf_base64, ... } }` for Odoo to record */
  details: Record<string, unknown> | null
  at: string
  correlation_id: string
}

export interface InboundJob { connector_code: string, message: { id: string, type: string, correlation_id: string | null, data: Record<string, unknown> } }

/**
 * Write-back and inbound apply only fail while Odoo is unreachable, so they retry at a steady pace for
 * a long time (a week at the default 5 s) instead of dead-lettering: nothing is lost during an outage.
 */
export async function createQueues (boss: PgBoss, config: Config): Promise<void> {
  const odooRetry = { retryLimit: Math.ceil(7 * 24 * 3600 / config.HUB_ODOO_RETRY_SECONDS), retryDelay: config.HUB_ODOO_RETRY_SECONDS, retryBackoff: false, expireInSeconds: 120 }
  await boss.createQueue(QUEUES.deliverDead, { name: QUEUES.deliverDead, retryLimit: odooRetry.retryLimit, retryDelay: odooRetry.retryDelay })
  await boss.createQueue(QUEUES.odooRejected, { name: QUEUES.odooRejected })
  await boss.createQueue(QUEUES.deliver, { name: QUEUES.deliver, deadLetter: QUEUES.deliverDead, expireInSeconds: 300 })
  await boss.createQueue(QUEUES.writeback, { name: QUEUES.writeback, ...odooRetry })
  await boss.createQueue(QUEUES.inbound, { name: QUEUES.inbound, ...odooRetry })
  // a missed minute is simply polled at the next one: no retries
  await boss.createQueue(QUEUES.trackingPoll, { name: QUEUES.trackingPoll, retryLimit: 0, expireInSeconds: 600 })
  await boss.schedule(QUEUES.trackingPoll, '* * * * *')
  await boss.createQueue(QUEUES.reconcile, { name: QUEUES.reconcile, retryLimit: 0, expireInSeconds: 900 })
  await boss.schedule(QUEUES.reconcile, config.HUB_RECONCILE_CRON)
}
