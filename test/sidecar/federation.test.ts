import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SpanStatusCode, trace } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Registry } from 'prom-client'
import { request } from 'undici'
import { CustomsSimulator } from '../../sidecar/simulators/customs/server.ts'
import { TmsSimulator } from '../../sidecar/simulators/tms/server.ts'
import { insertConnector, newSecret } from '../support/fixtures.ts'
import { type GatewayServer, createApiClient, gql, startGateway, tokenFor } from '../support/gateway.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'

const PARTNER = 21
const OTHER = 22
const ADMIN_TOKEN = 'admin-token-for-federation-tests'

/**
 * The supergraph from subgraph connectors, on the real PostgreSQL with the TMS and customs simulators as
 * real federation subgraphs (Odoo down: what needs Odoo's records is in test/e2e/gateway-federation.test.ts).
 * What a subgraph received is read from the simulator's own call log, never from the gateway.
 */
describe('federation gateway: composition, credentials, partial failure, limits', () => {
  let db: TestDatabase
  let gw: GatewayServer
  const registry = new Registry()
  const tmsKey = newSecret()
  const customsKey = newSecret()
  const tms = new TmsSimulator({ apiKey: tmsKey, claimSecret: tmsKey, claimAudience: 'fleet' })
  const customs = new CustomsSimulator({ apiKey: customsKey, claimSecret: customsKey, claimAudience: 'customs' })
  let token: string
  let otherToken: string
  // tracing "on": an OpenTelemetry SDK registered, as an operator's preload would
  const spans = new InMemorySpanExporter()
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }))

  before(async () => {
    db = await createTestDatabase()
    const tmsUrl = `${await tms.start()}/graphql`
    const customsUrl = `${await customs.start()}/graphql`
    await insertConnector(db.pool, { code: 'fleet', name: 'Fleet TMS', kind: 'subgraph', adapter: 'graphql_subgraph', base_url: tmsUrl, secret: tmsKey, timeout: 1 })
    await insertConnector(db.pool, { code: 'customs', name: 'Customs Broker', kind: 'subgraph', adapter: 'graphql_subgraph', base_url: customsUrl, secret: customsKey, timeout: 1 })
    gw = await startGateway(db.url, {
      HUB_GATEWAY_SUBGRAPH_POLL_SECONDS: '0', HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_GATEWAY_MAX_BACKEND_CALLS: '4',
      HUB_GATEWAY_SUBGRAPH_CONCURRENCY_PER_CALLER: '1', HUB_GATEWAY_SUBGRAPH_CONCURRENCY: '2',
      HUB_BREAKER_VOLUME: '3', HUB_BREAKER_ERROR_PCT: '50', HUB_BREAKER_RESET_MS: '60000'
    }, { registry })
    token = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: PARTNER }))
    otherToken = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: OTHER }))
    const reports = await gw.gateway.supergraph.refresh()
    assert.deepEqual(reports.map(r => [r.code, r.status]).sort(), [['customs', 'composed'], ['fleet', 'composed']])
  })

  after(async () => {
    await gw?.stop()
    await tms.stop()
    await customs.stop()
    await db?.drop()
  })

  it('serves the hub graph and both subgraphs as one graph, calling each subgraph with the hub\'s credentials and a signed claim of the caller', async () => {
    tms.subgraph.clearCalls()
    const answer = await gql(gw.url, token, '{ viewer { audience } vehicles { plate kind } declarationsPending }')
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    assert.deepEqual(answer.body.data.vehicles.map((v: { plate: string }) => v.plate), ['NL-1-TR', 'NL-2-TR', 'NL-3-TR'])
    assert.equal(answer.body.data.viewer.audience, 'partner')
    assert.equal(typeof answer.body.data.declarationsPending, 'number')
    const [call] = tms.subgraph.calls
    assert.equal(call?.authorization, `Bearer ${tmsKey}`, 'the connector\'s credentials, never the partner\'s token')
    assert.ok(!JSON.stringify(call).includes(token), 'the partner\'s token never reaches a subgraph')
    assert.equal(call?.claim?.partner, PARTNER, 'the claim names the caller\'s partner, verified by the subgraph with the connector\'s secret')
    assert.equal(call?.claim?.aud, 'fleet')
    assert.deepEqual([call?.claim?.internal, call?.claim?.audience], [false, 'partner'])
    assert.deepEqual(tms.subgraph.claimsSeen.at(-1)?.claim?.scopes, ['inventory:read', 'invoices:read', 'orders:read', 'shipments:read'])
  })

  it('traces each subgraph call as an OpenTelemetry span', async () => {
    spans.reset()
    customs.faults.set({ failNext: 1, failStatus: 503 })
    await gql(gw.url, token, '{ vehicles { plate } }')
    await gql(gw.url, token, '{ declarationsPending }')
    const finished = spans.getFinishedSpans().map(s => [s.name, s.attributes['hub.subgraph'], s.status.code])
    assert.deepEqual(finished, [['subgraph fleet', 'fleet', SpanStatusCode.UNSET], ['subgraph customs', 'customs', SpanStatusCode.ERROR]])
  })

  it('recomposes when a subgraph\'s SDL changes, and keeps the last good supergraph when a change conflicts', async () => {
    tms.subgraph.useVariant('extended')
    await gw.gateway.supergraph.refresh()
    const extended = await gql(gw.url, token, '{ vehicles { plate capacityKg } }')
    assert.equal(extended.body.errors, undefined, JSON.stringify(extended.body))

    tms.subgraph.useVariant('conflicting')
    const reports = await gw.gateway.supergraph.refresh()
    const fleet = reports.find(r => r.code === 'fleet')!
    assert.equal(fleet.status, 'failed')
    assert.match(fleet.error!, /Shipment\.trackingNumber/, 'the error names the conflicting field')
    assert.equal(reports.find(r => r.code === 'customs')!.status, 'composed', 'the other subgraph is not blamed')
    // the gateway still plans with the extended SDL (a new supergraph would refuse capacityKg with a 400);
    // the subgraph, changed underneath it, is the one that refuses the field now
    const still = await gql(gw.url, token, '{ vehicles { plate capacityKg } }')
    assert.equal(still.status, 200, 'the last good supergraph is still served')
    assert.equal(still.body.errors[0].extensions.subgraph, 'fleet')
    assert.match(await registry.metrics(), /hub_gateway_compositions_total\{outcome="failed"\} 1/)
    assert.match(await registry.metrics(), /hub_gateway_subgraph_composed\{subgraph="fleet"\} 0/)

    // while the fleet keeps failing, the other connectors' changes still take effect: archived, it is gone
    await db.pool.query("UPDATE hub_connector SET active = false WHERE code = 'customs'")
    try {
      const withoutCustoms = await gw.gateway.supergraph.refresh()
      assert.deepEqual(withoutCustoms.map(r => [r.code, r.status]), [['fleet', 'failed']])
      assert.match(withoutCustoms[0]!.error!, /its last SDL that composed is still served/)
      const gone = await gql(gw.url, token, '{ declarationsPending }')
      assert.equal(gone.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED', 'an archived subgraph is out of the graph at once')
    } finally {
      await db.pool.query("UPDATE hub_connector SET active = true WHERE code = 'customs'")
    }

    tms.subgraph.useVariant('normal')
    assert.deepEqual((await gw.gateway.supergraph.refresh()).map(r => r.status), ['composed', 'composed'])
  })

  it('answers PARTNER_UNAVAILABLE naming the subgraph within its timeout, then stops calling it while its breaker is open', async () => {
    customs.faults.set({ timeoutNext: 100 })
    try {
      for (let i = 0; i < 3; i++) {
        const started = performance.now()
        const answer = await gql(gw.url, token, '{ declarationsPending }')
        const ms = performance.now() - started
        assert.ok(ms < 2500, `answered in ${Math.round(ms)} ms, within the connector's 1 s timeout`)
        assert.equal(answer.body.data, null, 'a non-null root field of the failed subgraph')
        assert.deepEqual(answer.body.errors.map((e: any) => [e.extensions.code, e.extensions.subgraph]), [['PARTNER_UNAVAILABLE', 'customs']])
        assert.match(answer.body.errors[0].message, /Customs Broker did not answer/)
      }
      const callsBefore = customs.calls.length
      const started = performance.now()
      const paused = await gql(gw.url, token, '{ declarationsPending }')
      assert.ok(performance.now() - started < 500, 'an open breaker answers at once')
      assert.match(paused.body.errors[0].message, /paused/)
      assert.equal(customs.calls.length, callsBefore, 'no call reached the subgraph while its breaker is open')
      const fleet = await gql(gw.url, token, '{ vehicles { plate } }')
      assert.equal(fleet.body.errors, undefined, 'the other subgraph is served as usual')
    } finally {
      customs.faults.reset()
    }
  })

  it('counts subgraph fetches in the backend-call budget and refuses a query planning more', async () => {
    const four = await gql(gw.url, token, '{ a: vehicles { plate } b: vehicles { plate } c: vehicles { plate } d: vehicles { plate } }')
    assert.equal(four.body.errors, undefined, JSON.stringify(four.body))
    const five = await gql(gw.url, token, '{ a: vehicles { plate } b: vehicles { plate } c: vehicles { plate } d: vehicles { plate } e: vehicles { plate } }')
    assert.equal(five.status, 400)
    assert.equal(five.body.errors[0].extensions.code, 'QUERY_TOO_COMPLEX')
    assert.match(five.body.errors[0].message, /plans 5 backend calls, more than the allowed 4/)
  })

  it('counts what an _entities query reaches through its union, and refuses an alias standing in for a key', async () => {
    const entities = await gql(gw.url, token, '{ _entities(representations: [{ __typename: "Order", id: "1" }]) { ... on Order { a: shipments { number } b: shipments { number } c: shipments { number } d: shipments { number } } } }')
    assert.equal(entities.status, 400)
    assert.match(entities.body.errors[0].message, /plans 5 backend calls, more than the allowed 4/)
    const aliased = await gql(gw.url, token, '{ shipments { nodes { trackingNumber: origin eta } } }')
    assert.equal(aliased.status, 400)
    assert.equal(aliased.body.errors[0].extensions.code, 'BAD_USER_INPUT')
    assert.match(aliased.body.errors[0].message, /"trackingNumber" names a key field of Shipment/)
  })

  it('gives each caller its share of a slow subgraph: one partner\'s flood does not queue another', async () => {
    tms.subgraph.faults.set({ latencyMs: 600 })
    // the flood's calls wait their turn longer than the 1 s timeout (which counts the wait): give them time
    await db.pool.query("UPDATE hub_connector SET timeout = 10 WHERE code = 'fleet'")
    await gw.gateway.supergraph.refresh()
    try {
      const flood = Array.from({ length: 6 }, async () => await gql(gw.url, token, '{ vehicles { plate } }'))
      await new Promise(resolve => setTimeout(resolve, 50))
      const started = performance.now()
      const other = await gql(gw.url, otherToken, '{ vehicles { plate } }')
      const otherMs = performance.now() - started
      const floodStarted = performance.now()
      await Promise.all(flood)
      const floodMs = performance.now() - floodStarted + 50
      assert.equal(other.body.errors, undefined)
      // shared first come, first served, it would wait behind the flood: about 3 calls' time
      assert.ok(otherMs < 1200, `the other partner waited ${Math.round(otherMs)} ms (one call is 600 ms)`)
      assert.ok(floodMs > 2400, `the flooding partner's 6 calls ran one at a time: ${Math.round(floodMs)} ms`)
    } finally {
      tms.subgraph.faults.reset()
      await db.pool.query("UPDATE hub_connector SET timeout = 1 WHERE code = 'fleet'")
      await gw.gateway.supergraph.refresh()
    }
  })

  it('counts the wait for the caller\'s share in the subgraph\'s timeout, and never makes a call given up', async () => {
    tms.subgraph.faults.set({ latencyMs: 800 })
    try {
      tms.subgraph.clearCalls()
      const started = performance.now()
      // one call at a time for this caller: the third waits 1.6 s for its turn, past the 1 s timeout
      const answers = await Promise.all([1, 2, 3].map(async () => await gql(gw.url, token, '{ vehicles { plate } }')))
      const ms = performance.now() - started
      const codes = answers.map(a => a.body.errors?.[0]?.extensions?.code ?? 'ok').sort()
      assert.deepEqual(codes, ['PARTNER_UNAVAILABLE', 'PARTNER_UNAVAILABLE', 'ok'], JSON.stringify(answers.map(a => a.body)))
      assert.ok(ms < 1900, `all answered within about the timeout: ${Math.round(ms)} ms`)
      // Given up means never made: without the deadline check the queued call would reach the TMS after
      // its caller had its answer. (Whether the third call starts at all before its own deadline is a race
      // with the second call's abort, a millisecond apart, so the count at the answer is not asserted.)
      const madeWhenAnswered = tms.subgraph.calls.length
      await new Promise(resolve => setTimeout(resolve, 1000))
      assert.equal(tms.subgraph.calls.length, madeWhenAnswered, 'no call reached the subgraph after its caller was answered')
    } finally {
      tms.subgraph.faults.reset()
    }
  })

  it('applies scopes and the customer exposure policy to remote fields', async () => {
    const narrow = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: PARTNER, scopes: 'orders:read' }))
    tms.subgraph.clearCalls()
    const refused = await gql(gw.url, narrow, '{ vehicles { plate } }')
    assert.equal(refused.body.errors[0].extensions.code, 'FORBIDDEN')
    assert.match(refused.body.errors[0].message, /shipments:read/)
    assert.equal(tms.subgraph.calls.length, 0, 'nothing reached the subgraph')

    await db.pool.query("INSERT INTO hub_field_exposure (audience, type_name, field_name, active) VALUES ('customer', 'Vehicle', 'driver', true)")
    const customer = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: PARTNER, audience: 'customer' }))
    const asCustomer = await gql(gw.url, customer, '{ vehicles { plate driver } }')
    assert.deepEqual(asCustomer.body.data.vehicles.map((v: { driver: unknown }) => v.driver), [null, null, null], 'hidden from customers')
    const asPartner = await gql(gw.url, token, '{ vehicles { plate driver } }')
    assert.ok(asPartner.body.data.vehicles.every((v: { driver: unknown }) => typeof v.driver === 'string'), 'partners still see it')
  })

  it('stays joinable as a subgraph by another router while it serves the supergraph', async () => {
    const entities = await gql(gw.url, token, '{ _entities(representations: [{ __typename: "StockLevel", sku: "SKU-1" }]) { __typename } }')
    assert.equal(entities.status, 200, JSON.stringify(entities.body))
    assert.notEqual(entities.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', 'the hub\'s _entities is still served')
    const service = await gql(gw.url, token, '{ _service { sdl } }')
    assert.match(service.body.errors[0].message, /introspection has been disabled/, 'and _service is gated as before, not unknown')
  })

  it('describes the whole supergraph to introspection (GraphiQL), when it is enabled', async () => {
    const open = await startGateway(db.url, { HUB_GATEWAY_SUBGRAPH_POLL_SECONDS: '0', HUB_GATEWAY_INTROSPECTION: 'true' })
    try {
      await open.gateway.supergraph.refresh()
      const partner = await tokenFor(open.url, await createApiClient(db.pool, { partnerId: PARTNER }))
      const answer = await gql(open.url, partner, '{ __type(name: "Shipment") { fields { name } } }')
      const fields = answer.body.data.__type.fields.map((f: { name: string }) => f.name)
      assert.ok(['trackingNumber', 'eta', 'vehicle', 'customs'].every(f => fields.includes(f)), fields.join(', '))
    } finally {
      await open.stop()
    }
  })

  it('serves the composed supergraph to admins only', async () => {
    const as = async (authorization?: string) => await request(`${gw.url}/admin/supergraph`, { headers: authorization ? { authorization } : {} })
    assert.equal((await as()).statusCode, 401)
    assert.equal((await as(`Bearer ${token}`)).statusCode, 401, 'a partner token is not the admin token')
    const ok = await as(`Bearer ${ADMIN_TOKEN}`)
    assert.equal(ok.statusCode, 200)
    const body = await ok.body.json() as Record<string, any>
    assert.deepEqual(body.subgraphs, ['fleet', 'customs'], 'in the order the connectors were made')
    assert.match(body.public_sdl, /type Vehicle/)
    assert.match(body.supergraph_sdl, /join__graph/)
  })

  it('refuses a second connector for the same subgraph URL, naming the first', async () => {
    const { rows: [fleet] } = await db.pool.query<{ base_url: string }>("SELECT base_url FROM hub_connector WHERE code = 'fleet'")
    await insertConnector(db.pool, { code: 'fleet-again', name: 'Fleet again', kind: 'subgraph', adapter: 'graphql_subgraph', base_url: fleet!.base_url, secret: newSecret(), timeout: 1 })
    try {
      const reports = await gw.gateway.supergraph.refresh()
      assert.deepEqual(reports.find(r => r.code === 'fleet-again'), { code: 'fleet-again', status: 'failed', error: 'the same URL as connector fleet: one subgraph, one connector' })
      assert.equal(reports.find(r => r.code === 'fleet')!.status, 'composed')
    } finally {
      await db.pool.query("DELETE FROM hub_connector WHERE code = 'fleet-again'")
    }
  })

  it('serves the hub graph alone again when the subgraph connectors are archived', async () => {
    await db.pool.query('UPDATE hub_connector SET active = false WHERE kind = $1', ['subgraph'])
    try {
      assert.deepEqual(await gw.gateway.supergraph.refresh(), [])
      const answer = await gql(gw.url, token, '{ vehicles { plate } }')
      assert.equal(answer.status, 400)
      assert.equal(answer.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED')
    } finally {
      await db.pool.query('UPDATE hub_connector SET active = true WHERE kind = $1', ['subgraph'])
      await gw.gateway.supergraph.refresh()
    }
  })
})
