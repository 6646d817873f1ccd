import assert from 'node:assert/strict'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { needsBaseUrl } from '../../sidecar/src/adapters/manifest.ts'
import { ADAPTER_MANIFESTS, CARRIER_ADAPTERS, adapterFor, carrierAdapterFor } from '../../sidecar/src/adapters/registry.ts'
import type { Connector, DeliveryContext, Envelope } from '../../sidecar/src/adapters/types.ts'
import { fetchWarehouseAvailable } from '../../sidecar/src/adapters/wms/stock.ts'
import { PermanentError, RetryableError } from '../../sidecar/src/errors.ts'
import { BreakerRegistry } from '../../sidecar/src/shipping/breakers.ts'

/**
 * One failure policy for every adapter (adapters/partner-call.ts): each adapter the registry knows is run
 * through the same cases against a real local HTTP server that answers every request with the case's
 * answer. Asserted: retryable or permanent, the Retry-After carried, and that the message names the
 * connector (it reaches Odoo's sync status as is).
 */

type Answer = (req: IncomingMessage, res: ServerResponse) => void
type Expect = { kind: 'retryable', retryAfter?: [number, number] } | { kind: 'permanent' } | { kind: 'delivered' }
interface Case {
  name: string
  /** what the partner does; 'refused' and the base URL cases never reach it */
  answer: Answer | 'refused' | 'hang' | { baseUrl: string | null }
  expect: Expect
  /** the case is a 2xx whose body the adapter must read */
  bodyRequired?: boolean
}

const status = (code: number, headers: Record<string, string> = {}, body = `{"error":"case ${code}"}`): Answer => (_req, res) => {
  res.writeHead(code, { 'content-type': 'application/json', ...headers }).end(body)
}
const retryable = (retryAfter?: [number, number]): Expect => ({ kind: 'retryable', retryAfter })
const permanent: Expect = { kind: 'permanent' }

const CASES: Case[] = [
  { name: 'HTTP 500', answer: status(500), expect: retryable() },
  { name: 'HTTP 502', answer: status(502), expect: retryable() },
  { name: 'HTTP 503 with Retry-After in seconds', answer: status(503, { 'retry-after': '7' }), expect: retryable([7, 7]) },
  // an HTTP date an hour ahead: the range absorbs the date's one-second resolution, not a wait
  { name: 'HTTP 503 with Retry-After as an HTTP date', answer: (req, res) => { status(503, { 'retry-after': new Date(Date.now() + 3600_000).toUTCString() })(req, res) }, expect: retryable([3598, 3601]) },
  { name: 'HTTP 429 with Retry-After', answer: status(429, { 'retry-after': '3' }), expect: retryable([3, 3]) },
  { name: 'HTTP 429 without Retry-After', answer: status(429), expect: retryable() },
  { name: 'HTTP 408', answer: status(408), expect: retryable() },
  { name: 'HTTP 425', answer: status(425), expect: retryable() },
  { name: 'HTTP 400', answer: status(400, { 'retry-after': '5' }), expect: permanent },
  { name: 'HTTP 401', answer: status(401), expect: permanent },
  { name: 'HTTP 404', answer: status(404), expect: permanent },
  { name: 'HTTP 422', answer: status(422), expect: permanent },
  { name: 'HTTP 302 (redirects are not followed)', answer: status(302, { location: 'http://127.0.0.1:1/' }, ''), expect: permanent },
  { name: '2xx with a body that is not JSON', answer: (_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }).end('<html>accepted</html>') }, expect: retryable(), bodyRequired: true },
  { name: '2xx with an empty body', answer: (_req, res) => { res.writeHead(200).end() }, expect: retryable(), bodyRequired: true },
  { name: 'connection refused', answer: 'refused', expect: retryable() },
  { name: 'timeout', answer: 'hang', expect: retryable() },
  { name: 'no base URL', answer: { baseUrl: null }, expect: permanent },
  { name: 'a base URL that is not a URL', answer: { baseUrl: 'not a url' }, expect: permanent }
]

