import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { request } from 'undici'
import { WmsSimulator } from '../../sidecar/simulators/wms/server.ts'
import { insertConnector } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'

describe('POST /admin/connectors/:code/test', () => {
  let db: TestDatabase
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const wms = new WmsSimulator()
  const token = 'admin-token-for-tests-0123456789'

  before(async () => {
    db = await createTestDatabase()
    sidecar = await startSidecar(db.url, { HUB_ADMIN_TOKEN: token })
    await insertConnector(db.pool, { code: 'wms-up', adapter: 'wms', base_url: await wms.start() })
    await insertConnector(db.pool, { code: 'wms-down', adapter: 'wms', base_url: 'http://127.0.0.1:9/' })
  })
  after(async () => { await sidecar.stop(); await wms.stop(); await db.drop() })

  async function test (code: string, auth = `Bearer ${token}`) {
    const res = await request(`${sidecar.url}/admin/connectors/${code}/test`, { method: 'POST', headers: { authorization: auth } })
    return { status: res.statusCode, json: await res.body.json() as any }
  }

  it('reports a reachable partner with its status and latency', async () => {
    const { status, json } = await test('wms-up')
    assert.equal(status, 200)
    assert.equal(json.ok, true)
    assert.equal(json.status, 404)
    assert.equal(typeof json.latency_ms, 'number')
  })

  it('reports an unreachable partner without failing the request', async () => {
    const { status, json } = await test('wms-down')
    assert.equal(status, 200)
    assert.equal(json.ok, false)
    assert.match(json.message, /unreachable/)
  })

  it('refuses a wrong or missing token and unknown connectors', async () => {
    assert.equal((await test('wms-up', 'Bearer nope')).status, 401)
    assert.equal((await test('wms-up', '')).status, 401)
    assert.equal((await test('nope')).status, 404)
  })
})
