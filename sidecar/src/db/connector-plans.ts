import type { Plan } from './pool.ts'

const columns = `id, code, name, kind, adapter, base_url, secret, active, timeout, rate_limit,
  max_attempts, retry_delay, retry_backoff, sync_mode, batch_interval`

export function connectorsByIds (ids: number[]): Plan {
  return { text: `SELECT ${columns} FROM hub_connector WHERE id = ANY($1::int[])`, values: [ids] }
}

export function activeConnectorByCode (code: string): Plan {
  return { text: `SELECT ${columns} FROM hub_connector WHERE code = $1 AND active`, values: [code] }
}
