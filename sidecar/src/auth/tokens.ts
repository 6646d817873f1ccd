import { randomUUID } from 'node:crypto'
import { type JWTPayload, SignJWT, errors, jwtVerify } from 'jose'
import type { Scope } from './caller.ts'
import type { ApiClient } from './api-clients.ts'
import { ALG, type KeyStore } from './key-store.ts'

/** RFC 9068 access-token type: an ID token or any other JWT we might sign can never pass as one. */
const TOKEN_TYPE = 'at+jwt'
/** Hard ceiling of the product design: no token of ours lives longer than 15 minutes. */
const MAX_TTL_SECONDS = 900
const CLOCK_TOLERANCE_SECONDS = 5

export interface TokenSettings { issuer: string, audience: string, ttlSeconds: number }

/** Claims we put in our tokens (besides iss, aud, sub = client id, iat, exp, jti). */
export interface HubClaims extends JWTPayload {
  client_id: string
  partner_id: number
  scope: string
}

export async function issueAccessToken (keys: KeyStore, settings: TokenSettings, client: ApiClient, scopes: Scope[], now = Date.now()): Promise<{ token: string, expiresIn: number }> {
  const iat = Math.floor(now / 1000)
  const untilClientExpiry = client.expiresAt ? Math.floor((client.expiresAt.getTime() - now) / 1000) : Infinity
  const expiresIn = Math.max(1, Math.min(settings.ttlSeconds, MAX_TTL_SECONDS, untilClientExpiry))
  const { kid, key } = await keys.signingKey(now)
  const token = await new SignJWT({ client_id: client.clientId, partner_id: client.commercialPartnerId, scope: scopes.join(' ') })
    .setProtectedHeader({ alg: ALG, kid, typ: TOKEN_TYPE })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(client.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + expiresIn)
    .setJti(randomUUID())
    .sign(key)
  return { token, expiresIn }
}

/** Verifies one of our tokens: ES256 only (no `none`, no HMAC confusion), our keys, iss, aud, typ, age. */
export async function verifyHubToken (keys: KeyStore, settings: TokenSettings, token: string): Promise<HubClaims> {
  const { payload } = await jwtVerify(token, async header => {
    const key = typeof header.kid === 'string' ? await keys.verificationKey(header.kid) : null
    if (!key) throw new errors.JWKSNoMatchingKey()
    return key
  }, {
    algorithms: [ALG],
    issuer: settings.issuer,
    audience: settings.audience,
    typ: TOKEN_TYPE,
    maxTokenAge: MAX_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'partner_id', 'scope']
  })
  if (typeof payload.client_id !== 'string' || typeof payload.partner_id !== 'number' || typeof payload.scope !== 'string') {
    throw new errors.JWTClaimValidationFailed('unexpected claim types', payload)
  }
  return payload as HubClaims
}
