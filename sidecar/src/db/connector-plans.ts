import type { Plan } from './pool.ts'

// Odoo stores naive UTC: the previous secret counts only until its overlap ends (adapters/signing.ts).
const columns = `id, code, name, kind, adapter, base_url, secret,
  CASE WHEN previous_secret_expires > (now() AT TIME ZONE 'UTC') THEN previous_secret END AS previous_secret,
  active, timeout, rate_limit, max_attempts, retry_delay, retry_backoff, sync_mode, batch_interval, rest_mapping`

export function connectorsByIds (ids: number[]): Plan {
  return { text: `SELECT ${columns} FROM hub_connector WHERE id = ANY($1::int[])`, values: [ids] }
}

export function activeConnectorByCode (code: string): Plan {
  return { text: `SELECT ${columns} FROM hub_connector WHERE code = $1 AND active`, values: [code] }
}

export function activeConnectorsByAdapters (adapters: string[]): Plan {
  return { text: `SELECT ${columns} FROM hub_connector WHERE active AND adapter = ANY($1::text[]) ORDER BY id`, values: [adapters] }
}

/** The carrier rule of the route that sent an event type to a connector (cheapest when unset). */
export function routeCarrierRule (connectorId: number, eventType: string): Plan {
  return {
    text: "SELECT COALESCE(MAX(carrier_rule), 'cheapest') AS carrier_rule FROM hub_route WHERE connector_id = $1 AND event_type = $2",
    values: [connectorId, eventType]
  }
}
