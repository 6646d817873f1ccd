import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { Writable } from 'node:stream'
import { Agent, request } from 'undici'
import { sourceKey } from '../../sidecar/src/auth/credential-guard.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { createApiClient } from '../support/gateway.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'

/**
 * Credential endpoints throttle failed attempts per source and per client
 * without locking out a working client; the admin API wants the Bearer scheme; secrets sent in a query
 * string never reach the log; /metrics is not public.
 */

/** A caller from its own loopback address (Linux routes all of 127/8 to lo): a distinct "source". */
const from = (address: string) => new Agent({ localAddress: address })

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

describe('credential endpoints, log redaction and /metrics access', () => {
  let db: TestDatabase
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const logs: string[] = []
  const adminToken = 'admin-token-for-tests-0123456789'
  const agents = new Map<string, Agent>()
  const agent = (address: string) => agents.get(address) ?? agents.set(address, from(address)).get(address)!

  before(async () => {
    db = await createTestDatabase()
    const sink = new Writable({ write (chunk, _enc, done) { logs.push(String(chunk)); done() } })
    sidecar = await startSidecar(db.url, { HUB_ADMIN_TOKEN: adminToken, HUB_AUTH_FAILURES_PER_SOURCE: '4', HUB_AUTH_FAILURES_PER_CLIENT: '6', HUB_WORKER_POLL_SECONDS: '30' },
      createLogger('info', sink))
  })
  after(async () => {
    await sidecar?.stop()
    await Promise.all([...agents.values()].map(async a => await a.close()))
    await db?.drop()
  })

  async function token (address: string, clientId: string, secret: string) {
    const res = await request(`${sidecar.url}/oauth/token`, {
      method: 'POST', dispatcher: agent(address), headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }).toString()
    })
    return { status: res.statusCode, retryAfter: res.headers['retry-after'], body: await res.body.json() as any }
  }
  async function admin (address: string, authorization: string) {
    const res = await request(`${sidecar.url}/admin/connectors/none/test`, { method: 'POST', dispatcher: agent(address), headers: { authorization } })
    return { status: res.statusCode, retryAfter: res.headers['retry-after'], body: await res.body.json() as any }
  }
  const metrics = async () => await (await request(`${sidecar.url}/metrics`)).body.text()

  it('throttles a source that keeps guessing secrets with 429 + Retry-After, while the client keeps working from its own address', async () => {
    const client = await createApiClient(db.pool, { partnerId: 42 })
    assert.equal((await token('127.0.0.1', client.clientId, client.secret)).status, 200)
    const answers = []
    for (let i = 0; i < 6; i++) answers.push(await token('127.0.0.2', client.clientId, `wrong-${i}`))
    assert.deepEqual(answers.map(a => a.status), [401, 401, 401, 401, 429, 429])
    assert.match(String(answers[4]!.retryAfter), /^[1-9]\d*$/)
    assert.equal(answers[4]!.body.error, 'too_many_requests')
    // even the right secret is refused from the throttled source: it is not checked at all
    assert.equal((await token('127.0.0.2', client.clientId, client.secret)).status, 429)
    assert.equal((await token('127.0.0.1', client.clientId, client.secret)).status, 200, 'the legitimate client is not locked out')
    const text = await metrics()
    assert.match(text, /hub_auth_throttled_total\{endpoint="oauth_token"\} 3/)
    assert.match(text, /hub_auth_failures_total\{endpoint="oauth_token"\} 4/)
  })

  it('throttles a guess spread over many sources at the client, except from sources the client authenticated from', async () => {
    const client = await createApiClient(db.pool, { partnerId: 43 })
    assert.equal((await token('127.0.0.1', client.clientId, client.secret)).status, 200)
    const statuses = []
    // three failures per source stay under the per-source limit; the client's budget (6) runs out
    for (const address of ['127.0.1.1', '127.0.1.2', '127.0.1.3']) {
      for (let i = 0; i < 3; i++) statuses.push((await token(address, client.clientId, `wrong-${i}`)).status)
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 429, 429, 429])
    const fresh = await token('127.0.1.4', client.clientId, client.secret)
    assert.equal(fresh.status, 429, 'an unfamiliar source may not try this client now')
    assert.ok(Number(fresh.retryAfter) > 0)
    assert.equal((await token('127.0.0.1', client.clientId, client.secret)).status, 200, 'its familiar source still gets tokens')
    const other = await createApiClient(db.pool, { partnerId: 44 })
    assert.equal((await token('127.0.1.4', other.clientId, other.secret)).status, 200, 'other clients are not affected')
  })

  it('counts an IPv6 caller by its /64, so rotating addresses inside it buys no fresh budget', () => {
    assert.equal(sourceKey('2001:db8:0:1::17'), '2001:db8:0:1::/64')
    assert.equal(sourceKey('2001:DB8:0000:0001:ffff:1:2:3'), '2001:db8:0:1::/64')
    assert.equal(sourceKey('2001:db8::1'), '2001:db8:0:0::/64')
    assert.equal(sourceKey('::1'), '0:0:0:0::/64')
    assert.equal(sourceKey('::ffff:203.0.113.7'), '203.0.113.7')
    assert.equal(sourceKey('203.0.113.7'), '203.0.113.7')
  })

  it('admin API: requires the Bearer scheme and throttles wrong tokens per source', async () => {
    assert.equal((await admin('127.0.0.1', adminToken)).status, 401, 'the bare token is not a Bearer credential')
    assert.equal((await admin('127.0.0.1', `Basic ${adminToken}`)).status, 401)
    assert.equal((await admin('127.0.0.1', `Bearer ${adminToken}`)).status, 404, 'accepted (no such connector)')
    const statuses = []
    for (let i = 0; i < 5; i++) statuses.push((await admin('127.0.2.1', `Bearer wrong-${i}`)))
    assert.deepEqual(statuses.map(s => s.status), [401, 401, 401, 401, 429])
    assert.ok(Number(statuses[4]!.retryAfter) > 0)
    assert.equal((await admin('127.0.0.1', `Bearer ${adminToken}`)).status, 404, 'Odoo, from its own address, still gets through')
    assert.match(await metrics(), /hub_auth_throttled_total\{endpoint="admin"\} 1/)
  })

  it('never logs a secret sent in a query string', async () => {
    const secrets = ['qs-secret-one-0001', 'qs-secret-two-0002', 'qs-secret-three-0003', 'qs-secret-four-0004']
    await request(`${sidecar.url}/oauth/token?client_id=x&client_secret=${secrets[0]}`, { method: 'POST', body: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    await request(`${sidecar.url}/healthz?token=${secrets[1]}&verbose=1`)
    await request(`${sidecar.url}/no-such-path?Password=${secrets[2]}`)
    await request(`${sidecar.url}/hooks/any?sig=${secrets[3]}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
    const text = logs.join('')
    assert.match(text, /"url":"\/oauth\/token\?\[redacted\]"/, 'the request was logged')
    assert.match(text, /"url":"\/healthz\?token=\[redacted\]&verbose=1"/, 'other parameters stay readable')
    for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} reached the log`)
  })

  it('serves /metrics to loopback callers only by default', async () => {
    assert.equal((await request(`${sidecar.url}/metrics`)).statusCode, 200)
    // the socket's own address decides; a forwarded-for header cannot make a remote caller local
    const remote = await sidecar.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.7', headers: { 'x-forwarded-for': '127.0.0.1' } })
    assert.equal(remote.statusCode, 403)
    assert.doesNotMatch(remote.body, /hub_/)
  })

  it('serves /metrics behind a token and on a separate port when configured', async () => {
    const metricsToken = 'metrics-token-0123456789'
    const port = await freePort()
    const other = await startSidecar(db.url, { HUB_METRICS_TOKEN: metricsToken, HUB_METRICS_PORT: String(port), HUB_WORKER_POLL_SECONDS: '30' })
    try {
      assert.equal((await request(`${other.url}/metrics`)).statusCode, 404, 'not on the main port')
      const bare = await request(`http://127.0.0.1:${port}/metrics`)
      assert.equal(bare.statusCode, 401)
      assert.match(String(bare.headers['www-authenticate']), /^Bearer/)
      const scraped = await request(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
      assert.equal(scraped.statusCode, 200)
      assert.match(await scraped.body.text(), /hub_events_relayed_total/)
    } finally { await other.stop() }
    const tokenOnly = await startSidecar(db.url, { HUB_METRICS_TOKEN: metricsToken, HUB_WORKER_POLL_SECONDS: '30' })
    try {
      const remote = await tokenOnly.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.7', headers: { authorization: `Bearer ${metricsToken}` } })
      assert.equal(remote.statusCode, 200, 'a remote scraper with the token is served')
      assert.equal((await request(`${tokenOnly.url}/metrics`)).statusCode, 401, 'with a token configured, loopback needs it too')
    } finally { await tokenOnly.stop() }
  })
})
