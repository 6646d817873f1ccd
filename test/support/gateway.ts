import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type pg from 'pg'
import { request } from 'undici'
import { hashSecret } from '../../sidecar/src/auth/client-secret.ts'
import { loadConfig } from '../../sidecar/src/config.ts'
import { createPool } from '../../sidecar/src/db/pool.ts'
import { type Gateway, type GatewayDeps, registerGateway } from '../../sidecar/src/gateway/gateway.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { OdooClient } from '../../sidecar/src/odoo/rpc.ts'

/**
 * The gateway alone on a free port, mounted exactly as server.ts mounts it (raw string bodies), with
 * the sidecar's real logger writing into `logs` so tests can check what is (not) logged.
 */
export interface GatewayServer { url: string, gateway: Gateway, app: FastifyInstance, logs: string[], stop: () => Promise<void> }

export async function startGateway (databaseUrl: string, env: Record<string, string> = {}, deps: Partial<GatewayDeps> = {}): Promise<GatewayServer> {
  const config = loadConfig({
    DATABASE_URL: databaseUrl, ODOO_URL: 'http://127.0.0.1:9', ODOO_DB: 'none', ODOO_USER: 'hub', ODOO_PASSWORD: 'hub', PORT: '0', ...env
  })
  const logs: string[] = []
  const sink = new Writable({ write (chunk, _enc, done) { logs.push(...String(chunk).split('\n').filter(Boolean)); done() } })
  const logger = createLogger(process.env.HUB_TEST_LOG_LEVEL ?? 'info', sink)
  const pool = createPool(databaseUrl, 5)
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, bodyLimit: config.HUB_MAX_BODY_BYTES })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => { done(null, body) })
  const odoo = deps.odoo ?? new OdooClient({ url: config.ODOO_URL, db: config.ODOO_DB, user: config.ODOO_USER, password: config.ODOO_PASSWORD })
  const gateway = registerGateway(app, { pool, logger, config, ...deps, odoo })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, gateway, app, logs, stop: async () => { await app.close(); await pool.end() } }
}

export interface ApiClientSpec {
  partnerId: number
  commercialPartnerId?: number
  scopes?: string
  audience?: 'partner' | 'customer'
  expiresAt?: Date | null
  revoked?: boolean
  active?: boolean
  rateLimit?: number
}

/** An API client row as Odoo's hub.api.client writes it: only the secret's SHA-256 is stored. */
export async function createApiClient (pool: pg.Pool, spec: ApiClientSpec): Promise<{ id: number, clientId: string, secret: string }> {
  const clientId = `cl_${randomBytes(6).toString('hex')}`
  const secret = randomBytes(32).toString('base64url')
  const { rows: [row] } = await pool.query<{ id: number }>(
    `INSERT INTO hub_api_client (name, client_id, secret_hash, partner_id, commercial_partner_id, scopes, audience, expires_at, revoked, active, rate_limit)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [`client ${clientId}`, clientId, hashSecret(secret), spec.partnerId, spec.commercialPartnerId ?? spec.partnerId,
      spec.scopes ?? 'orders:read shipments:read invoices:read inventory:read', spec.audience ?? 'partner',
      spec.expiresAt ? spec.expiresAt.toISOString().slice(0, 19).replace('T', ' ') : null, spec.revoked ?? false, spec.active ?? true, spec.rateLimit ?? 0])
  return { id: row!.id, clientId, secret }
}

export async function fetchToken (url: string, clientId: string, secret: string, scope?: string): Promise<{ status: number, body: any }> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, ...(scope ? { scope } : {}) })
  const res = await request(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() })
  return { status: res.statusCode, body: await res.body.json() }
}

export async function tokenFor (url: string, client: { clientId: string, secret: string }, scope?: string): Promise<string> {
  const { status, body } = await fetchToken(url, client.clientId, client.secret, scope)
  if (status !== 200) throw new Error(`token request failed: ${status} ${JSON.stringify(body)}`)
  return body.access_token as string
}

export interface GqlAnswer { status: number, headers: Record<string, string | string[] | undefined>, body: any }

export async function gql (url: string, auth: string | Record<string, string> | null, query: string, variables?: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<GqlAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' }
  if (typeof auth === 'string') headers.authorization = `Bearer ${auth}`
  else if (auth) Object.assign(headers, auth)
  const res = await request(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables, ...extra }) })
  const text = await res.body.text()
  let body: any = text
  try { body = JSON.parse(text) } catch { /* kept as text */ }
  return { status: res.statusCode, headers: res.headers, body }
}

export const errorCodes = (answer: GqlAnswer): string[] => (answer.body?.errors ?? []).map((e: any) => e.extensions?.code)
