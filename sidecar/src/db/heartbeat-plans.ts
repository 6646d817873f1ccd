import type { Plan } from './pool.ts'

/**
 * Sidecar liveness as Odoo reads it (docs/contract.md, "hub_sidecar.heartbeat"): one row per running
 * replica, upserted every HUB_HEARTBEAT_SECONDS and marked stopped on a graceful stop. Every time in it
 * is the database's clock, so Odoo compares it with its own now() and host clocks never matter.
 * Columns are part of the contract: Odoo selects them by name (hub.dashboard._hub_sidecar_rows).
 */
export const lockHeartbeatTable: Plan = { text: "SELECT pg_advisory_xact_lock(hashtext('hub_sidecar.heartbeat'))", values: [] }

export const createHeartbeatTable: Plan = {
  text: `CREATE TABLE IF NOT EXISTS hub_sidecar.heartbeat (
    replica varchar PRIMARY KEY,
    hostname varchar NOT NULL,
    pid integer NOT NULL,
    version varchar NOT NULL,
    started_at timestamptz NOT NULL,
    beat_at timestamptz NOT NULL,
    interval_seconds integer NOT NULL,
    stopped_at timestamptz
  )`,
  values: []
}

/** Rows of replicas silent for `days` (crashed long ago, or stopped): nobody needs them any more. */
export function forgetSilentReplicas (days: number): Plan {
  return { text: 'DELETE FROM hub_sidecar.heartbeat WHERE beat_at < now() - make_interval(days => $1)', values: [days] }
}

export interface Beat { replica: string, hostname: string, pid: number, version: string, intervalSeconds: number }

/** One beat: the row of this replica, created by the first. It clears stopped_at: a replica that beats is alive. */
export function beat (b: Beat): Plan {
  return {
    text: `INSERT INTO hub_sidecar.heartbeat (replica, hostname, pid, version, started_at, beat_at, interval_seconds)
           VALUES ($1, $2, $3, $4, now(), now(), $5)
           ON CONFLICT (replica) DO UPDATE SET beat_at = now(), version = EXCLUDED.version,
             interval_seconds = EXCLUDED.interval_seconds, stopped_at = NULL`,
    values: [b.replica, b.hostname, b.pid, b.version, b.intervalSeconds]
  }
}

/** A graceful stop: the row stays, so Odoo can say "stopped at 14:02" instead of "silent since 14:02". */
export function markStopped (replica: string): Plan {
  return { text: 'UPDATE hub_sidecar.heartbeat SET stopped_at = now(), beat_at = now() WHERE replica = $1', values: [replica] }
}
