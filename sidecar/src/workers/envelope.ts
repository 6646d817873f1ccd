import type { Envelope } from '../adapters/types.ts'

export interface OutboundEventRow {
  id: number
  uuid: string
  /** set on a re-send: the partner request key of the request it repeats (Odoo's hub.resend.wizard) */
  idempotency_key: string | null
  event_type: string
  connector_id: number
  res_model: string
  res_id: number
  correlation_id: string
  payload: Record<string, unknown> | null
  state: string
  create_date: Date
}

/**
 * The canonical envelope of an outbox row; Odoo stores naive UTC timestamps. Its id is what the partner
 * dedupes on (webhook-id, Idempotency-Key, the WMS request id): the event's own uuid, or on a re-send the
 * key of the request it repeats, so a partner that already acted on that request does not act twice.
 */
export function toEnvelope (row: OutboundEventRow): Envelope {
  const created = row.create_date instanceof Date ? row.create_date : new Date(row.create_date)
  const occurredAt = new Date(created.getTime() - created.getTimezoneOffset() * 60_000)
  return {
    id: row.idempotency_key ?? row.uuid,
    type: row.event_type,
    occurred_at: occurredAt.toISOString(),
    correlation_id: row.correlation_id,
    source: { model: row.res_model, id: row.res_id },
    data: row.payload ?? {}
  }
}
