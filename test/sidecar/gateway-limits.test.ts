import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { request } from 'undici'
import { sha256 } from '../../sidecar/src/gateway/persisted.ts'
import { type GatewayServer, createApiClient, errorCodes, gql, startGateway, tokenFor } from '../support/gateway.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'

const LIMITS = {
  HUB_GATEWAY_MAX_DEPTH: '6', HUB_GATEWAY_MAX_COST: '3000', HUB_GATEWAY_MAX_ALIASES: '5', HUB_GATEWAY_MAX_TOKENS: '400',
  HUB_GATEWAY_MAX_BATCH: '2', HUB_GATEWAY_MAX_BODY_BYTES: '8192'
}
const stockLevelsDoc = readFileSync(new URL('../../graphql/persisted/stock-levels.graphql', import.meta.url), 'utf8')
const viewerDoc = 'query Me { viewer { kind audience } }'
const PARTNER = 10

/**
 * Bad input and abuse: every refusal is a clear code and HTTP status, with no stack and nothing internal.
 * Everything here is decided before any Odoo record is read, so the gateway runs on the real PostgreSQL
 * with Odoo down (ODOO_URL on a closed port, as test/support/sidecar.ts does): a field that does reach
 * Odoo answers SERVICE_UNAVAILABLE. What needs Odoo data is in test/e2e/gateway*.test.ts.
 */
