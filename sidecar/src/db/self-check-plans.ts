import { QUEUES } from '../queues.ts'
import type { Plan } from './pool.ts'

/**
 * The invariants the self-check (workers/self-check.ts) and `npm run doctor` verify, over the addon's
 * tables, the sidecar's and pg-boss's. pg-boss job states below 'completed' (created, retry, active)
 * are live: the job will still run. Each finding must be older than `graceSeconds`, so work that is
 * merely in flight is never reported. Each statement reads one snapshot, and every transition it
 * looks at (queue an event + insert its job; close it + complete its job) commits in one transaction,
 * so a consistent pipeline never shows up here.
 */

const liveDeliveryJob = (bossSchema: string): string => `EXISTS (
  SELECT 1 FROM ${bossSchema}.job j
  WHERE j.name IN ('${QUEUES.deliver}', '${QUEUES.deliverDead}') AND j.state < 'completed' AND (j.data->>'event_id')::int = e.id)`

const orphanedQueued = (bossSchema: string): string => `
  e.direction = 'out' AND e.state = 'queued'
  AND e.relayed_at < (now() AT TIME ZONE 'UTC') - $1 * interval '1 second'
  AND NOT ${liveDeliveryJob(bossSchema)}`

/** Outbox events marked queued whose delivery job is gone: nothing would ever deliver or close them. */
export function queuedWithoutJob (bossSchema: string, graceSeconds: number, limit: number): Plan {
  return {
    text: `SELECT e.id, e.uuid, e.connector_id, e.res_model, e.res_id, e.correlation_id FROM hub_event e
           WHERE ${orphanedQueued(bossSchema)} ORDER BY e.id LIMIT $2`,
    values: [graceSeconds, limit]
  }
}

/**
 * Puts such events back to pending, guarded by the same condition: the relay then queues them again
 * as the heads of their lanes, in order, with the same message id (partners dedupe on it).
 */
export function requeueWithoutJob (bossSchema: string, graceSeconds: number, ids: number[]): Plan {
  return {
    text: `UPDATE hub_event e SET state = 'pending', relayed_at = NULL
           WHERE e.id = ANY($2::int[]) AND ${orphanedQueued(bossSchema)}
           RETURNING e.id, e.uuid, e.correlation_id`,
    values: [graceSeconds, ids]
  }
}

/**
 * Sync states still `pending` although their last event was closed (delivered or dead) and no
 * write-back for it is on its way or parked: Odoo would show "pending" forever.
 */
export function pendingSyncOfClosedEvents (bossSchema: string, graceSeconds: number, limit: number): Plan {
  return {
    text: `SELECT s.id, e.uuid AS event_uuid, e.state AS event_state, e.correlation_id
           FROM hub_sync_state s JOIN hub_event e ON e.id = s.last_event_id
           WHERE s.status = 'pending' AND e.state IN ('delivered', 'dead')
             AND e.done_at < (now() AT TIME ZONE 'UTC') - $1 * interval '1 second'
             AND NOT EXISTS (
               SELECT 1 FROM ${bossSchema}.job j
               WHERE (j.name = '${QUEUES.writeback}' AND j.state < 'completed'
                      AND j.data->'results' @> jsonb_build_array(jsonb_build_object('event_uuid', e.uuid)))
                  -- queued by a sidecar before 0.2: one result per job, unwrapped
                  OR (j.name = '${QUEUES.writebackLegacy}' AND j.state < 'completed' AND j.data->>'event_uuid' = e.uuid)
                  OR (j.name = '${QUEUES.odooRejected}' AND j.data->'item'->>'event_uuid' = e.uuid))
           ORDER BY s.id LIMIT $2`,
    values: [graceSeconds, limit]
  }
}

/** Jobs that used up their retries (a week for Odoo-bound queues): an accepted item no longer moving. */
export function exhaustedJobs (bossSchema: string, queues: string[], limit: number): Plan {
  return {
    text: `SELECT id, name FROM ${bossSchema}.job WHERE name = ANY($1::text[]) AND state = 'failed' ORDER BY created_on LIMIT $2`,
    values: [queues, limit]
  }
}

/**
 * Callbacks answered 2xx in the last day whose apply job is neither live nor completed (in pg-boss's
 * job or archive table): accepted but neither applied nor parked. The window keeps the check an index
 * range however long ids are remembered; exhausted jobs are also found by `exhaustedJobs`.
 */
export function unsettledInbound (bossSchema: string, graceSeconds: number, limit: number): Plan {
  return {
    text: `SELECT m.id, m.received_at, COALESCE(j.state::text, a.state::text, 'missing') AS job_state
           FROM hub_sidecar.inbound_message m
           LEFT JOIN ${bossSchema}.job j ON j.name = '${QUEUES.inbound}' AND j.id = m.id
           LEFT JOIN ${bossSchema}.archive a ON a.name = '${QUEUES.inbound}' AND a.id = m.id
           WHERE m.received_at BETWEEN now() - interval '1 day' AND now() - $1 * interval '1 second'
             AND COALESCE(j.state::text, a.state::text, 'missing') NOT IN ('created', 'retry', 'active', 'completed')
           ORDER BY m.received_at LIMIT $2`,
    values: [graceSeconds, limit]
  }
}

/** Items Odoo refused on their own that Odoo has not taken as exceptions yet. */
export function parkedAwaitingOdoo (bossSchema: string): Plan {
  return {
    text: `SELECT count(*)::int AS count FROM ${bossSchema}.job WHERE name = '${QUEUES.odooRejected}' AND state < 'completed'`,
    values: []
  }
}

/** Outbound events waiting longer than the grace period to be delivered (backlog, partner down, lane held). */
export function oldestUndelivered (graceSeconds: number): Plan {
  return {
    text: `SELECT count(*)::int AS count, EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC') - min(create_date))::int AS oldest_seconds
           FROM hub_event WHERE direction = 'out' AND state IN ('pending', 'queued')
             AND create_date < (now() AT TIME ZONE 'UTC') - $1 * interval '1 second'`,
    values: [graceSeconds]
  }
}
