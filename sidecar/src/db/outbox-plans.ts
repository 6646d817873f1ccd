import { QUEUES } from '../queues.ts'
import type { Plan } from './pool.ts'

/**
 * SQL over the addon's outbox table `hub_event` (see docs/contract.md).
 *
 * Per-record ordering is enforced here rather than in the queue: a lane is (connector, record), and only
 * the oldest unfinished event of a lane may be queued. The next one is claimed when its predecessor is
 * delivered or dead, so retries of one event hold back the later events of the same record.
 */

/**
 * The oldest pending lane heads. Walks the pending rows in id order (partial index
 * hub_event_pending_index) and keeps a row when it is the first unfinished event of its lane, found by
 * one probe of hub_event_open_lane_index. The probe is a correlated subquery on purpose: as a join, a
 * planner working from statistics taken before a burst (a partial index it believes empty) scans the
 * whole backlog once per row. So a claim reads about `limit` rows plus the blocked rows (later events
 * of busy records) it passes on the way, never the whole outbox.
 */
export function claimLaneHeads (limit: number): Plan {
  return {
    text: `
      SELECT e.id, e.uuid, e.event_type, e.connector_id, e.res_model, e.res_id, e.correlation_id, e.create_date
      FROM hub_event e
      WHERE e.state = 'pending' AND e.direction = 'out'
        AND e.id = (
          SELECT p.id FROM hub_event p
          WHERE p.connector_id = e.connector_id AND p.res_model = e.res_model AND p.res_id = e.res_id
            AND p.state IN ('pending', 'queued')
          ORDER BY p.id
          LIMIT 1)
      ORDER BY e.id
      LIMIT $1
      FOR UPDATE OF e SKIP LOCKED`,
    values: [limit]
  }
}

/**
 * Settings of one relay transaction (local to it). A claim that cannot finish quickly (a lock held
 * elsewhere) is cancelled by PostgreSQL itself, and its locks released, instead of holding up
 * deliveries or running on after its sidecar died. And the claim keeps its plan: with statistics
 * gathered during a burst the planner prefers a bitmap scan of every pending row plus a sort (one
 * lane probe per pending row, ~0.5 s at 35,000 pending) over the ordered index walk that stops after
 * `limit` heads; PostgreSQL has no plan hints, so the alternatives are priced out here (and JIT, which
 * those prices would trigger, is off: compiling costs more than the claim).
 */
export const relayTransactionSettings: Plan = {
  text: `SELECT set_config('statement_timeout', '10s', true), set_config('lock_timeout', '5s', true),
                set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true)`,
  values: []
}

/** Delivery jobs ready and not yet fetched, counted up to `max` (an index range of at most `max` rows). */
export function readyDeliveries (bossSchema: string, max: number): Plan {
  return {
    text: `SELECT count(*)::int AS n FROM (
             SELECT 1 FROM ${bossSchema}.job WHERE name = '${QUEUES.deliver}' AND state < 'active' AND start_after < now() LIMIT $1) ready`,
    values: [max]
  }
}

export function markQueued (ids: number[]): Plan {
  return {
    text: "UPDATE hub_event SET state = 'queued', relayed_at = now() AT TIME ZONE 'UTC' WHERE id = ANY($1::int[]) AND state = 'pending'",
    values: [ids]
  }
}

/**
 * Closes lane heads; the guard on state makes a second call (redelivered job) a no-op. Also tells
 * whether each lane has a next event waiting, so the relay is only woken when there is one.
 */
export function markFinished (ids: number[], state: 'delivered' | 'dead'): Plan {
  return {
    text: `UPDATE hub_event e SET state = $2, done_at = now() AT TIME ZONE 'UTC'
           WHERE e.id = ANY($1::int[]) AND e.state IN ('queued', 'pending')
           RETURNING e.id, EXISTS (
             SELECT 1 FROM hub_event n
             WHERE n.connector_id = e.connector_id AND n.res_model = e.res_model AND n.res_id = e.res_id AND n.state = 'pending'
           ) AS lane_has_next`,
    values: [ids, state]
  }
}

export function getOutboundEvents (ids: number[]): Plan {
  return {
    text: `SELECT id, uuid, idempotency_key, event_type, connector_id, res_model, res_id, correlation_id, payload, state,
                  create_date
           FROM hub_event WHERE id = ANY($1::int[]) AND direction = 'out'`,
    values: [ids]
  }
}

/** Channel on which Odoo's capture (on commit) and the sidecar wake every replica's relay. */
export const RELAY_CHANNEL = 'hub_event'
/** Channel on which a relay announces delivery jobs it committed, to every replica's delivery loops. */
export const JOBS_CHANNEL = 'hub_deliver'

/** Wakes relays (ours and other replicas') when a lane opens up. */
export function notifyRelay (): Plan {
  return { text: `SELECT pg_notify('${RELAY_CHANNEL}', '')`, values: [] }
}

export function notifyDeliveryJobs (): Plan {
  return { text: `SELECT pg_notify('${JOBS_CHANNEL}', '')`, values: [] }
}

export function countByState (): Plan {
  return {
    text: "SELECT state, count(*)::int AS count FROM hub_event WHERE direction = 'out' GROUP BY state",
    values: []
  }
}
