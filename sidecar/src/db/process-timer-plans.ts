import type { Plan } from './pool.ts'

/**
 * SQL over the addon's process tables `hub_process` and `hub_process_step` (docs/contract.md, "Process
 * timers"). Odoo keeps each active step's `deadline` (naive UTC, as every Odoo datetime); the sidecar
 * writes only `timer_queued_deadline`, the deadline whose timer it queued. A step is due when its
 * deadline passed on PostgreSQL's clock and that deadline has not been queued yet, so a deadline Odoo
 * moves (an escalation sets the next one) is due again when the new one passes.
 */

/** Process states whose steps still run (a finished process has no timer to fire). */
const LIVE_PROCESS_STATES = ['running', 'compensating']

/**
 * The deadline as ISO 8601 UTC text, formatted by PostgreSQL: node-pg reads a `timestamp` column as
 * local time, which would shift it by the sidecar's time zone. Seconds as Odoo stores them; a fraction
 * only when the column holds one, so Odoo can compare it with the step's deadline exactly.
 */
const isoDeadline = `to_char(s.deadline, 'YYYY-MM-DD"T"HH24:MI:SS')
  || CASE WHEN date_trunc('second', s.deadline) = s.deadline THEN '' ELSE to_char(s.deadline, '.US') END || 'Z'`

/**
 * Locks up to `limit` due steps, earliest deadline first. SKIP LOCKED: replicas claiming at once split
 * the rows, and a step Odoo is changing right now waits for the next poll. A row another replica
 * queued between our snapshot and our lock is re-read by PostgreSQL (READ COMMITTED re-checks the
 * WHERE on the locked version) and dropped, so a deadline is claimed once.
 */
export function claimDueTimers (limit: number): Plan {
  return {
    text: `
      SELECT s.id AS step_id, ${isoDeadline} AS deadline
      FROM hub_process_step s JOIN hub_process p ON p.id = s.process_id
      WHERE s.state = 'active' AND s.deadline <= now() AT TIME ZONE 'UTC'
        AND s.timer_queued_deadline IS DISTINCT FROM s.deadline
        AND p.state = ANY($2::varchar[])
      ORDER BY s.deadline, s.id
      LIMIT $1
      FOR UPDATE OF s SKIP LOCKED`,
    values: [limit, LIVE_PROCESS_STATES]
  }
}

/**
 * Milliseconds until the earliest deadline not queued yet (negative when one is due; null when none
 * waits), so the claim loop sleeps until then rather than a whole poll interval. Walks the deadline
 * index in order: the first row that qualifies ends the scan however many timers wait.
 */
export function nextDeadlineIn (): Plan {
  return {
    text: `
      SELECT (EXTRACT(EPOCH FROM s.deadline - (now() AT TIME ZONE 'UTC')) * 1000)::float8 AS ms
      FROM hub_process_step s JOIN hub_process p ON p.id = s.process_id
      WHERE s.state = 'active' AND s.deadline IS NOT NULL
        AND s.timer_queued_deadline IS DISTINCT FROM s.deadline
        AND p.state = ANY($1::varchar[])
      ORDER BY s.deadline
      LIMIT 1`,
    values: [LIVE_PROCESS_STATES]
  }
}

/** Records that the claimed steps' current deadlines are queued; the rows are locked, so it is the claimed deadline. */
export function markTimersQueued (stepIds: number[]): Plan {
  return {
    text: 'UPDATE hub_process_step SET timer_queued_deadline = deadline WHERE id = ANY($1::int[])',
    values: [stepIds]
  }
}

/**
 * Settings of one claim transaction (local to it): a claim stuck behind a lock is cancelled by
 * PostgreSQL itself, its locks released, instead of holding up Odoo's writes to those steps or
 * running on after its sidecar died.
 */
export const timerTransactionSettings: Plan = {
  text: "SELECT set_config('statement_timeout', '10s', true), set_config('lock_timeout', '5s', true)",
  values: []
}

/** How far back the step-duration gauge looks (processes/process-metrics.ts). */
export const DURATION_WINDOW_MINUTES = 60

/**
 * Everything the process gauges show, in one statement (one round trip per scrape), as rows
 * `(metric, definition, label, value)`:
 * - `instances`: processes per definition and state (`label` = state);
 * - `late` / `waiting_approval`: running or compensating processes flagged so;
 * - `breaches`: steps ever breached (`breached_at` set); `compensations`: steps compensated or compensating;
 * - `duration_p50|p90|p99` / `duration_count`: seconds from start to done of the steps done in the last
 *   `DURATION_WINDOW_MINUTES` (`label` = step code).
 */
export function processMetrics (): Plan {
  return {
    text: `
      SELECT 'instances' AS metric, definition_code AS definition, state AS label, count(*)::float8 AS value
        FROM hub_process GROUP BY definition_code, state
      UNION ALL
      SELECT m.metric, p.definition_code, NULL, count(*)::float8
        FROM hub_process p CROSS JOIN LATERAL (VALUES ('late', p.is_late), ('waiting_approval', p.waiting_approval)) AS m(metric, flag)
       WHERE p.state = ANY($1::varchar[]) AND m.flag
       GROUP BY m.metric, p.definition_code
      UNION ALL
      SELECT m.metric, p.definition_code, NULL, count(*)::float8
        FROM hub_process_step s JOIN hub_process p ON p.id = s.process_id
        CROSS JOIN LATERAL (VALUES ('breaches', s.breached_at IS NOT NULL), ('compensations', s.state IN ('compensated', 'compensating'))) AS m(metric, flag)
       WHERE m.flag AND (s.breached_at IS NOT NULL OR s.state IN ('compensated', 'compensating'))
       GROUP BY m.metric, p.definition_code
      UNION ALL
      SELECT q.metric, d.definition_code, d.code, q.value
        FROM (
          SELECT p.definition_code, s.code,
                 percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM s.done_at - s.started_at)) AS quantiles,
                 count(*)::float8 AS n
            FROM hub_process_step s JOIN hub_process p ON p.id = s.process_id
           WHERE s.state = 'done' AND s.started_at IS NOT NULL
             AND s.done_at >= now() AT TIME ZONE 'UTC' - make_interval(mins => $2)
           GROUP BY p.definition_code, s.code) d
        CROSS JOIN LATERAL (VALUES ('duration_p50', d.quantiles[1]), ('duration_p90', d.quantiles[2]),
                                   ('duration_p99', d.quantiles[3]), ('duration_count', d.n)) AS q(metric, value)`,
    values: [LIVE_PROCESS_STATES, DURATION_WINDOW_MINUTES]
  }
}
