import assert from 'node:assert/strict'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { type JWK, SignJWT, calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, exportPKCS8, generateKeyPair, importJWK } from 'jose'
import { request } from 'undici'
import { KeyStore } from '../../sidecar/src/auth/key-store.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { type GatewayServer, createApiClient, errorCodes, fetchToken, gql, startGateway, tokenFor } from '../support/gateway.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'

const ISSUER = 'https://hub.example.test'
const AUDIENCE = 'logistics-hub'
const VIEWER = '{ viewer { kind scopes audience } }'

/** A JWT signed with whatever key and claims a test needs (the attacker's toolbox). */
async function sign (key: CryptoKey | Uint8Array, alg: string, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return await new SignJWT({ iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg, typ: 'at+jwt', ...header } as any).sign(key)
}

/** An external identity provider: its JWKS on a local HTTP server. */
async function startIdp (): Promise<{ url: string, key: CryptoKey, kid: string, server: Server }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const jwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(jwk)
  const server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] })) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, key: privateKey, kid, server }
}

describe('gateway authentication: /oauth/token, JWKS and the JWT suite', () => {
  let db: TestDatabase
  let gw: GatewayServer
  let idp: Awaited<ReturnType<typeof startIdp>>
  const secrets: string[] = []
  const tokens: string[] = []

  before(async () => {
    db = await createTestDatabase()
    idp = await startIdp()
    gw = await startGateway(db.url, {
      HUB_PUBLIC_URL: ISSUER,
      HUB_EXTERNAL_JWKS_URL: idp.url, HUB_EXTERNAL_ISSUER: 'https://idp.example.test', HUB_EXTERNAL_AUDIENCE: 'hub-api',
      HUB_EXTERNAL_PARTNER_CLAIM: 'hub.partner', HUB_EXTERNAL_SCOPE_CLAIM: 'scp'
    })
  })
  after(async () => {
    await gw?.stop()
    idp?.server.close()
    await db?.drop()
  })

  async function client (spec: Partial<Parameters<typeof createApiClient>[1]> = {}) {
    const c = await createApiClient(db.pool, { partnerId: 42, scopes: 'orders:read inventory:read', ...spec })
    secrets.push(c.secret)
    return c
  }

  async function currentKey (): Promise<{ kid: string, key: CryptoKey }> {
    const { rows: [row] } = await db.pool.query<{ kid: string, private_jwk: JWK }>('SELECT kid, private_jwk FROM hub_sidecar.jwt_key WHERE retired_at IS NULL')
    return { kid: row!.kid, key: await importJWK(row!.private_jwk, 'ES256') as CryptoKey }
  }

  it('issues short-lived ES256 access tokens with partner and scopes, verifiable with the published JWKS', async () => {
    const c = await client({ commercialPartnerId: 40 })
    const res = await fetchToken(gw.url, c.clientId, c.secret)
    assert.equal(res.status, 200)
    tokens.push(res.body.access_token)
    assert.equal(res.body.token_type, 'Bearer')
    assert.equal(res.body.expires_in, 900)
    assert.equal(res.body.scope, 'orders:read inventory:read')
    const header = decodeProtectedHeader(res.body.access_token)
    const claims = decodeJwt(res.body.access_token)
    assert.equal(header.alg, 'ES256')
    assert.equal(header.typ, 'at+jwt')
    assert.equal(claims.iss, ISSUER)
    assert.equal(claims.aud, AUDIENCE)
    assert.equal(claims.sub, c.clientId)
    assert.equal(claims.partner_id, 40, 'the commercial partner, not the contact')
    assert.ok(claims.exp! - claims.iat! <= 900)

    const jwks = await request(`${gw.url}/.well-known/jwks.json`)
    const { keys } = await jwks.body.json() as { keys: JWK[] }
    assert.ok(keys.some(k => k.kid === header.kid && k.alg === 'ES256' && !('d' in k)), 'public key published, private part never')

    const viewer = await gql(gw.url, res.body.access_token, VIEWER)
    assert.deepEqual(viewer.body, { data: { viewer: { kind: 'client', scopes: ['orders:read', 'inventory:read'], audience: 'partner' } } })
  })

  it('accepts client_secret_basic and JSON bodies, and narrows scopes on request', async () => {
    const c = await client()
    const basic = Buffer.from(`${c.clientId}:${encodeURIComponent(c.secret)}`).toString('base64')
    const res = await request(`${gw.url}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=inventory:read' })
    const body = await res.body.json() as any
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['cache-control'], 'no-store')
    assert.equal(body.scope, 'inventory:read')
    const json = await request(`${gw.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.secret }) })
    assert.equal(json.statusCode, 200)
    await json.body.dump()
  })

  it('refuses bad client credentials with one answer, whatever the reason', async () => {
    const ok = await client()
    const revoked = await client({ revoked: true })
    const expired = await client({ expiresAt: new Date(Date.now() - 60_000) })
    const archived = await client({ active: false })
    const cases: Array<[string, string, string]> = [
      ['wrong secret', ok.clientId, 'x'.repeat(43)],
      ['unknown client', 'cl_nobody', ok.secret],
      ['revoked client', revoked.clientId, revoked.secret],
      ['expired client', expired.clientId, expired.secret],
      ['archived client', archived.clientId, archived.secret]
    ]
    for (const [what, id, secret] of cases) {
      const res = await fetchToken(gw.url, id, secret)
      assert.equal(res.status, 401, what)
      assert.deepEqual(res.body, { error: 'invalid_client', error_description: 'client authentication failed' }, what)
    }
    const grant = await request(`${gw.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=password&client_id=${ok.clientId}&client_secret=${ok.secret}` })
    assert.equal(grant.statusCode, 400)
    assert.equal((await grant.body.json() as any).error, 'unsupported_grant_type')
    const scope = await fetchToken(gw.url, ok.clientId, ok.secret, 'invoices:read')
    assert.deepEqual([scope.status, scope.body.error], [400, 'invalid_scope'])
    const text = await request(`${gw.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' })
    assert.equal(text.statusCode, 400)
    await text.body.dump()
  })

  it('never lets a token outlive its client', async () => {
    const c = await client({ expiresAt: new Date(Date.now() + 60_000) })
    const res = await fetchToken(gw.url, c.clientId, c.secret)
    assert.ok(res.body.expires_in <= 60 && res.body.expires_in > 50, String(res.body.expires_in))
  })

  it('JWT suite: every forged, stale or misdirected token is UNAUTHENTICATED (401)', async () => {
    const c = await client()
    const ours = await currentKey()
    const base = { sub: c.clientId, client_id: c.clientId, partner_id: 42, scope: 'orders:read' }
    const now = Math.floor(Date.now() / 1000)
    const stranger = await generateKeyPair('ES256')
    const hmac = new TextEncoder().encode('a-shared-secret-that-is-long-enough-for-hs256')
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...base, iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300 })).toString('base64url')}.`
    const cases: Array<[string, string]> = [
      ['alg none', none],
      ['HS256 instead of ES256', await sign(hmac, 'HS256', base, { kid: ours.kid })],
      ['expired', await sign(ours.key, 'ES256', { ...base, iat: now - 1200, exp: now - 300 }, { kid: ours.kid })],
      ['wrong audience', await sign(ours.key, 'ES256', { ...base, aud: 'someone-else' }, { kid: ours.kid })],
      ['wrong issuer', await sign(ours.key, 'ES256', { ...base, iss: 'https://evil.example' }, { kid: ours.kid })],
      ['wrong key, our kid', await sign(stranger.privateKey, 'ES256', base, { kid: ours.kid })],
      ['wrong key, unknown kid', await sign(stranger.privateKey, 'ES256', base, { kid: 'unknown' })],
      ['not an access token (typ JWT)', await sign(ours.key, 'ES256', base, { kid: ours.kid, typ: 'JWT' })],
      ['partner changed since issue', await sign(ours.key, 'ES256', { ...base, partner_id: 43 }, { kid: ours.kid })],
      ['tampered payload', (await sign(ours.key, 'ES256', base, { kid: ours.kid })).replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ ...base, partner_id: 7, iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300 })).toString('base64url')}.`)],
      ['garbage', 'abc.def.ghi']
    ]
    for (const [what, token] of cases) {
      const res = await gql(gw.url, token, VIEWER)
      assert.equal(res.status, 401, what)
      assert.deepEqual(errorCodes(res), ['UNAUTHENTICATED'], what)
      assert.equal(res.body.data, undefined, what)
      assert.match(String(res.headers['www-authenticate']), /^Bearer /, what)
    }
    // the control: the same forging kit with the right inputs is accepted
    const good = await gql(gw.url, await sign(ours.key, 'ES256', base, { kid: ours.kid }), VIEWER)
    assert.equal(good.status, 200)
    for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearer' }, { cookie: 'session_id=short' }] as Array<Record<string, string>>) {
      const res = await gql(gw.url, headers, VIEWER)
      assert.equal(res.status, 401, JSON.stringify(headers))
      assert.deepEqual(errorCodes(res), ['UNAUTHENTICATED'])
    }
  })

  it('refuses tokens of a client revoked, expired or archived after they were issued', async () => {
    for (const change of ['revoked = true', "expires_at = now() AT TIME ZONE 'UTC' - interval '1 minute'", 'active = false']) {
      const c = await client()
      const token = await tokenFor(gw.url, c)
      assert.equal((await gql(gw.url, token, VIEWER)).status, 200)
      await db.pool.query(`UPDATE hub_api_client SET ${change} WHERE client_id = $1`, [c.clientId])
      const res = await gql(gw.url, token, VIEWER)
      assert.equal(res.status, 401, change)
      assert.deepEqual(errorCodes(res), ['UNAUTHENTICATED'])
    }
  })

  it('applies scope removals in Odoo to live tokens, and answers missing scopes with FORBIDDEN', async () => {
    const c = await client({ scopes: 'orders:read inventory:read' })
    const token = await tokenFor(gw.url, c)
    await db.pool.query("UPDATE hub_api_client SET scopes = 'inventory:read' WHERE client_id = $1", [c.clientId])
    const res = await gql(gw.url, token, '{ viewer { scopes } orders { totalCount } }')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.data, { viewer: { scopes: ['inventory:read'] }, orders: null })
    assert.deepEqual(errorCodes(res), ['FORBIDDEN'])
  })

  it('rotates the signing key without invalidating tokens already issued', async () => {
    const c = await client()
    const before = await tokenFor(gw.url, c)
    const oldKid = decodeProtectedHeader(before).kid
    const newKid = await gw.gateway.keys.rotate()
    assert.notEqual(newKid, oldKid)
    const afterRotation = await tokenFor(gw.url, c)
    assert.equal(decodeProtectedHeader(afterRotation).kid, newKid)
    assert.equal((await gql(gw.url, before, VIEWER)).status, 200, 'old token still valid')
    assert.equal((await gql(gw.url, afterRotation, VIEWER)).status, 200)
    const { keys } = await (await request(`${gw.url}/.well-known/jwks.json`)).body.json() as { keys: JWK[] }
    assert.deepEqual(new Set(keys.map(k => k.kid)), new Set([oldKid, newKid]))

    // once every token it signed has expired, the old key leaves the JWKS and verifies nothing
    await db.pool.query("UPDATE hub_sidecar.jwt_key SET retired_at = now() - interval '2 hours' WHERE kid = $1", [oldKid])
    const fresh = new KeyStore(db.pool, { tokenTtlSeconds: 900, rotationDays: 90, log: createLogger('silent') })
    assert.deepEqual((await fresh.jwks()).keys.map(k => k.kid), [newKid])
    assert.equal(await fresh.verificationKey(oldKid!), null)
  })

  it('takes HUB_JWT_PRIVATE_KEY as the signing key and keeps earlier keys verifiable', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const pem = await exportPKCS8(privateKey)
    const c = await client()
    const earlier = await tokenFor(gw.url, c)
    const second = await startGateway(db.url, { HUB_PUBLIC_URL: ISSUER, HUB_JWT_PRIVATE_KEY: pem })
    try {
      const token = await tokenFor(second.url, c)
      const kid = decodeProtectedHeader(token).kid
      assert.equal(kid, await calculateJwkThumbprint(await exportJWK(privateKey)).then(t => t))
      assert.equal((await gql(second.url, token, VIEWER)).status, 200)
      assert.equal((await gql(second.url, earlier, VIEWER)).status, 200, 'a token of the generated key still verifies')
      const { rows } = await db.pool.query('SELECT private_jwk FROM hub_sidecar.jwt_key WHERE kid = $1', [kid])
      assert.equal(rows[0].private_jwk, null, 'the configured private key is never written to the database')
    } finally { await second.stop() }
  })

  it('accepts tokens of the configured identity provider, mapped through its claims', async () => {
    const now = Math.floor(Date.now() / 1000)
    const idpToken = async (claims: Record<string, unknown>, key: CryptoKey = idp.key, kid = idp.kid) =>
      await new SignJWT({ iss: 'https://idp.example.test', aud: 'hub-api', sub: 'user-7', iat: now, exp: now + 300, hub: { partner: '42' }, scp: ['orders:read', 'admin:all'], ...claims })
        .setProtectedHeader({ alg: 'RS256', kid }).sign(key)
    const ok = await gql(gw.url, await idpToken({}), VIEWER)
    assert.deepEqual(ok.body, { data: { viewer: { kind: 'external', scopes: ['orders:read'], audience: 'customer' } } })
    const other = await generateKeyPair('RS256')
    const cases: Array<[string, string]> = [
      ['wrong audience', await idpToken({ aud: 'other-api' })],
      ['expired', await idpToken({ iat: now - 900, exp: now - 60 })],
      ['signed by another key', await idpToken({}, other.privateKey)],
      ['no partner claim', await idpToken({ hub: {} })],
      ['partner claim not an id', await idpToken({ hub: { partner: 'ACME' } })]
    ]
    for (const [what, token] of cases) {
      const res = await gql(gw.url, token, VIEWER)
      assert.equal(res.status, 401, what)
      assert.deepEqual(errorCodes(res), ['UNAUTHENTICATED'], what)
    }
  })

  it('logs no secret, token or authorization header', async () => {
    const logs = gw.logs.join('\n')
    assert.ok(logs.includes('access token issued'), 'the log is being captured')
    for (const secret of secrets) assert.ok(!logs.includes(secret), 'client secret in the log')
    for (const token of tokens) {
      assert.ok(!logs.includes(token), 'token in the log')
      assert.ok(!logs.includes(token.split('.')[2]!), 'token signature in the log')
    }
    assert.doesNotMatch(logs, /"d":"|BEGIN PRIVATE KEY/, 'no key material')
  })

  it('is mounted on the sidecar server (server.ts): token, JWKS and /graphql', async () => {
    const sidecar = await startSidecar(db.url, { HUB_PUBLIC_URL: ISSUER })
    try {
      const c = await client()
      const token = await tokenFor(sidecar.url, c)
      const res = await gql(sidecar.url, token, VIEWER)
      assert.equal(res.status, 200)
      assert.equal(res.body.data.viewer.kind, 'client')
      const jwks = await request(`${sidecar.url}/.well-known/jwks.json`)
      assert.equal(jwks.statusCode, 200)
      await jwks.body.dump()
      assert.equal((await gql(sidecar.url, null, VIEWER)).status, 401)
    } finally { await sidecar.stop() }
  })
})
