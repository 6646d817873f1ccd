import type { Plan } from './pool.ts'

/**
 * Ids of inbound messages already stored, in the sidecar's own schema. This table, not pg-boss, is
 * what makes a replayed message a duplicate: pg-boss archives and drops finished jobs on its own
 * schedule, while partners retry the same webhook-id for days and tracking polls see the same scans
 * every interval.
 */
export const lockInboundTable: Plan = { text: "SELECT pg_advisory_xact_lock(hashtext('hub_sidecar.inbound_message'))", values: [] }

export const createInboundTable: Plan = {
  text: `CREATE TABLE IF NOT EXISTS hub_sidecar.inbound_message (
    id uuid PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now()
  )`,
  values: []
}

export const createInboundIndex: Plan = { text: 'CREATE INDEX IF NOT EXISTS inbound_message_received_at ON hub_sidecar.inbound_message (received_at)', values: [] }

/**
 * One statement, so one round trip and one commit for a whole group: records the ids not seen before
 * and queues a pg-boss job for each of them, returning the fresh ids. The job row follows pg-boss 10's
 * own insert (`insertJobs` in pg-boss/src/plans.js): retry, expiry, retention and dead letter come from
 * the queue, with pg-boss's defaults. Ids are inserted in sorted order, so two groups holding the same
 * ids lock them in the same order and cannot deadlock.
 */
export function storeInboundJobs (bossSchema: string, queue: string, jobs: Array<{ id: string, data: unknown }>): Plan {
  return {
    text: `WITH fresh AS (
        INSERT INTO hub_sidecar.inbound_message (id)
        SELECT id FROM unnest($1::uuid[]) AS t (id) ORDER BY id
        ON CONFLICT DO NOTHING
        RETURNING id
      ), queued AS (
        INSERT INTO ${bossSchema}.job (id, name, data, retry_limit, retry_delay, retry_backoff, expire_in, keep_until, dead_letter, policy)
        SELECT f.id, q.name, j.data,
          COALESCE(q.retry_limit, 2),
          CASE WHEN COALESCE(q.retry_backoff, false) THEN GREATEST(COALESCE(q.retry_delay, 0), 1) ELSE COALESCE(q.retry_delay, 0) END,
          COALESCE(q.retry_backoff, false),
          COALESCE(q.expire_seconds * interval '1 second', interval '15 minutes'),
          now() + COALESCE(q.retention_minutes * interval '1 minute', interval '14 days'),
          q.dead_letter,
          q.policy
        FROM fresh f
        JOIN json_to_recordset($2::json) AS j (id uuid, data jsonb) ON j.id = f.id
        JOIN ${bossSchema}.queue q ON q.name = $3
        ON CONFLICT DO NOTHING
      )
      SELECT id FROM fresh`,
    values: [jobs.map(j => j.id), JSON.stringify(jobs), queue]
  }
}

export function forgetInboundIdsBefore (days: number): Plan {
  return { text: "DELETE FROM hub_sidecar.inbound_message WHERE received_at < now() - $1 * interval '1 day'", values: [days] }
}
