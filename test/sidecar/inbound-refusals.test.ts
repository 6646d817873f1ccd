import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { request } from 'undici'
import { RefusalLog } from '../../sidecar/src/inbound/refusal-log.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { insertConnector, newSecret, signedHeaders } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'

interface RefusalRow {
  connector_code: string | null, reason: string, http_status: number, detail: string | null, remote_addr: string | null,
  webhook_id: string | null, body_excerpt: string | null, suppressed_before: number
}

/**
 * Callbacks the sidecar refuses before storing anything (bad or missing signature,
 * unknown connector, malformed or oversized body) are recorded in hub_sidecar.inbound_refusal, which
 * Odoo lists under Logistics Hub > Monitoring; never with a secret, and never faster than the limit.
 */
describe('refused inbound callbacks are recorded for Odoo', () => {
  let db: TestDatabase
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const secret = newSecret()
  let code: string

  before(async () => {
    db = await createTestDatabase()
    sidecar = await startSidecar(db.url, { HUB_MAX_BODY_BYTES: '1024', HUB_WORKER_POLL_SECONDS: '30' })
    code = (await insertConnector(db.pool, { adapter: 'wms', kind: 'wms', secret })).code
  })
  after(async () => { await sidecar.stop(); await db.drop() })

  async function post (path: string, body: string, headers: Record<string, string>) {
    const res = await request(`${sidecar.url}${path}`, { method: 'POST', body, headers })
    await res.body.dump()
    return res.statusCode
  }
  const refusals = async (): Promise<RefusalRow[]> => (await db.pool.query<RefusalRow>(
    `SELECT connector_code, reason, http_status, detail, remote_addr, webhook_id, body_excerpt, suppressed_before
     FROM hub_sidecar.inbound_refusal ORDER BY id`)).rows
  const latest = async () => (await refusals()).at(-1)

  it('records a bad signature with what a person needs, and never the secret the body carries', async () => {
    const body = JSON.stringify({ event_type: 'PACKED', api_key: 'k-123456789', note: `leaked ${secret}` })
    const headers = signedHeaders(newSecret(), body, { id: 'msg_forged' })
    assert.equal(await post(`/hooks/${code}`, body, headers), 401)
    const row = await latest()
    assert.deepEqual({ ...row, body_excerpt: null }, {
      connector_code: code, reason: 'bad_signature', http_status: 401, detail: 'No matching signature found',
      remote_addr: '127.0.0.1', webhook_id: 'msg_forged', body_excerpt: null, suppressed_before: 0
    })
    assert.match(row!.body_excerpt!, /^\{"event_type":"PACKED","api_key":"\*\*\*","note":"leaked \*\*\*"\}$/)
  })

  it('tells a missing signature, an unknown connector and a malformed message apart', async () => {
    const body = JSON.stringify({ event_type: 'NOPE' })
    assert.equal(await post(`/hooks/${code}`, body, { 'content-type': 'application/json' }), 401)
    assert.equal((await latest())!.reason, 'missing_signature')

    assert.equal(await post('/hooks/no-such-partner', body, signedHeaders(secret, body)), 404)
    assert.deepEqual([(await latest())!.reason, (await latest())!.connector_code, (await latest())!.http_status], ['unknown_connector', 'no-such-partner', 404])

    assert.equal(await post(`/hooks/${code}`, body, signedHeaders(secret, body, { id: 'msg_bad_shape' })), 400)
    const malformed = await latest()
    assert.deepEqual([malformed!.reason, malformed!.webhook_id], ['malformed_message', 'msg_bad_shape'])
    assert.match(malformed!.detail!, /^not a WMS callback: event_type: /, 'the issues are kept for the person fixing the partner')
  })

  it('records a body over the size limit, refused before the handler runs', async () => {
    const body = JSON.stringify({ padding: 'x'.repeat(2048) })
    assert.equal(await post(`/hooks/${code}`, body, signedHeaders(secret, body, { id: 'msg_big' })), 413)
    const row = await latest()
    assert.deepEqual([row!.reason, row!.http_status, row!.connector_code, row!.webhook_id, row!.body_excerpt], ['oversized', 413, code, 'msg_big', null])
  })

  it('records nothing for an accepted callback', async () => {
    const before = (await refusals()).length
    const body = JSON.stringify({ event_type: 'PACKED', fulfilment_id: 'F-1', client_reference: 'stock.picking/9', items: [] })
    assert.equal(await post(`/hooks/${code}`, body, signedHeaders(secret, body)), 202)
    assert.equal((await refusals()).length, before)
  })

  it('records at most the configured rate (counting the rest on the next row) and keeps a bounded table', async () => {
    let now = 0
    const log = new RefusalLog(db.pool, createLogger('silent'), { perMinute: 2, keep: 3 }, () => now)
    await db.pool.query('TRUNCATE hub_sidecar.inbound_refusal')
    const refusal = (n: number) => ({ connectorCode: 'flood', reason: 'bad_signature', httpStatus: 401, detail: `#${n}`, remoteAddr: '203.0.113.9', webhookId: null, body: null })
    for (let n = 1; n <= 5; n++) await log.record(refusal(n))
    assert.deepEqual((await refusals()).map(r => [r.detail, r.suppressed_before]), [['#1', 0], ['#2', 0]], 'a burst past the limit stores nothing more')
    now += 30_000 // one token back (2 per minute)
    await log.record(refusal(6))
    assert.deepEqual((await refusals()).map(r => [r.detail, r.suppressed_before]), [['#1', 0], ['#2', 0], ['#6', 3]], 'the next row says how many were not recorded')
    now += 60_000
    await log.record(refusal(7))
    await log.record(refusal(8))
    assert.deepEqual((await refusals()).map(r => r.detail), ['#6', '#7', '#8'], 'only the newest `keep` rows stay')
  })
})
