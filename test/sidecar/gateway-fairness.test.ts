import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { parse, type OperationDefinitionNode, type FragmentDefinitionNode, Kind } from 'graphql'
import { loadConfig } from '../../sidecar/src/config.ts'
import type { OdooKw } from '../../sidecar/src/odoo/reader.ts'
import { plannedBackendCalls } from '../../sidecar/src/gateway/planned-calls.ts'
import { buildGatewaySchema } from '../../sidecar/src/gateway/schema.ts'
import { type GatewayServer, type GqlAnswer, createApiClient, errorCodes, fetchToken, gql, startGateway, tokenFor } from '../support/gateway.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { waitFor } from '../support/wait.ts'

interface HeldCall { partner: number | null, model: string, release: () => void }

/**
 * The integration user's Odoo, instrumented: every execute_kw is held until the test releases it, and
 * calls are told apart by the partner clause the gateway ANDs into every domain (gateway/scope.ts).
 * Empty answers are enough: what is under test is when calls start, not what they return.
 */
class HoldingOdoo implements OdooKw {
  readonly started: HeldCall[] = []
  readonly held: HeldCall[] = []
  readonly maxInFlight = new Map<number | null, number>()
  /** set when the test ends: answer at once so no request is left hanging */
  passThrough = false

  inFlight (partner: number): number { return this.held.filter(c => c.partner === partner).length }

  async executeKw<T> (model: string, method: string, args: unknown[]): Promise<T> {
    const domain = (args[0] ?? []) as unknown[]
    const leaf = domain.find((l): l is [string, string, number] => Array.isArray(l) && l[1] === 'child_of')
    if (this.passThrough) return (method === 'search_count' ? 0 : []) as T
    return await new Promise<T>(resolve => {
      const call: HeldCall = {
        partner: leaf ? leaf[2] : null,
        model,
        release: () => { this.held.splice(this.held.indexOf(call), 1); resolve((method === 'search_count' ? 0 : []) as T) }
      }
      this.started.push(call)
      this.held.push(call)
      this.maxInFlight.set(call.partner, Math.max(this.maxInFlight.get(call.partner) ?? 0, this.inFlight(call.partner!)))
    })
  }
}

const A = 10
const B = 20
const PER_CALLER = 2
const aliasedOrders = (n: number): string => `{ ${Array.from({ length: n }, (_, i) => `o${i}: orders(first: 1) { nodes { number } }`).join(' ')} }`

/**
 * One client flooding the gateway within every limit must not set another client's latency.
 * Real PostgreSQL (API clients, tokens); Odoo is the holding stub above, so the order in which calls
 * reach Odoo is observed exactly, with no timing.
 */
describe('gateway fair use of Odoo between clients', () => {
  let db: TestDatabase
  let gw: GatewayServer
  const odoo = new HoldingOdoo()

  before(async () => {
    db = await createTestDatabase()
    // global cap = one client's budget: B can only start when a slot frees, so the test sees who gets it
    gw = await startGateway(db.url, { HUB_GATEWAY_ODOO_CONCURRENCY_PER_CALLER: String(PER_CALLER), HUB_GATEWAY_ODOO_CONCURRENCY: String(PER_CALLER) }, { odoo })
  })
  after(async () => { odoo.passThrough = true; for (const call of [...odoo.held]) call.release(); await gw?.stop(); await db?.drop() })

  it('keeps a flooding client within its budget and gives the next free slot to another client', async () => {
    const clientA = await createApiClient(db.pool, { partnerId: A })
    const clientB = await createApiClient(db.pool, { partnerId: B })
    const tokenA = await tokenFor(gw.url, clientA)
    const tokenB = await tokenFor(gw.url, clientB)
    const keyA = `client:${clientA.clientId}`
    const keyB = `client:${clientB.clientId}`

    const REQUESTS = 3
    const ALIASES = 6
    const floodA = Array.from({ length: REQUESTS }, async () => await gql(gw.url, tokenA, aliasedOrders(ALIASES)))
    // every one of A's calls is either at Odoo or waiting in A's queue
    await waitFor('all of A\'s calls to be issued', () => odoo.inFlight(A) + gw.gateway.backend.queued(keyA) === REQUESTS * ALIASES)
    assert.equal(odoo.inFlight(A), PER_CALLER, 'A has no more than its budget at Odoo')
    assert.equal(gw.gateway.backend.queued(keyA), REQUESTS * ALIASES - PER_CALLER)

    // the token endpoint never waits for Odoo slots
    const token = await fetchToken(gw.url, clientB.clientId, clientB.secret)
    assert.equal(token.status, 200)

    const answerB = gql(gw.url, tokenB, '{ order(id: "7") { number } }')
    await waitFor('B\'s call to be queued', () => gw.gateway.backend.queued(keyB) === 1)
    assert.equal(odoo.inFlight(B), 0, 'every slot is taken by A')

    odoo.held[0]!.release()
    await waitFor('a freed slot to be taken', () => odoo.started.length === PER_CALLER + 1)
    assert.equal(odoo.started.at(-1)!.partner, B, 'the freed slot goes to B, not to A\'s next queued call')
    assert.ok(gw.gateway.backend.queued(keyA) > 0, 'B started while A still had calls waiting')

    odoo.held.find(c => c.partner === B)!.release()
    const b: GqlAnswer = await answerB
    assert.equal(b.status, 200, JSON.stringify(b.body))

    // drain A one call at a time; the stub records A's most concurrent calls at Odoo
    const answersA = Promise.all(floodA)
    while (odoo.started.filter(c => c.partner === A).length < REQUESTS * ALIASES || odoo.held.length > 0) {
      await waitFor('A\'s next call', () => odoo.held.length > 0)
      odoo.held[0]!.release()
    }
    for (const answer of await answersA) assert.equal(answer.status, 200, JSON.stringify(answer.body))
    assert.equal(odoo.maxInFlight.get(A), PER_CALLER)
    assert.equal(gw.gateway.backend.inFlight(keyA), 0)
  })
})

