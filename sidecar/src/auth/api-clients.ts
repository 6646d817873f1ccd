import { apiClientByClientId } from '../db/api-client-plans.ts'
import type { Pool } from '../db/pool.ts'
import { type Audience, type Scope, parseScopes } from './caller.ts'

export interface ApiClient {
  id: number
  clientId: string
  secretHash: string | null
  commercialPartnerId: number
  scopes: Set<Scope>
  audience: Audience
  expiresAt: Date | null
  revoked: boolean
  active: boolean
  rateLimit: number
}

interface ClientRow {
  id: number, client_id: string, secret_hash: string | null, commercial_partner_id: number | null, scopes: string | null,
  audience: string | null, expires_at: Date | null, revoked: boolean, active: boolean, rate_limit: number
}

export async function findApiClient (pool: Pool, clientId: string): Promise<ApiClient | null> {
  const { rows: [row] } = await pool.query<ClientRow>(apiClientByClientId(clientId))
  if (!row || row.commercial_partner_id === null) return null
  return {
    id: row.id,
    clientId: row.client_id,
    secretHash: row.secret_hash,
    commercialPartnerId: row.commercial_partner_id,
    scopes: parseScopes(row.scopes ?? ''),
    // anything but an explicit 'partner' is the narrower, customer-facing view
    audience: row.audience === 'partner' ? 'partner' : 'customer',
    expiresAt: row.expires_at,
    revoked: row.revoked,
    active: row.active,
    rateLimit: row.rate_limit
  }
}

/** Why a client may not get or use tokens right now (null: it may). */
export function clientProblem (client: ApiClient, now = new Date()): 'inactive' | 'revoked' | 'expired' | null {
  if (!client.active) return 'inactive'
  if (client.revoked) return 'revoked'
  if (client.expiresAt && client.expiresAt.getTime() <= now.getTime()) return 'expired'
  return null
}
