import type { Plan } from './pool.ts'

/**
 * API clients of the gateway (`hub_api_client`, model hub.api.client, managed in Odoo; docs/contract.md).
 * commercial_partner_id is a stored related field of partner_id; older rows without it fall back to
 * partner_id, which can only narrow what the client sees. expires_at is naive UTC like every Odoo datetime.
 */
export function apiClientByClientId (clientId: string): Plan {
  return {
    text: `SELECT id, client_id, secret_hash, partner_id, COALESCE(commercial_partner_id, partner_id) AS commercial_partner_id,
                  scopes, audience, expires_at AT TIME ZONE 'UTC' AS expires_at, COALESCE(revoked, false) AS revoked, COALESCE(active, true) AS active,
                  COALESCE(rate_limit, 0) AS rate_limit
           FROM hub_api_client WHERE client_id = $1`,
    values: [clientId]
  }
}