describe('planned backend calls', () => {
  const schema = buildGatewaySchema()
  const plan = (source: string): number => {
    const doc = parse(source)
    const fragments = new Map(doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map(f => [f.name.value, f]))
    const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!
    return plannedBackendCalls({ schema, fragment: name => fragments.get(name) }, operation.selectionSet, schema.getQueryType()!)
  }

  it('counts each aliased root field and each nested model it reaches, fragments included, not rows or scalars', () => {
    assert.equal(plan('{ order(id: "1") { number status } }'), 1)
    assert.equal(plan('{ orders(first: 100) { nodes { number customer { name } lines { product { sku } } } pageInfo { hasNextPage } } }'), 4)
    assert.equal(plan(aliasedOrders(5)), 5)
    assert.equal(plan('query { a: orders { ...O } b: orders { ...O } } fragment O on OrderConnection { nodes { lines { product { sku } } } }'), 6)
  })

  it('lets every persisted operation through at the default limit', () => {
    const max = loadConfig({ DATABASE_URL: 'postgres://x', ODOO_URL: 'http://x', ODOO_DB: 'x', ODOO_USER: 'x', ODOO_PASSWORD: 'x' }).HUB_GATEWAY_MAX_BACKEND_CALLS
    const dir = new URL('../../graphql/persisted/', import.meta.url)
    for (const file of readdirSync(dir).filter(f => f.endsWith('.graphql'))) {
      assert.ok(plan(readFileSync(new URL(file, dir), 'utf8')) <= max, file)
    }
  })
})

describe('gateway refuses documents that plan too many backend calls', () => {
  let db: TestDatabase
  let gw: GatewayServer
  before(async () => {
    db = await createTestDatabase()
    gw = await startGateway(db.url, { HUB_GATEWAY_MAX_BACKEND_CALLS: '20' })
  })
  after(async () => { await gw?.stop(); await db?.drop() })

  it('answers 400 QUERY_TOO_COMPLEX for aliases x nested lists over the limit, before reading Odoo', async () => {
    const token = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: A }))
    // 7 aliases x (orders, lines, product) = 21 planned calls, each alias within the alias and cost limits
    const flood = `{ ${Array.from({ length: 7 }, (_, i) => `o${i}: orders(first: 5) { nodes { lines { product { sku } } } }`).join(' ')} }`
    const res = await gql(gw.url, token, flood)
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.deepEqual([...new Set(errorCodes(res))], ['QUERY_TOO_COMPLEX'])
    assert.match(JSON.stringify(res.body), /21 backend calls/)
    // one alias fewer is within the limit: it reaches the (down) Odoo instead of being refused
    const fine = await gql(gw.url, token, `{ ${Array.from({ length: 6 }, (_, i) => `o${i}: orders(first: 5) { nodes { lines { product { sku } } } }`).join(' ')} }`)
    assert.equal(fine.status, 200, JSON.stringify(fine.body))
  })
})