describe('gateway protection', () => {
  let db: TestDatabase
  let gw: GatewayServer
  let token: string
  let work: string
  let manifest: string

  before(async () => {
    db = await createTestDatabase()
    work = await mkdtemp(join(tmpdir(), 'hub-gw-limits-'))
    manifest = join(work, 'persisted.json')
    await writeFile(manifest, JSON.stringify({ [sha256(viewerDoc)]: viewerDoc }))
    gw = await startGateway(db.url, { ...LIMITS, HUB_GATEWAY_PERSISTED_FILE: manifest })
    token = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: PARTNER }))
  })
  after(async () => { await gw?.stop(); await db?.drop(); await rm(work, { recursive: true, force: true }) })

  function assertClean (body: unknown): void {
    const text = JSON.stringify(body)
    assert.doesNotMatch(text, /stack|at .*\.ts:\d+|originalError|node_modules/, 'no stack traces or internals')
  }

  it('answers a document that does not parse with 400 GRAPHQL_PARSE_FAILED', async () => {
    const res = await gql(gw.url, token, '{ orders { nodes { number }')
    assert.equal(res.status, 400)
    assert.deepEqual(errorCodes(res), ['GRAPHQL_PARSE_FAILED'])
    assertClean(res.body)
  })

  it('answers unknown fields with 400 GRAPHQL_VALIDATION_FAILED and no field suggestions', async () => {
    const res = await gql(gw.url, token, '{ orders { nodes { numbr secretCost } } }')
    assert.equal(res.status, 400)
    assert.ok(errorCodes(res).every(c => c === 'GRAPHQL_VALIDATION_FAILED'))
    assert.doesNotMatch(JSON.stringify(res.body), /Did you mean/)
    assertClean(res.body)
  })

  it('refuses too deep, too costly, too aliased and too long documents with 400 QUERY_TOO_COMPLEX', async () => {
    const deep = '{ orders { nodes { shipments { order { shipments { order { number } } } } } } }'
    const costly = '{ orders(first: 100) { nodes { number status lines { quantity product { sku name } } invoices { number amountDue } } } }'
    const aliased = `{ ${Array.from({ length: 8 }, (_, i) => `a${i}: viewer { kind }`).join(' ')} }`
    const long = `{ viewer { ${Array.from({ length: 500 }, () => 'kind').join(' ')} } }`
    for (const [what, query] of [['depth', deep], ['cost', costly], ['aliases', aliased], ['tokens', long]]) {
      const res = await gql(gw.url, token, query!)
      assert.equal(res.status, 400, what)
      assert.deepEqual([...new Set(errorCodes(res))], ['QUERY_TOO_COMPLEX'], `${what}: ${JSON.stringify(res.body)}`)
      assertClean(res.body)
    }
    // within the limits the document executes: its Odoo field reaches the (down) Odoo instead of being refused
    const fine = await gql(gw.url, token, '{ viewer { kind } orders(first: 10) { nodes { number lines { product { sku } } } } }')
    assert.equal(fine.status, 200, JSON.stringify(fine.body))
    assert.deepEqual(fine.body.data, { viewer: { kind: 'client' }, orders: null })
    assert.deepEqual(errorCodes(fine), ['SERVICE_UNAVAILABLE'])
  })

  it('answers SERVICE_UNAVAILABLE on the fields that need Odoo while it is down, and nothing of the cause', async () => {
    const res = await gql(gw.url, { authorization: `Bearer ${token}`, 'x-correlation-id': 'corr-odoo-down-1' }, '{ viewer { kind scopes } invoices { totalCount } }')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.data, { viewer: { kind: 'client', scopes: ['orders:read', 'shipments:read', 'invoices:read', 'inventory:read'] }, invoices: null })
    assert.deepEqual(errorCodes(res), ['SERVICE_UNAVAILABLE'])
    assert.deepEqual(res.body.errors[0].path, ['invoices'])
    assert.equal(res.headers['x-correlation-id'], 'corr-odoo-down-1')
    assert.doesNotMatch(JSON.stringify(res.body), /ECONNREFUSED|127\.0\.0\.1|:9\b|jsonrpc/)
    assertClean(res.body)
  })

  it('refuses bad ids, cursors, page sizes and dates as BAD_USER_INPUT before reading anything', async () => {
    for (const after of ['not-a-cursor', Buffer.from('Shipment:7001').toString('base64url'), Buffer.from('Order:-1').toString('base64url')]) {
      const bad = await gql(gw.url, token, 'query ($after: String) { orders(after: $after) { nodes { number } } }', { after })
      assert.deepEqual(errorCodes(bad), ['BAD_USER_INPUT'], after)
      assert.equal(bad.body.data.orders, null)
    }
    for (const first of [1000, -1]) {
      const res = await gql(gw.url, token, 'query ($first: Int) { orders(first: $first) { nodes { number } } }', { first })
      assert.deepEqual(errorCodes(res), ['BAD_USER_INPUT'], String(first))
    }
    const ids = await gql(gw.url, token, '{ order(id: "S00012") { number } shipment(id: "0") { number } }')
    assert.deepEqual(ids.body.data, { order: null, shipment: null })
    assert.deepEqual(errorCodes(ids), ['BAD_USER_INPUT', 'BAD_USER_INPUT'])
    const longText = await gql(gw.url, token, 'query ($n: String) { orders(filter: { number: $n }) { nodes { number } } }', { n: 'x'.repeat(201) })
    assert.deepEqual(errorCodes(longText), ['BAD_USER_INPUT'])
    const badDate = await gql(gw.url, token, '{ orders(filter: { orderedAfter: "yesterday" }) { nodes { number } } }')
    assert.equal(badDate.status, 400)
    const badDateVar = await gql(gw.url, token, 'query ($d: DateTime) { orders(filter: { orderedAfter: $d }) { nodes { number } } }', { d: 'yesterday' })
    assert.equal(badDateVar.status, 400)
    assertClean([ids.body, longText.body, badDate.body, badDateVar.body])
  })

  it('enforces scopes per field before resolving it: the rest of the query still answers', async () => {
    const narrow = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: PARTNER, scopes: 'orders:read' }))
    const res = await gql(gw.url, narrow, '{ viewer { scopes } shipments { totalCount } invoices { totalCount } stockLevels { totalCount } }')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.data, { viewer: { scopes: ['orders:read'] }, shipments: null, invoices: null, stockLevels: null })
    assert.deepEqual(errorCodes(res), ['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN'])
    const byPath = Object.fromEntries(res.body.errors.map((e: any) => [e.path.join('.'), e.message]))
    assert.match(byPath.shipments, /shipments:read/)
    assert.match(byPath.invoices, /invoices:read/)
    assert.match(byPath.stockLevels, /inventory:read/)
    // a token asked for with fewer scopes is narrower than its client
    const scoped = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: PARTNER }), 'inventory:read')
    const viewer = await gql(gw.url, scoped, '{ viewer { scopes } orders { totalCount } }')
    assert.deepEqual(viewer.body.data, { viewer: { scopes: ['inventory:read'] }, orders: null })
    assert.deepEqual(errorCodes(viewer), ['FORBIDDEN'])
  })

  // the SDL itself (served to the federation router only): test/sidecar/gateway-exposure.test.ts
  it('refuses malformed entity representations', async () => {
    const res = await gql(gw.url, token, 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }', {
      r: [{ __typename: 'Partner', id: '20' }, { __typename: 'Order' }, { __typename: 'Order', id: 'x1' }, 'nonsense']
    })
    assert.deepEqual(res.body.data._entities, [null, null, null, null])
    assert.deepEqual(errorCodes(res), ['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT'])
    const tooMany = await gql(gw.url, token, 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }', {
      r: Array.from({ length: 101 }, (_, i) => ({ __typename: 'Order', id: String(i + 1) }))
    })
    assert.deepEqual(errorCodes(tooMany), ['BAD_USER_INPUT'])
  })

  it('refuses an oversized body with 413 before parsing it', async () => {
    const res = await gql(gw.url, token, `{ viewer { kind } } # ${'x'.repeat(10_000)}`)
    assert.equal(res.status, 413)
    assert.deepEqual(errorCodes(res), ['PAYLOAD_TOO_LARGE'])
  })

  it('runs batches up to the limit and refuses larger ones', async () => {
    const post = async (ops: unknown[]) => {
      const res = await request(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(ops) })
      return { status: res.statusCode, body: await res.body.json() as any }
    }
    const two = await post([{ query: '{ viewer { kind } }' }, { query: 'query ($n: Int) { viewer { audience } orders(first: $n) { totalCount } }', variables: { n: 500 } }])
    assert.equal(two.status, 200)
    assert.deepEqual(two.body[0], { data: { viewer: { kind: 'client' } } })
    assert.deepEqual(two.body[1].data, { viewer: { audience: 'partner' }, orders: null }, 'each operation of a batch answers on its own')
    assert.deepEqual(two.body[1].errors.map((e: any) => e.extensions.code), ['BAD_USER_INPUT'])
    const three = await post([{ query: '{ viewer { kind } }' }, { query: '{ viewer { kind } }' }, { query: '{ viewer { kind } }' }])
    assert.equal(three.status, 413)
    assert.match(JSON.stringify(three.body), /Batching is limited to 2/)
  })

  it('refuses introspection unless enabled, keeping __typename', async () => {
    const res = await gql(gw.url, token, '{ __schema { types { name } } }')
    assert.equal(res.status, 400)
    assert.ok(errorCodes(res).every(c => c === 'GRAPHQL_VALIDATION_FAILED'))
    assert.match(res.body.errors[0].message, /introspection has been disabled/)
    const typename = await gql(gw.url, token, '{ __typename viewer { __typename } }')
    assert.deepEqual(typename.body, { data: { __typename: 'Query', viewer: { __typename: 'Viewer' } } })
    const open = await startGateway(db.url, { HUB_GATEWAY_INTROSPECTION: 'true' })
    try {
      const allowed = await gql(open.url, token, '{ __type(name: "Order") { fields { name } } }')
      assert.ok(allowed.body.data.__type.fields.some((f: any) => f.name === 'number'))
    } finally { await open.stop() }
  })

  it('runs registered operations by hash, and only those in persisted-only mode', async () => {
    const ext = (h: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: h } } })
    // a manifest entry (HUB_GATEWAY_PERSISTED_FILE)
    const byHash = await gql(gw.url, token, '', {}, ext(sha256(viewerDoc)))
    assert.equal(byHash.status, 200, JSON.stringify(byHash.body))
    assert.deepEqual(byHash.body, { data: { viewer: { kind: 'client', audience: 'partner' } } })
    // a shipped graphql/persisted/*.graphql file: its document runs (its stock levels need Odoo, which is down here)
    const shipped = await gql(gw.url, token, '', { skus: ['SKU-A'] }, ext(sha256(stockLevelsDoc)))
    assert.equal(shipped.status, 200, JSON.stringify(shipped.body))
    assert.deepEqual(shipped.body.data, { stockLevels: null })
    assert.deepEqual(shipped.body.errors.map((e: any) => [e.path.join('.'), e.extensions.code]), [['stockLevels', 'SERVICE_UNAVAILABLE']])
    const unknown = await gql(gw.url, token, '', {}, ext('0'.repeat(64)))
    assert.deepEqual([unknown.status, ...errorCodes(unknown)], [400, 'PERSISTED_QUERY_NOT_FOUND'])
    const mismatch = await gql(gw.url, token, '{ viewer { scopes } }', {}, ext(sha256(viewerDoc)))
    assert.deepEqual([mismatch.status, ...errorCodes(mismatch)], [400, 'BAD_REQUEST'], 'a query that is not the hashed document is refused')

    const strict = await startGateway(db.url, { HUB_GATEWAY_PERSISTED_ONLY: 'true', HUB_GATEWAY_PERSISTED_FILE: manifest })
    try {
      const adHoc = await gql(strict.url, token, '{ orders { nodes { number amountTotal } } }')
      assert.deepEqual([adHoc.status, ...errorCodes(adHoc)], [403, 'PERSISTED_QUERY_REQUIRED'])
      const registered = await gql(strict.url, token, '', {}, ext(sha256(viewerDoc)))
      assert.deepEqual([registered.status, registered.body.data?.viewer?.kind], [200, 'client'])
      const asText = await gql(strict.url, token, viewerDoc)
      assert.deepEqual([asText.status, asText.body.data?.viewer?.kind], [200, 'client'], 'the registered text itself is accepted')
      assert.equal((await gql(strict.url, token, stockLevelsDoc, { skus: ['SKU-A'] })).status, 200, 'shipped documents are registered too')
    } finally { await strict.stop() }
  })

  it('limits each client to its operations per minute with 429 and Retry-After', async () => {
    const limited = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: PARTNER, rateLimit: 3 }))
    const statuses: number[] = []
    let last
    for (let i = 0; i < 5; i++) { last = await gql(gw.url, limited, '{ viewer { kind } }'); statuses.push(last.status) }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429])
    assert.deepEqual(errorCodes(last!), ['RATE_LIMITED'])
    assert.ok(Number(last!.headers['retry-after']) >= 1)
    assert.equal((await gql(gw.url, token, '{ viewer { kind } }')).status, 200, 'other clients are not affected')
  })

  it('serves GraphQL over GET for queries, but never GraphiQL unless enabled', async () => {
    const res = await request(`${gw.url}/graphql?query=${encodeURIComponent('{ viewer { kind } }')}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(await res.body.json(), { data: { viewer: { kind: 'client' } } })
    const page = await request(`${gw.url}/graphql`, { headers: { accept: 'text/html' } })
    assert.notEqual(page.statusCode, 200)
    assert.doesNotMatch(await page.body.text(), /graphiql/i)
  })
})
