import { randomBytes, randomUUID } from 'node:crypto'
import type pg from 'pg'
import { Webhook } from 'standardwebhooks'
import { QUEUES, type WritebackJob, type WritebackResult } from '../../sidecar/src/queues.ts'

export const newSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`

/** Standard Webhooks headers a partner would send with `body` (tests vary id, time and key). */
export function signedHeaders (secret: string, body: string, { id = `msg_${randomUUID()}`, at = new Date() } = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body)
  }
}

export interface ConnectorRow { id: number, code: string, secret: string }

export async function insertConnector (pool: pg.Pool, values: Record<string, unknown>): Promise<ConnectorRow> {
  const row = { code: `c_${randomBytes(3).toString('hex')}`, name: 'Test connector', secret: newSecret(), retry_delay: 0, retry_backoff: false, timeout: 2, ...values }
  const keys = Object.keys(row)
  const { rows: [inserted] } = await pool.query<ConnectorRow>(
    `INSERT INTO hub_connector (${keys.join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id, code, secret`,
    Object.values(row))
  return inserted!
}

/** An outbox row as the addon writes it (docs/contract.md), in its own committed transaction. */
export async function insertEvent (pool: pg.Pool, values: { connector_id: number, res_id: number, event_type?: string, res_model?: string, payload?: unknown, correlation_id?: string, idempotency_key?: string }, { notify = true } = {}): Promise<{ id: number, uuid: string }> {
  const { rows: [row] } = await pool.query<{ id: number, uuid: string }>(
    `INSERT INTO hub_event (uuid, direction, event_type, connector_id, res_model, res_id, correlation_id, payload, state, idempotency_key)
     VALUES ($1, 'out', $2, $3, $4, $5, $6, $7, 'pending', $8) RETURNING id, uuid`,
    [randomUUID(), values.event_type ?? 'order.confirmed', values.connector_id, values.res_model ?? 'sale.order', values.res_id,
      values.correlation_id ?? randomUUID(), JSON.stringify(values.payload ?? { order: { id: values.res_id } }), values.idempotency_key ?? null])
  // as Odoo's capture does; `notify: false` leaves the row for a relay the test runs itself
  if (notify) await pool.query("SELECT pg_notify('hub_event', '')")
  return row!
}

export async function eventStates (pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ state: string, n: number }>("SELECT state, count(*)::int AS n FROM hub_event GROUP BY state")
  return Object.fromEntries(rows.map(r => [r.state, r.n]))
}

export async function jobsIn (pool: pg.Pool, queue: string): Promise<Array<{ id: string, state: string, data: any, retry_count: number, output: any }>> {
  const { rows } = await pool.query('SELECT id, state, data, retry_count, output FROM pgboss.job WHERE name = $1 ORDER BY created_on, id', [queue])
  return rows
}

/** Every result queued for Odoo, in the order recorded, with the state of the write-back job carrying it. */
export async function writebackResults (pool: pg.Pool): Promise<Array<WritebackResult & { job_state: string, details: any }>> {
  return (await jobsIn(pool, QUEUES.writeback)).flatMap(j => (j.data as WritebackJob).results.map(r => ({ ...r, job_state: j.state })))
}
