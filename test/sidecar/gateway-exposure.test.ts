import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { GraphQLError } from 'graphql'
import { request } from 'undici'
import { OdooRpcError } from '../../sidecar/src/errors.ts'
import { fromOdooError } from '../../sidecar/src/gateway/errors.ts'
import { ExposurePolicy } from '../../sidecar/src/gateway/exposure.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { type GatewayServer, createApiClient, errorCodes, gql, startGateway, tokenFor } from '../support/gateway.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'

const PARTNER = 10

/** A plain `Accept: application/json` POST, as curl and most HTTP libraries send it. */
async function plainJson (url: string, token: string, query: string, variables?: Record<string, unknown>): Promise<{ status: number, body: any }> {
  const res = await request(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables })
  })
  return { status: res.statusCode, body: await res.body.json() }
}

/**
 * What a client sends is judged at the gateway boundary (never an Odoo SQL error),
 * request errors answer their documented HTTP status whatever the Accept header, and the SDL is served only
 * to callers who may introspect. Odoo is down here (closed port): anything that reaches it answers
 * SERVICE_UNAVAILABLE, so BAD_USER_INPUT proves the refusal happened before any Odoo call.
 */
describe('gateway boundary', () => {
  let db: TestDatabase
  let gw: GatewayServer
  let token: string

  before(async () => {
    db = await createTestDatabase()
    gw = await startGateway(db.url, { HUB_GATEWAY_MAX_TOKENS: '400', HUB_GATEWAY_SDL_CLIENTS: 'cl_router, cl_other' })
    token = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: PARTNER }))
  })
  after(async () => { await gw?.stop(); await db?.drop() })

  it('refuses a cursor or id past any Odoo id, and dates outside years 1..9999, as BAD_USER_INPUT', async () => {
    const far = Buffer.from('Order:9999999999').toString('base64url')
    const cursor = await gql(gw.url, token, 'query ($after: String) { orders(after: $after) { nodes { number } } }', { after: far })
    assert.deepEqual(errorCodes(cursor), ['BAD_USER_INPUT'])
    const id = await gql(gw.url, token, '{ order(id: "9999999999") { number } }')
    assert.deepEqual(errorCodes(id), ['BAD_USER_INPUT'])
    for (const d of ['0000-01-01T00:00:00Z', '0000-06-15']) {
      const lit = await gql(gw.url, token, `{ orders(filter: { orderedAfter: "${d}" }) { nodes { number } } }`)
      assert.deepEqual([lit.status, ...errorCodes(lit)], [400, 'BAD_USER_INPUT'], d)
      const v = await gql(gw.url, token, 'query ($d: DateTime) { invoices(filter: { invoicedBefore: $d }) { nodes { number } } }', { d })
      assert.deepEqual([v.status, ...errorCodes(v)], [400, 'BAD_USER_INPUT'], d)
    }
    const nul = await gql(gw.url, token, 'query ($n: String) { orders(filter: { number: $n }) { nodes { number } } }', { n: 'S0\u00001' })
    assert.deepEqual(errorCodes(nul), ['BAD_USER_INPUT'], 'PostgreSQL text cannot hold NUL')
    // the largest id Odoo can hold is still a valid question (answered by Odoo, here down)
    const max = await gql(gw.url, token, '{ order(id: "2147483647") { number } }')
    assert.deepEqual(errorCodes(max), ['SERVICE_UNAVAILABLE'])
    assert.ok(!gw.logs.some(l => JSON.parse(l).level >= 50), 'client input is not logged as an error')
  })

  it('answers parse errors and limit refusals with HTTP 400 to Accept: application/json clients too', async () => {
    const parse = await plainJson(gw.url, token, '{ orders { nodes { number }')
    assert.deepEqual([parse.status, parse.body.errors?.[0]?.extensions?.code], [400, 'GRAPHQL_PARSE_FAILED'])
    const long = await plainJson(gw.url, token, `{ viewer { ${Array.from({ length: 500 }, () => 'kind').join(' ')} } }`)
    assert.deepEqual([long.status, long.body.errors?.[0]?.extensions?.code], [400, 'QUERY_TOO_COMPLEX'])
    const invalid = await plainJson(gw.url, token, '{ orders { nodes { numbr } } }')
    assert.deepEqual([invalid.status, invalid.body.errors?.[0]?.extensions?.code], [400, 'GRAPHQL_VALIDATION_FAILED'])
  })

  it('does not serve the SDL while introspection is off, except to the federation router', async () => {
    const sdl = await gql(gw.url, token, '{ _service { sdl } }')
    assert.deepEqual([sdl.status, ...errorCodes(sdl)], [400, 'GRAPHQL_VALIDATION_FAILED'])
    assert.doesNotMatch(JSON.stringify(sdl.body), /@key/)
    const aliased = await plainJson(gw.url, token, '{ s: _service { sdl } }')
    assert.deepEqual([aliased.status, aliased.body.errors?.[0]?.extensions?.code], [400, 'GRAPHQL_VALIDATION_FAILED'])
    const router = await createApiClient(db.pool, { partnerId: PARTNER })
    await db.pool.query("UPDATE hub_api_client SET client_id = 'cl_router' WHERE id = $1", [router.id])
    const routerToken = await tokenFor(gw.url, { clientId: 'cl_router', secret: router.secret })
    const served = await gql(gw.url, routerToken, '{ _service { sdl } }')
    assert.equal(served.status, 200, JSON.stringify(served.body))
    const text: string = served.body.data._service.sdl
    assert.match(text, /@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.3"/)
    assert.match(text, /type Order @key\(fields: "id"\)/)
    assert.match(text, /type Shipment @key\(fields: "id"\)/)
    assert.match(text, /type Invoice @key\(fields: "id"\)/)
    assert.match(text, /type StockLevel @key\(fields: "sku"\)/)
    assert.doesNotMatch(text, /_entities/)
    // the router still cannot introspect, and the same document is refused again to a partner afterwards
    assert.deepEqual([...new Set(errorCodes(await gql(gw.url, routerToken, '{ __schema { types { name } } }')))], ['GRAPHQL_VALIDATION_FAILED'])
    assert.deepEqual(errorCodes(await gql(gw.url, token, '{ _service { sdl } }')), ['GRAPHQL_VALIDATION_FAILED'])
  })

  it('hides prices and error texts from customer-facing callers even before the addon created the policy tables', async () => {
    await db.pool.query('DROP TABLE hub_field_exposure, hub_status_exposure') // as before the addon is installed
    const policy = new ExposurePolicy(db.pool, 60_000, createLogger('silent'))
    const customer = await policy.forAudience('customer')
    for (const [type, field] of [['OrderLine', 'unitPrice'], ['OrderLine', 'subtotal'], ['SyncState', 'lastError'], ['Exception', 'description']]) {
      assert.equal(customer.hides(type!, field!), true, `${type}.${field}`)
    }
    assert.equal(customer.status('sale.order', 'state', 'sale'), null, 'no internal status without a rule')
    const partner = await policy.forAudience('partner')
    assert.equal(partner.hides('OrderLine', 'unitPrice'), false)
    assert.equal(partner.status('sale.order', 'state', 'sale'), 'sale')
  })

  it('turns a value Odoo\'s PostgreSQL refuses into BAD_USER_INPUT, not a masked INTERNAL', () => {
    for (const name of ['psycopg2.errors.DatetimeFieldOverflow', 'psycopg2.errors.NumericValueOutOfRange']) {
      const err = fromOdooError(new OdooRpcError('date/time field value out of range: "0000-01-01"', name))
      assert.ok(err instanceof GraphQLError)
      assert.equal(err.extensions.code, 'BAD_USER_INPUT', name)
      assert.doesNotMatch(err.message, /0000|out of range:/, 'Odoo\'s SQL text stays inside')
    }
    assert.ok(!(fromOdooError(new OdooRpcError('relation does not exist', 'psycopg2.errors.UndefinedTable')) instanceof GraphQLError), 'our faults stay INTERNAL')
  })
})
