import { SignJWT } from 'jose'
import type { Caller } from '../../auth/caller.ts'

/** The header a remote subgraph reads the caller from; the partner's own token is never forwarded. */
export const CALLER_CLAIM_HEADER = 'x-hub-caller'
const TTL_SECONDS = 60

/**
 * Who is asking, for a subgraph that scopes its own data: a short-lived JWT (HS256) signed with that
 * connector's secret (a key the subgraph already shares with the hub, never shared between subgraphs),
 * audience the connector's code. It names the caller's partner and scopes, nothing the caller could replay
 * elsewhere: another subgraph would refuse the audience and the signature.
 */
export async function callerClaim (caller: Caller, connector: { code: string, secret: string | null }, issuer: string): Promise<string | null> {
  if (!connector.secret) return null
  // an Odoo user's reads are scoped by Odoo's own rules, not by scopePartnerId: the claim names their partner
  // and whether they are staff, so a portal customer never looks like an internal user to a subgraph
  const internal = caller.kind === 'odoo_user' && caller.audience === 'partner'
  return await new SignJWT({
    partner: caller.scopePartnerId ?? (internal ? null : caller.partnerId), internal, audience: caller.audience,
    scopes: [...caller.scopes].sort(), kind: caller.kind
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(caller.rateKey)
    .setIssuer(issuer)
    .setAudience(connector.code)
    .setIssuedAt()
    .setExpirationTime(`${TTL_SECONDS}s`)
    .sign(new TextEncoder().encode(connector.secret))
}
