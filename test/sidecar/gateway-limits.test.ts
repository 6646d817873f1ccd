import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { request } from 'undici'
import { sha256 } from '../../sidecar/src/gateway/persisted.ts'
import { FakeOdoo } from '../support/fake-odoo.ts'
import { A, seedTwoCompanies } from '../support/fake-odoo-seed.ts'
import { type GatewayServer, createApiClient, errorCodes, gql, startGateway, tokenFor } from '../support/gateway.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'

const LIMITS = {
  HUB_GATEWAY_MAX_DEPTH: '6', HUB_GATEWAY_MAX_COST: '3000', HUB_GATEWAY_MAX_ALIASES: '5', HUB_GATEWAY_MAX_TOKENS: '400',
  HUB_GATEWAY_MAX_BATCH: '2', HUB_GATEWAY_MAX_BODY_BYTES: '8192'
}
const stockLevelsDoc = readFileSync(new URL('../../graphql/persisted/stock-levels.graphql', import.meta.url), 'utf8')

/** Bad input and abuse: every refusal is a clear code and HTTP status, with no stack and nothing internal. */
describe('gateway protection', () => {
  let db: TestDatabase
  let odoo: FakeOdoo
  let gw: GatewayServer
  let token: string

  before(async () => {
    db = await createTestDatabase()
    odoo = new FakeOdoo()
    seedTwoCompanies(odoo)
    await odoo.start()
    gw = await startGateway(db.url, { ODOO_URL: odoo.url, ODOO_DB: odoo.db, ...LIMITS })
    token = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: A }))
  })
  after(async () => { await gw?.stop(); await odoo?.stop(); await db?.drop() })

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
    const fine = await gql(gw.url, token, '{ orders(first: 10) { nodes { number lines { product { sku } } } } }')
    assert.equal(fine.status, 200, JSON.stringify(fine.body))
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
    const two = await post([{ query: '{ viewer { kind } }' }, { query: '{ orders { totalCount } }' }])
    assert.equal(two.status, 200)
    assert.deepEqual(two.body, [{ data: { viewer: { kind: 'client' } } }, { data: { orders: { totalCount: 2 } } }])
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
    const hash = sha256(stockLevelsDoc)
    const ext = (h: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: h } } })
    const byHash = await gql(gw.url, token, '', { skus: ['SKU-A'] }, ext(hash))
    assert.equal(byHash.status, 200, JSON.stringify(byHash.body))
    assert.equal(byHash.body.data.stockLevels.nodes[0].sku, 'SKU-A')
    const unknown = await gql(gw.url, token, '', {}, ext('0'.repeat(64)))
    assert.deepEqual([unknown.status, ...errorCodes(unknown)], [400, 'PERSISTED_QUERY_NOT_FOUND'])

    const strict = await startGateway(db.url, { ODOO_URL: odoo.url, ODOO_DB: odoo.db, HUB_GATEWAY_PERSISTED_ONLY: 'true' })
    try {
      const adHoc = await gql(strict.url, token, '{ orders { nodes { number amountTotal } } }')
      assert.deepEqual([adHoc.status, ...errorCodes(adHoc)], [403, 'PERSISTED_QUERY_REQUIRED'])
      assert.equal((await gql(strict.url, token, '', { skus: ['SKU-A'] }, ext(hash))).status, 200)
      assert.equal((await gql(strict.url, token, stockLevelsDoc, { skus: ['SKU-A'] })).status, 200, 'the registered text itself is accepted')
    } finally { await strict.stop() }
  })

  it('limits each client to its operations per minute with 429 and Retry-After', async () => {
    const limited = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: A, rateLimit: 3 }))
    const statuses: number[] = []
    let last
    for (let i = 0; i < 5; i++) { last = await gql(gw.url, limited, '{ viewer { kind } }'); statuses.push(last.status) }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429])
    assert.deepEqual(errorCodes(last!), ['RATE_LIMITED'])
    assert.ok(Number(last!.headers['retry-after']) >= 1)
    assert.equal((await gql(gw.url, token, '{ viewer { kind } }')).status, 200, 'other clients are not affected')
  })

  it('masks unexpected failures as INTERNAL with a correlation id, and logs them with it', async () => {
    odoo.failNext = { name: 'builtins.KeyError', message: "KeyError: 'db_password' at /opt/odoo/odoo/models.py line 4242" }
    const res = await gql(gw.url, { authorization: `Bearer ${token}`, 'x-correlation-id': 'corr-test-0001' }, '{ orders { nodes { number } } }')
    assert.equal(res.status, 200)
    assert.equal(res.body.data.orders, null)
    const [error] = res.body.errors
    assert.equal(error.extensions.code, 'INTERNAL')
    assert.equal(error.extensions.correlationId, 'corr-test-0001')
    assert.equal(res.headers['x-correlation-id'], 'corr-test-0001')
    assert.doesNotMatch(JSON.stringify(res.body), /KeyError|db_password|models\.py/)
    assertClean(res.body)
    const logged = gw.logs.map(l => JSON.parse(l)).find(l => l.correlation_id === 'corr-test-0001' && l.msg === 'graphql operation failed')
    assert.ok(logged, 'the failure is logged with the correlation id')
    assert.match(JSON.stringify(logged.err), /db_password/)

    odoo.failNext = { name: 'odoo.exceptions.AccessError', message: 'You are not allowed to access Sales Order records.' }
    const denied = await gql(gw.url, token, '{ orders { nodes { number } } }')
    assert.deepEqual(errorCodes(denied), ['FORBIDDEN'])
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
