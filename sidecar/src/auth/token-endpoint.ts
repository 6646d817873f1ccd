import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Pool } from '../db/pool.ts'
import { type Scope, parseScopes } from './caller.ts'
import type { Logger } from '../observability/logger.ts'
import { clientProblem, findApiClient } from './api-clients.ts'
import { secretMatches } from './client-secret.ts'
import type { KeyStore } from './key-store.ts'
import { type TokenSettings, issueAccessToken } from './tokens.ts'

export interface TokenRouteDeps { pool: Pool, keys: KeyStore, tokens: TokenSettings, log: Logger, onIssue?: (outcome: string) => void }

type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope'

function oauthError (reply: FastifyReply, status: number, error: OAuthError, description: string, basic = false): FastifyReply {
  if (basic) void reply.header('www-authenticate', 'Basic realm="logistics-hub"')
  return reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description })
}

/** Form or JSON body -> parameters; anything else is not an OAuth token request. */
export function parameters (contentType: string | undefined, body: unknown): Record<string, string> | null {
  const raw = typeof body === 'string' ? body : ''
  try {
    if (contentType?.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw))
    if (contentType?.startsWith('application/json')) {
      const parsed = JSON.parse(raw) as unknown
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null
      return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string')) as Record<string, string>
    }
  } catch { /* malformed JSON */ }
  return null
}

/** client_secret_basic (RFC 6749 2.3.1: form-urlencoded id and secret, base64 joined by ':'). */
export function basicCredentials (header: string | undefined): { id: string, secret: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '')
  if (!match) return null
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return null
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) }
  } catch { return null }
}

/**
 * POST /oauth/token (OAuth 2.0 client credentials) and GET /.well-known/jwks.json. Clients and their
 * hashed secrets live in Odoo (hub.api.client). Every refusal of a client says the same thing, whether
 * the id is unknown, the secret wrong or the client revoked; the reason goes to the log, without secrets.
 */
export function registerTokenRoutes (app: FastifyInstance, deps: TokenRouteDeps): void {
  app.post('/oauth/token', async (req, reply) => {
    const params = parameters(req.headers['content-type'], req.body)
    if (!params) return oauthError(reply, 400, 'invalid_request', 'send application/x-www-form-urlencoded (or JSON) parameters')
    if (params.grant_type !== 'client_credentials') return oauthError(reply, 400, 'unsupported_grant_type', 'only client_credentials is supported')
    const basic = basicCredentials(req.headers.authorization)
    const clientId = basic?.id ?? params.client_id
    const secret = basic?.secret ?? params.client_secret
    if (!clientId || !secret) return oauthError(reply, 401, 'invalid_client', 'client authentication failed', Boolean(basic))

    const client = await findApiClient(deps.pool, clientId)
    const secretOk = secretMatches(secret, client?.secretHash)
    const problem = !client ? 'unknown' : !secretOk ? 'bad_secret' : clientProblem(client)
    if (!client || problem) {
      deps.onIssue?.(problem ?? 'unknown')
      deps.log.info({ client_id: clientId.slice(0, 100), reason: problem }, 'token request refused')
      return oauthError(reply, 401, 'invalid_client', 'client authentication failed', Boolean(basic))
    }

    let scopes: Scope[] = [...client.scopes]
    if (params.scope !== undefined) {
      const asked = params.scope.split(/\s+/).filter(Boolean)
      const known = parseScopes(asked)
      if (known.size !== asked.length || [...known].some(s => !client.scopes.has(s))) {
        deps.onIssue?.('invalid_scope')
        return oauthError(reply, 400, 'invalid_scope', `this client may ask for: ${[...client.scopes].join(' ')}`)
      }
      scopes = [...known]
    }
    const { token, expiresIn } = await issueAccessToken(deps.keys, deps.tokens, client, scopes)
    deps.onIssue?.('issued')
    deps.log.info({ client_id: client.clientId, scopes, expires_in: expiresIn }, 'access token issued')
    return reply.code(200).header('cache-control', 'no-store').header('pragma', 'no-cache')
      .send({ access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: scopes.join(' ') })
  })

  app.get('/.well-known/jwks.json', async (_req, reply) => {
    return reply.header('cache-control', 'public, max-age=300').send(await deps.keys.jwks())
  })
}
