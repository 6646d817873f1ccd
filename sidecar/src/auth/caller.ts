/** Read scopes a caller can hold (docs/contract.md, "Gateway"). */
export const SCOPES = ['orders:read', 'shipments:read', 'invoices:read', 'inventory:read'] as const
export type Scope = typeof SCOPES[number]

function isScope (value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value)
}

/** Unknown scope names are dropped: a typo in Odoo or an IdP must never widen access. */
export function parseScopes (value: unknown): Set<Scope> {
  const words = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(/[\s,]+/) : []
  return new Set(words.filter(isScope))
}

/** `customer`: customer-facing view (public statuses, hidden fields); `partner`: the full partner view. */
export type Audience = 'partner' | 'customer'

/** Who is asking, resolved once per HTTP request by the authenticator. */
export interface Caller {
  kind: 'client' | 'external' | 'odoo_user'
  /** API client id, IdP subject or Odoo login: for logs, never a secret */
  label: string
  /**
   * Commercial partner every read is scoped to. Null only for Odoo users, whose reads run with their own
   * Odoo session so Odoo's access rights and record rules decide.
   */
  scopePartnerId: number | null
  /** partner shown as the viewer (the user's own partner for Odoo users) */
  partnerId: number | null
  scopes: ReadonlySet<Scope>
  audience: Audience
  /** rate-limit bucket and its budget per minute (0 = unlimited) */
  rateKey: string
  rateLimit: number
  /** Odoo web session of an Odoo user; reads go through it */
  odooSession?: string
}

/**
 * A request whose credentials prove no caller: the message is what the client may learn (the kind of
 * problem, never the token or a key). The gateway answers it as UNAUTHENTICATED (401) with `challenge`
 * as WWW-Authenticate; auth itself stays free of GraphQL.
 */
export class AuthenticationError extends Error {
  readonly challenge = 'Bearer realm="logistics-hub", error="invalid_token"'
}
