import { decodeJwt, errors } from 'jose'
import type { Pool } from '../db/pool.ts'
import type { OdooSessions } from '../odoo/session.ts'
import { type Audience, AuthenticationError, type Caller, SCOPES, parseScopes } from './caller.ts'
import { clientProblem, findApiClient } from './api-clients.ts'
import type { ExternalIdp } from './external-idp.ts'
import type { KeyStore } from './key-store.ts'
import { type TokenSettings, verifyHubToken } from './tokens.ts'

export interface AuthenticatorDeps {
  pool: Pool
  keys: KeyStore
  tokens: TokenSettings
  external: ExternalIdp | null
  externalAudience: Audience
  /** null when Odoo sessions are not accepted */
  sessions: OdooSessions | null
  /** budget per minute of callers without their own (IdP and Odoo users, clients with rate_limit 0) */
  defaultRateLimit: number
}

/** Rejects with AuthenticationError when the credentials prove no caller; any other error is ours. */
export type Authenticate = (request: Request) => Promise<Caller>

/** What a client learns about a refused token: the kind of problem, never the token or a key. */
function tokenProblem (err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired'
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'token algorithm not accepted'
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim ${err.claim} rejected`
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWSSignatureVerificationFailed) return 'token signature not valid'
  return 'token not valid'
}

function cookie (header: string | null, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name && v.length) return v.join('=')
  }
  return null
}

/**
 * Resolves the caller of a request, in this order: `Authorization: Bearer` (our tokens, then the
 * configured IdP, told apart by `iss`), then an Odoo session (X-Odoo-Session header or session_id
 * cookie). Anything else is UNAUTHENTICATED (401). A token of ours is also checked against its client
 * row on every request, so revoking, deactivating or narrowing a client in Odoo takes effect at once.
 */
export function createAuthenticator (deps: AuthenticatorDeps): Authenticate {
  async function hubCaller (token: string): Promise<Caller> {
    const claims = await verifyHubToken(deps.keys, deps.tokens, token).catch(err => { throw new AuthenticationError(tokenProblem(err)) })
    const client = await findApiClient(deps.pool, claims.client_id)
    if (!client || clientProblem(client) !== null || client.commercialPartnerId !== claims.partner_id) {
      throw new AuthenticationError('client revoked, expired or changed; request a new token')
    }
    const granted = parseScopes(claims.scope)
    return {
      kind: 'client', label: client.clientId, scopePartnerId: client.commercialPartnerId, partnerId: client.commercialPartnerId,
      scopes: new Set([...granted].filter(s => client.scopes.has(s))), audience: client.audience,
      rateKey: `client:${client.clientId}`, rateLimit: client.rateLimit > 0 ? client.rateLimit : deps.defaultRateLimit
    }
  }

  async function externalCaller (idp: ExternalIdp, token: string): Promise<Caller> {
    const identity = await idp.verify(token).catch(err => { throw new AuthenticationError(tokenProblem(err)) })
    return {
      kind: 'external', label: identity.subject, scopePartnerId: identity.partnerId, partnerId: identity.partnerId,
      scopes: parseScopes(identity.scopes), audience: deps.externalAudience,
      rateKey: `external:${identity.subject}`, rateLimit: deps.defaultRateLimit
    }
  }

  async function sessionCaller (sessions: OdooSessions, sessionId: string): Promise<Caller> {
    const user = await sessions.resolve(sessionId)
    if (!user) throw new AuthenticationError('Odoo session not valid')
    return {
      kind: 'odoo_user', label: user.login, scopePartnerId: null, partnerId: user.partnerId,
      // Odoo's access rights decide what an Odoo user reads; portal users get the customer view
      scopes: new Set(SCOPES), audience: user.isInternal ? 'partner' : 'customer',
      rateKey: `odoo:${user.uid}`, rateLimit: deps.defaultRateLimit, odooSession: sessionId
    }
  }

  return async function authenticate (request) {
    const authorization = request.headers.get('authorization')
    if (authorization) {
      const bearer = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)\s*$/i.exec(authorization)
      if (!bearer) throw new AuthenticationError('expected Authorization: Bearer <JWT>')
      let issuer: unknown
      try { issuer = decodeJwt(bearer[1]!).iss } catch { throw new AuthenticationError('token not valid') }
      if (issuer === deps.tokens.issuer) return await hubCaller(bearer[1]!)
      if (deps.external && issuer === deps.external.issuer) return await externalCaller(deps.external, bearer[1]!)
      throw new AuthenticationError('token issuer not accepted')
    }
    const session = request.headers.get('x-odoo-session') ?? cookie(request.headers.get('cookie'), 'session_id')
    if (session && deps.sessions) {
      // it is replayed as a Cookie header to Odoo: nothing but a session id's characters may pass
      if (!/^[A-Za-z0-9_-]{16,128}$/.test(session)) throw new AuthenticationError('Odoo session not valid')
      return await sessionCaller(deps.sessions, session)
    }
    throw new AuthenticationError('missing credentials: send Authorization: Bearer <token> (POST /oauth/token)')
  }
}