/**
 * Adapters that read no answer body: any 2xx is the partner's acknowledgement (Standard Webhooks), so
 * the body cases are deliveries for them. Every other adapter needs the partner's answer.
 */
const READS_NO_ANSWER = new Set(['webhook'])

/** One server for every case; the case in play is swapped between runs (cases run one at a time). */
class PartnerServer {
  answer: Answer = status(500)
  #server: Server = createServer((req, res) => { req.resume(); req.on('end', () => { this.hang ? this.#held.push(res) : this.answer(req, res) }) })
  #sockets = new Set<Socket>()
  #held: ServerResponse[] = []
  hang = false
  url = ''

  async start (): Promise<void> {
    this.#server.on('connection', s => { this.#sockets.add(s); s.on('close', () => this.#sockets.delete(s)) })
    await new Promise<void>(resolve => this.#server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  async stop (): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    await new Promise(resolve => this.#server.close(resolve))
  }
}

/** A port nothing listens on: bound, then released. */
async function refusedUrl (): Promise<string> {
  const srv = createServer()
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  const { port } = srv.address() as AddressInfo
  await new Promise(resolve => srv.close(resolve))
  return `http://127.0.0.1:${port}`
}

const picking = {
  id: 12, name: 'WH/OUT/00012', origin: 'S00012', scheduled_date: '2026-11-24',
  weight: 2.5,
  partner: { name: 'Azure Interior', street: '4557 De Silva St', city: 'Fremont', zip: '94538', country_code: 'US' },
  lines: [{ move_id: 1, sku: 'FURN_0001', product: 'Desk', quantity: 1, uom: 'Units' }]
}
const envelope: Envelope = { id: 'evt-fail-1', type: 'picking.ready', occurred_at: '2026-11-23T16:00:00Z', correlation_id: 'corr-fail', source: { model: 'stock.picking', id: 12 }, data: { picking } }

/** a Standard Webhooks key (signed adapters) that is as good a bearer API key for the others */
const SECRET = `whsec_${Buffer.from('adapter-failures-test-key-32byte').toString('base64')}`

function connectorFor (adapter: string, baseUrl: string | null, id: number): Connector {
  return {
    id, code: `t-${adapter}`, name: `Partner ${adapter}`, kind: 'test', adapter, base_url: baseUrl, secret: SECRET, previous_secret: null,
    active: true, timeout: 0.5, rate_limit: 0, max_attempts: 3, retry_delay: 0, retry_backoff: false, sync_mode: 'realtime', batch_interval: 15,
    // the REST partner reads its reference from the answer, so a body is required of it as of the others
    rest_mapping: adapter === 'rest' ? '{ "path": "orders", "request": "$", "reference": "id" }' : null
  }
}

/** Outcome of one call, for comparing with the expectation. */
async function outcome (call: () => Promise<unknown>): Promise<{ kind: string, retryAfter?: number, message: string }> {
  try {
    await call()
    return { kind: 'delivered', message: '' }
  } catch (err) {
    if (err instanceof RetryableError) return { kind: 'retryable', retryAfter: err.retryAfterSeconds, message: err.message }
    if (err instanceof PermanentError) return { kind: 'permanent', message: err.message }
    return { kind: `unclassified ${(err as Error).name}`, message: String(err) }
  }
}

function check (got: Awaited<ReturnType<typeof outcome>>, want: Expect, named: string[]): void {
  assert.equal(got.kind, want.kind, got.message)
  if (want.kind === 'retryable') {
    if (want.retryAfter) {
      assert.ok(got.retryAfter !== undefined && got.retryAfter >= want.retryAfter[0] && got.retryAfter <= want.retryAfter[1], `retryAfterSeconds ${got.retryAfter} not in ${want.retryAfter.join('..')}: ${got.message}`)
    } else {
      assert.equal(got.retryAfter, undefined, got.message)
    }
  }
  if (want.kind !== 'delivered') for (const code of named) assert.ok(got.message.includes(code), `message does not name ${code}: ${got.message}`)
}

const server = new PartnerServer()
let refused = ''
before(async () => { await server.start(); refused = await refusedUrl() })
after(async () => { await server.stop() })

/** Points the server and the base URL at the case. */
function arrange (c: Case): string | null {
  server.hang = c.answer === 'hang'
  if (typeof c.answer === 'function') server.answer = c.answer
  if (c.answer === 'refused') return refused
  if (typeof c.answer === 'object') return c.answer.baseUrl
  return server.url
}

describe('every adapter in the registry follows the one failure policy', () => {
  it('the registry lists adapters, carriers among them', () => {
    assert.ok(ADAPTER_MANIFESTS.length >= 5)
    assert.ok(CARRIER_ADAPTERS.length >= 2)
  })

  // a GraphQL subgraph takes no events: the gateway queries it (test/sidecar/federation.test.ts)
  for (const manifest of ADAPTER_MANIFESTS.filter(m => m.capabilities.includes('deliver'))) {
    describe(`adapter ${manifest.name}`, () => {
      for (const c of CASES) {
        it(c.name, async () => {
          const baseUrl = arrange(c)
          const adapter = adapterFor(manifest.name)!
          const connector = connectorFor(manifest.name, needsBaseUrl(manifest) ? baseUrl : null, 1)
          // an adapter without a base URL of its own (rate shopping) calls through every carrier connector
          const carriers = CARRIER_ADAPTERS.map((name, i) => ({ connector: connectorFor(name, baseUrl, 10 + i), adapter: carrierAdapterFor(name)! }))
          const context: DeliveryContext = {
            carriers: async () => carriers,
            carrierRule: async () => 'cheapest',
            // fresh and wide: no circuit opens between cases, so each case meets the partner itself
            breakers: new BreakerRegistry({ errorThresholdPercentage: 100, volumeThreshold: 1000, resetTimeoutMs: 60_000, rollingWindowMs: 60_000 })
          }
          const want = c.bodyRequired && READS_NO_ANSWER.has(manifest.name) ? { kind: 'delivered' as const } : c.expect
          const named = needsBaseUrl(manifest) ? [connector.code] : carriers.map(k => k.connector.code)
          check(await outcome(async () => await adapter.deliver(envelope, connector, context)), want, named)
        })
      }
    })
  }

  it('a secret that cannot sign is a setting to fix, not an outage', async () => {
    server.hang = false
    server.answer = status(200, {}, '{}')
    const connector = { ...connectorFor('webhook', server.url, 1), secret: 'not a Standard Webhooks key' }
    const context = { carriers: async () => [], carrierRule: async () => 'cheapest' as const, breakers: new BreakerRegistry({ errorThresholdPercentage: 100, volumeThreshold: 1000, resetTimeoutMs: 60_000, rollingWindowMs: 60_000 }) }
    check(await outcome(async () => await adapterFor('webhook')!.deliver(envelope, connector, context)), permanent, [connector.code])
  })

  for (const name of CARRIER_ADAPTERS) {
    describe(`carrier ${name}: tracking pull`, () => {
      for (const c of CASES) {
        it(c.name, async () => {
          const connector = connectorFor(name, arrange(c), 1)
          check(await outcome(async () => await carrierAdapterFor(name)!.track('TRK-1', connector)), c.expect, [connector.code])
        })
      }
    })
  }

  // the gateway's live warehouse stock; 404 is its answer "this SKU is unknown here: none available"
  describe('WMS live stock', () => {
    for (const c of CASES.filter(k => k.name !== 'HTTP 404')) {
      it(c.name, async () => {
        const connector = connectorFor('wms', arrange(c), 1)
        check(await outcome(async () => await fetchWarehouseAvailable(connector, 'FURN_0001', 500)), c.expect, [connector.code])
      })
    }
    it('HTTP 404 means none available', async () => {
      server.hang = false
      server.answer = status(404)
      assert.equal(await fetchWarehouseAvailable(connectorFor('wms', server.url, 1), 'FURN_0001', 500), 0)
    })
  })
})
