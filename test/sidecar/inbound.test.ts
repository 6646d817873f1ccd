import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { request } from 'undici'
import { QUEUES } from '../../sidecar/src/queues.ts'
import { insertConnector, jobsIn, newSecret, signedHeaders } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'

const callback = (overrides: Record<string, unknown> = {}) => ({
  event_type: 'PACKED', fulfilment_id: 'FUL-000001', client_reference: 'stock.picking/17', correlation_id: 'corr-in',
  items: [{ line_ref: '55', sku: 'SKU-1', quantity: 2 }], ...overrides
})

describe('POST /hooks/:connector', () => {
  let db: TestDatabase
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const secret = newSecret()
  let code: string

  before(async () => {
    db = await createTestDatabase()
    sidecar = await startSidecar(db.url, { HUB_MAX_BODY_BYTES: '4096', HUB_WORKER_POLL_SECONDS: '30' })
    code = (await insertConnector(db.pool, { adapter: 'wms', kind: 'wms', secret })).code
  })
  after(async () => { await sidecar.stop(); await db.drop() })

  const signed = (body: string, { id, at, key = secret }: { id?: string, at?: Date, key?: string } = {}) => signedHeaders(key, body, { id, at })

  const withTimestamp = (headers: Record<string, string>, edit: (ts: string) => string) =>
    ({ ...headers, 'webhook-timestamp': edit(headers['webhook-timestamp']!) })

  async function post (path: string, body: string, headers: Record<string, string>) {
    const res = await request(`${sidecar.url}${path}`, { method: 'POST', body, headers })
    return { status: res.statusCode, json: await res.body.json() as any }
  }

  const inboundJobs = async () => await jobsIn(db.pool, QUEUES.inbound)

  it('accepts a signed WMS callback, maps it to the canonical message and stores it durably', async () => {
    const body = JSON.stringify(callback())
    const res = await post(`/hooks/${code}`, body, signed(body, { id: 'msg_ok_1' }))
    assert.equal(res.status, 202)
    assert.equal(res.json.status, 'accepted')
    const [job] = (await inboundJobs()).filter(j => j.data.message.id === 'msg_ok_1')
    assert.deepEqual(job!.data, {
      connector_code: code,
      message: {
        id: 'msg_ok_1', type: 'fulfilment.packed', correlation_id: 'corr-in',
        data: { picking_id: 17, external_ref: 'FUL-000001', lines: [{ move_id: 55, sku: 'SKU-1', quantity: 2 }] }
      }
    })
  })

  it('answers a replayed webhook-id with 200 duplicate and stores nothing new', async () => {
    const body = JSON.stringify(callback())
    const before = (await inboundJobs()).length
    const first = await post(`/hooks/${code}`, body, signed(body, { id: 'msg_dup' }))
    const again = await post(`/hooks/${code}`, body, signed(body, { id: 'msg_dup' }))
    assert.equal(first.status, 202)
    assert.equal(again.status, 200)
    assert.equal(again.json.status, 'duplicate')
    assert.equal((await inboundJobs()).length, before + 1)
  })

  it('stores a webhook-id sent many times at once exactly once, even when the copies share one commit', async () => {
    const body = JSON.stringify(callback())
    const headers = signed(body, { id: 'msg_storm' })
    const answers = await Promise.all(Array.from({ length: 20 }, async () => await post(`/hooks/${code}`, body, headers)))
    assert.deepEqual(answers.map(a => a.status).sort(), [202, ...Array(19).fill(200)].sort())
    assert.equal(answers.filter(a => a.json.status === 'accepted').length, 1)
    assert.equal((await inboundJobs()).filter(j => j.data.message.id === 'msg_storm').length, 1)
  })

  it('answers a burst of distinct callbacks only after their messages are committed', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `msg_burst_${i}`)
    const answers = await Promise.all(ids.map(async id => {
      const body = JSON.stringify(callback({ correlation_id: id }))
      return await post(`/hooks/${code}`, body, signed(body, { id }))
    }))
    assert.ok(answers.every(a => a.status === 202))
    const stored = new Set((await inboundJobs()).map(j => j.data.message.id))
    assert.ok(ids.every(id => stored.has(id)), 'every 202 has its job')
  })

  it('rejects what it cannot trust or read, and stores nothing', async () => {
    const body = JSON.stringify(callback())
    const before = (await inboundJobs()).length
    const cases: Array<[string, string, string, Record<string, string>, number, string]> = [
      ['unsigned', `/hooks/${code}`, body, { 'content-type': 'application/json' }, 401, 'invalid_signature'],
      ['wrong key', `/hooks/${code}`, body, signed(body, { key: newSecret() }), 401, 'invalid_signature'],
      ['tampered body', `/hooks/${code}`, body.replace('PACKED', 'SHIPPED'), signed(body), 401, 'invalid_signature'],
      ['timestamp 10 minutes old (replay)', `/hooks/${code}`, body, signed(body, { at: new Date(Date.now() - 600_000) }), 401, 'invalid_signature'],
      ['timestamp in the future', `/hooks/${code}`, body, signed(body, { at: new Date(Date.now() + 600_000) }), 401, 'invalid_signature'],
      // standardwebhooks reads the timestamp with parseInt, which stops at the first non-digit: the
      // signature (computed over the digits) would match although the header is not what was signed
      ['timestamp with trailing junk', `/hooks/${code}`, body, withTimestamp(signed(body), ts => `${ts}junk`), 401, 'invalid_signature'],
      ['timestamp with a fraction', `/hooks/${code}`, body, withTimestamp(signed(body), ts => `${ts}.9`), 401, 'invalid_signature'],
      ['timestamp with a sign', `/hooks/${code}`, body, withTimestamp(signed(body), ts => `+${ts}`), 401, 'invalid_signature'],
      ['malformed JSON, validly signed', `/hooks/${code}`, '{"event_type":', signed('{"event_type":'), 400, 'malformed_json'],
      ['not a WMS callback', `/hooks/${code}`, '{"hello":1}', signed('{"hello":1}'), 400, 'malformed_message'],
      ['bad client_reference', `/hooks/${code}`, JSON.stringify(callback({ client_reference: 'res.partner/1' })), signed(JSON.stringify(callback({ client_reference: 'res.partner/1' }))), 400, 'malformed_message'],
      ['unknown connector', '/hooks/nope', body, signed(body), 404, 'unknown_connector']
    ]
    for (const [name, path, payload, headers, status, error] of cases) {
      const res = await post(path, payload, headers)
      assert.equal(res.status, status, name)
      assert.equal(res.json.error, error, name)
    }
    const huge = JSON.stringify(callback({ items: Array.from({ length: 200 }, (_, i) => ({ line_ref: String(i), sku: 'X'.repeat(20), quantity: 1 })) }))
    const tooBig = await post(`/hooks/${code}`, huge, signed(huge))
    assert.equal(tooBig.status, 413, 'oversized body')
    assert.equal((await inboundJobs()).length, before)
  })

  it('refuses hooks for an archived connector', async () => {
    const archived = await insertConnector(db.pool, { adapter: 'wms', secret, active: false })
    const body = JSON.stringify(callback())
    const res = await post(`/hooks/${archived.code}`, body, signed(body))
    assert.equal(res.status, 404)
  })

  it('serves health, readiness (Odoo down -> 503) and metrics', async () => {
    assert.equal((await request(`${sidecar.url}/healthz`)).statusCode, 200)
    const ready = await request(`${sidecar.url}/readyz`)
    assert.equal(ready.statusCode, 503)
    assert.deepEqual(await ready.body.json(), { status: 'not_ready', postgres: 'ok', odoo: 'down' })
    const metrics = await (await request(`${sidecar.url}/metrics`)).body.text()
    assert.match(metrics, /hub_inbound_total\{connector="[^"]+",outcome="duplicate"\} 20/)
    assert.match(metrics, /hub_inbound_total\{connector="[^"]+",outcome="bad_signature"\} 8/)
  })
})
