import type { Plan } from './pool.ts'

/**
 * Inbound callbacks the sidecar refused before storing anything (bad or missing signature, unknown
 * connector, malformed or oversized body), in its own schema, for Odoo to list (Logistics Hub >
 * Monitoring > Rejected Callbacks reads this table by SQL; docs/contract.md "Rejected callbacks").
 * Bounded: every insert drops the rows older than the newest `keep`.
 */
export const lockRefusalTable: Plan = { text: "SELECT pg_advisory_xact_lock(hashtext('hub_sidecar.inbound_refusal'))", values: [] }

export const createRefusalTable: Plan = {
  text: `CREATE TABLE IF NOT EXISTS hub_sidecar.inbound_refusal (
    id bigserial PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    connector_code text,
    reason text NOT NULL,
    http_status integer NOT NULL,
    detail text,
    remote_addr text,
    webhook_id text,
    body_excerpt text,
    suppressed_before integer NOT NULL DEFAULT 0
  )`,
  values: []
}

export interface RefusalRow {
  connector_code: string | null
  reason: string
  http_status: number
  detail: string | null
  remote_addr: string | null
  webhook_id: string | null
  body_excerpt: string | null
  /** refusals not recorded since the previous row (rate limit) */
  suppressed_before: number
}

/** One statement: the row, and the pruning that keeps the table at about `keep` rows (an index range delete). */
export function insertRefusal (row: RefusalRow, keep: number): Plan {
  return {
    text: `WITH added AS (
        INSERT INTO hub_sidecar.inbound_refusal (connector_code, reason, http_status, detail, remote_addr, webhook_id, body_excerpt, suppressed_before)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        RETURNING id
      )
      DELETE FROM hub_sidecar.inbound_refusal WHERE id <= (SELECT id FROM added) - $9`,
    values: [row.connector_code, row.reason, row.http_status, row.detail, row.remote_addr, row.webhook_id, row.body_excerpt, row.suppressed_before, keep]
  }
}
