import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { request } from 'undici'
import { CarrierSimulator } from '../../sidecar/simulators/carrier/server.ts'
import { TmsSimulator } from '../../sidecar/simulators/tms/server.ts'
import { WebhookReceiver } from '../../sidecar/simulators/webhook-receiver.ts'
import { WmsSimulator } from '../../sidecar/simulators/wms/server.ts'
import { insertConnector, newSecret } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'

/**
 * "Test connection": each adapter makes an authenticated call that changes nothing,
 * so a wrong secret or API key fails the test; a rate-shopping connector (no URL) reports on its
 * carriers; every message is one a person can act on, never a library's error text.
 */
describe('POST /admin/connectors/:code/test', () => {
  let db: TestDatabase
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const wmsSecret = newSecret()
  const hookSecret = newSecret()
  const wms = new WmsSimulator({ secret: wmsSecret })
  const receiver = new WebhookReceiver(hookSecret)
  const parcelfast = new CarrierSimulator({ dialect: 'parcelfast', apiKey: 'pf-key-0123456789' })
  const swiftpost = new CarrierSimulator({ dialect: 'swiftpost', apiKey: 'sp-key-0123456789' })
  const tms = new TmsSimulator({ apiKey: 'tms-key-0123456789' })
  const token = 'admin-token-for-tests-0123456789'

  before(async () => {
    db = await createTestDatabase()
    sidecar = await startSidecar(db.url, { HUB_ADMIN_TOKEN: token })
    const wmsUrl = await wms.start()
    await insertConnector(db.pool, { code: 'wms-up', adapter: 'wms', base_url: wmsUrl, secret: wmsSecret })
    await insertConnector(db.pool, { code: 'wms-wrong-secret', adapter: 'wms', base_url: wmsUrl, secret: newSecret() })
    await insertConnector(db.pool, { code: 'wms-down', adapter: 'wms', base_url: 'http://127.0.0.1:9/' })
    await insertConnector(db.pool, { code: 'wms-bad-url', adapter: 'wms', base_url: 'not a url' })
    await insertConnector(db.pool, { code: 'wms-no-url', adapter: 'wms', base_url: null })
    const hookUrl = await receiver.start()
    await insertConnector(db.pool, { code: 'hook-up', adapter: 'webhook', base_url: hookUrl, secret: hookSecret })
    await insertConnector(db.pool, { code: 'hook-wrong-secret', adapter: 'webhook', base_url: hookUrl, secret: newSecret() })
    await insertConnector(db.pool, { code: 'pf', name: 'ParcelFast EU', kind: 'carrier', adapter: 'parcelfast', base_url: await parcelfast.start(), secret: 'pf-key-0123456789' })
    await insertConnector(db.pool, { code: 'sp', name: 'SwiftPost UK', kind: 'carrier', adapter: 'swiftpost', base_url: await swiftpost.start(), secret: 'not-the-key' })
    const tmsUrl = await tms.start()
    await insertConnector(db.pool, { code: 'tms-up', kind: 'tms', adapter: 'tms', base_url: tmsUrl, secret: 'tms-key-0123456789' })
    await insertConnector(db.pool, { code: 'tms-wrong-key', kind: 'tms', adapter: 'tms', base_url: tmsUrl, secret: 'nope' })
    await insertConnector(db.pool, { code: 'best', name: 'Best carrier', kind: 'carrier', adapter: 'rate_shop', base_url: null })
    await insertConnector(db.pool, { code: 'fleet-up', kind: 'subgraph', adapter: 'graphql_subgraph', base_url: `${tmsUrl}/graphql`, secret: 'tms-key-0123456789' })
    await insertConnector(db.pool, { code: 'fleet-wrong-key', kind: 'subgraph', adapter: 'graphql_subgraph', base_url: `${tmsUrl}/graphql`, secret: 'nope' })
  })
  after(async () => {
    await sidecar.stop()
    await Promise.all([wms.stop(), receiver.stop(), parcelfast.stop(), swiftpost.stop(), tms.stop()])
    await db.drop()
  })

  async function test (code: string, auth = `Bearer ${token}`) {
    const res = await request(`${sidecar.url}/admin/connectors/${code}/test`, { method: 'POST', headers: { authorization: auth } })
    return { status: res.statusCode, json: await res.body.json() as any }
  }

  it('passes when the WMS verifies our signature, and fails with a wrong secret', async () => {
    const up = await test('wms-up')
    assert.equal(up.status, 200)
    assert.deepEqual({ ok: up.json.ok, status: up.json.status, message: up.json.message }, { ok: true, status: 200, message: 'signature accepted (HTTP 200)' })
    assert.equal(typeof up.json.latency_ms, 'number')
    const wrong = (await test('wms-wrong-secret')).json
    assert.equal(wrong.ok, false)
    assert.equal(wrong.status, 401)
    assert.match(wrong.message, /refused our signature: check that it holds the connector's secret/)
    assert.equal(wms.fulfilments.size, 0, 'the test created nothing at the partner')
  })

  it('passes when the carrier or TMS accepts the API key, and fails with a wrong one', async () => {
    assert.deepEqual(pick((await test('pf')).json), { ok: true, status: 200, message: 'API key accepted (HTTP 200)' })
    assert.deepEqual(pick((await test('sp')).json), { ok: false, status: 401, message: "the partner refused the API key: check the connector's secret (HTTP 401)" })
    assert.deepEqual(pick((await test('tms-up')).json), { ok: true, status: 200, message: 'API key accepted (HTTP 200)' })
    assert.equal((await test('tms-wrong-key')).json.status, 401)
    assert.equal(parcelfast.shipments.size + tms.jobs.size, 0, 'nothing booked')
  })

  it('asks a GraphQL subgraph for its SDL with the API key, as composition will', async () => {
    tms.subgraph.clearCalls()
    assert.deepEqual(pick((await test('fleet-up')).json), { ok: true, status: 200, message: 'API key accepted (HTTP 200)' })
    assert.equal((await test('fleet-wrong-key')).json.status, 401)
    assert.deepEqual(tms.subgraph.calls.map(c => c.kind), ['service', 'service'])
  })

  it('sends a generic webhook a signed hub.ping the receiver acknowledges without taking it as a message', async () => {
    assert.deepEqual(pick((await test('hook-up')).json), { ok: true, status: 200, message: 'signature accepted (HTTP 200)' })
    assert.equal((await test('hook-wrong-secret')).json.status, 401)
    assert.equal(receiver.pings.length, 1)
    assert.deepEqual(receiver.accepted, [])
  })

  it('reports on every carrier a rate-shopping connector shops among (it has no URL of its own)', async () => {
    const { json } = await test('best')
    assert.equal(json.ok, false, 'one carrier refuses our key')
    assert.equal(json.message, "1 of 2 carriers failing: SwiftPost UK: the partner refused the API key: check the connector's secret (HTTP 401)")
    assert.deepEqual(json.carriers.map((c: any) => [c.code, c.ok, c.status]), [['pf', true, 200], ['sp', false, 401]])

    await db.pool.query("UPDATE hub_connector SET active = false WHERE code = 'sp'")
    const fixed = (await test('best')).json
    assert.deepEqual([fixed.ok, fixed.message], [true, 'shops among 1 carrier(s), all answering: ParcelFast EU'])

    await db.pool.query("UPDATE hub_connector SET active = false WHERE code = 'pf'")
    assert.deepEqual(pick((await test('best')).json), { ok: false, status: null, message: 'no active carrier connector to shop among' })
  })

  it('says what is wrong in words, not in library errors', async () => {
    const down = (await test('wms-down')).json
    assert.deepEqual([down.ok, down.status, down.message], [false, null, 'unreachable: connection refused (is the partner running, and is the base URL right?)'])
    assert.equal((await test('wms-bad-url')).json.message, 'unreachable: the base URL is not a valid URL')
    assert.equal((await test('wms-no-url')).json.message, 'the connector has no base URL')
    wms.faults.set({ failNext: 1, failStatus: 503 })
    assert.deepEqual(pick((await test('wms-up')).json), { ok: false, status: 503, message: 'the partner is in trouble (HTTP 503)' })
    wms.faults.set({ timeoutNext: 1 })
    await db.pool.query("UPDATE hub_connector SET timeout = 1 WHERE code = 'wms-up'")
    assert.deepEqual(pick((await test('wms-up')).json), { ok: false, status: null, message: 'unreachable: no answer within 1 s' })
  })

  it('refuses a wrong or missing token and unknown connectors', async () => {
    assert.equal((await test('wms-up', 'Bearer nope')).status, 401)
    assert.equal((await test('wms-up', '')).status, 401)
    assert.equal((await test('nope')).status, 404)
  })
})

function pick (json: { ok: boolean, status: number | null, message: string }) {
  return { ok: json.ok, status: json.status, message: json.message }
}
