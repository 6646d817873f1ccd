import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'
import { QUEUES } from '../../sidecar/src/queues.ts'
import { insertConnector, jobsIn, newSecret, signedHeaders } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'

/** Hostile input against the HTTP face: the service refuses it, stores nothing and stays up. */
describe('hardening', () => {
  let db: TestDatabase
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const secret = newSecret()
  let code: string

  before(async () => {
    db = await createTestDatabase()
    sidecar = await startSidecar(db.url, { HUB_REQUEST_TIMEOUT_MS: '1000', HUB_WORKER_POLL_SECONDS: '30' })
    code = (await insertConnector(db.pool, { adapter: 'wms', kind: 'wms', secret })).code
  })
  after(async () => { await sidecar.stop(); await db.drop() })

  const healthy = async () => (await request(`${sidecar.url}/healthz`)).statusCode === 200

  it('cuts off a client that dribbles its request (slowloris) and keeps serving others', async () => {
    const { port } = new URL(sidecar.url)
    const socket = connect(Number(port), '127.0.0.1')
    let closedAt = 0
    const answered: Buffer[] = []
    socket.on('data', chunk => answered.push(chunk))
    socket.on('close', () => { closedAt = Date.now() })
    socket.on('error', () => {})
    const started = Date.now()
    socket.write(`POST /hooks/${code} HTTP/1.1\r\nHost: x\r\n`)
    for (let i = 0; i < 30 && !closedAt; i++) {
      socket.write(`X-Slow-${i}: a\r\n`)
      assert.ok(await healthy(), 'other clients are served meanwhile')
      await sleep(150)
    }
    assert.ok(closedAt > 0, 'the slow connection was closed')
    assert.ok(closedAt - started < 4000, `closed after ${closedAt - started} ms`)
    assert.match(Buffer.concat(answered).toString(), /^HTTP\/1\.1 408/)
  })

  it('treats injection attempts in paths and payloads as plain data', async () => {
    const evil = `x'; DROP TABLE hub_event; --`
    const res = await request(`${sidecar.url}/hooks/${encodeURIComponent(evil)}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
    assert.equal(res.statusCode, 404)
    const body = JSON.stringify({
      event_type: 'PACKED', fulfilment_id: "FUL-1'); DELETE FROM hub_event; --", client_reference: 'stock.picking/1',
      correlation_id: '$eval("process.exit(1)")', items: [{ line_ref: '1', sku: '{"$where": "1==1"}', quantity: 1 }]
    })
    const accepted = await request(`${sidecar.url}/hooks/${code}`, { method: 'POST', body, headers: signedHeaders(secret, body) })
    assert.equal(accepted.statusCode, 202)
    const [job] = await jobsIn(db.pool, QUEUES.inbound)
    assert.equal(job!.data.message.data.external_ref, "FUL-1'); DELETE FROM hub_event; --")
    assert.equal(job!.data.message.correlation_id, '$eval("process.exit(1)")')
    const { rows } = await db.pool.query("SELECT to_regclass('hub_event') IS NOT NULL AS present")
    assert.equal(rows[0].present, true)
    assert.ok(await healthy())
  })
})
