import type PgBoss from 'pg-boss'
import { type DeliveryAttempt, QUEUES, type WritebackJob, type WritebackResult } from '../queues.ts'

/** One delivery result for Odoo's hub.sync.state (docs/contract.md, `hub_apply_results`). */
export function writebackResult (event: { uuid: string, correlation_id: string }, status: WritebackResult['status'],
  attempt: number, error: string | null, externalRef: string | null, details?: Record<string, unknown>, delivery?: DeliveryAttempt): WritebackResult {
  const result: WritebackResult = { event_uuid: event.uuid, status, attempt, error, external_ref: externalRef, details: details ?? null, at: new Date().toISOString(), correlation_id: event.correlation_id }
  if (delivery) result.delivery = delivery
  return result
}

/**
 * The write-back jobs for results recorded together: ONE job carries them all. A job per result
 * cost pg-boss an insert, a fetch and a completion per delivered event, about a third of
 * PostgreSQL's time per event (bench backlog, BENCH_PG_STATEMENTS=1); Odoo applies results item by
 * item anyway (workers/odoo-batch.ts), so nothing is lost by sharing a job.
 */
export function writebackJobs (results: WritebackResult[]): Array<PgBoss.JobInsert<WritebackJob>> {
  return results.length ? [{ name: QUEUES.writeback, data: { results } }] : []
}
