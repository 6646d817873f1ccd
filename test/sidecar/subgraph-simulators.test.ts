import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { type DocumentNode, parse } from 'graphql'
import { SignJWT } from 'jose'
import { CustomsSimulator } from '../../sidecar/simulators/customs/server.ts'
import { TmsSimulator } from '../../sidecar/simulators/tms/server.ts'
import { tmsSubgraphSdl } from '../../sidecar/simulators/tms/subgraph.ts'

// The partner subgraphs the hub's federation gateway composes, tested as a gateway meets them: over HTTP.

interface ComposeResult { errors?: Array<{ message: string, extensions?: { code?: unknown } }>, publicSdl?: string }
type ComposeServices = (services: Array<{ name: string, typeDefs: DocumentNode, url?: string }>) => ComposeResult
// the package is the gateway's to install; a name in a variable keeps tsc from needing it before then
const compositionPackage = '@theguild/federation-composition'
const composeServices: ComposeServices | null = await import(compositionPackage).then(m => m.composeServices as ComposeServices, () => null)

/** A stand-in for the hub's own Odoo subgraph: only what the partner subgraphs meet. */
const HUB_SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Shipment @key(fields: "id") @key(fields: "trackingNumber") {
  id: ID!
  trackingNumber: String
  state: String
  shippedAt: DateTime
}

scalar DateTime

type Query {
  shipment(id: ID!): Shipment
}
`

const API_KEY = 'tms-key'
const CLAIM_SECRET = 'claim-secret-0123456789abcdef0123'
const SHIPMENT_FIELDS = '... on Shipment { trackingNumber vehicle { plate driver kind } position { lat lon at } eta }'
const ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ${SHIPMENT_FIELDS} } }`

async function gql (url: string, query: string, variables?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) })
  return { status: res.status, body: await res.json() as { data?: any, errors?: Array<{ message: string }> } }
}

const claim = (payload: Record<string, unknown>, { secret = CLAIM_SECRET, expires = '5m' }: { secret?: string, expires?: string | number } = {}) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expires).sign(new TextEncoder().encode(secret))

const shipment = (trackingNumber: string) => ({ __typename: 'Shipment', trackingNumber })

describe('TMS fleet subgraph', () => {
  const tms = new TmsSimulator({ apiKey: API_KEY, claimSecret: CLAIM_SECRET, plannedKm: 90 })
  let url: string
  const auth = { authorization: `Bearer ${API_KEY}` }

  before(async () => {
    url = await tms.start()
    for (const ref of ['S1', 'S2', 'S3', 'S4']) {
      const res = await fetch(`${url}/transport-orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ orderRef: ref, delivery: { city: 'Ghent', zip: '9000' } }) })
      assert.equal(res.status, 201)
    }
    await tms.report('TMS-00002', ['DEPARTED', 'DELAYED'])
  })
  after(() => tms.stop())
  beforeEach(() => { tms.subgraph.faults.reset(); tms.subgraph.clearCalls(); tms.subgraph.useVariant('normal') })

  it('serves its SDL as written through _service', async () => {
    const { status, body } = await gql(url, '{ _service { sdl } }', undefined, auth)
    assert.equal(status, 200)
    assert.equal(body.data._service.sdl, tmsSubgraphSdl('normal'))
    assert.match(body.data._service.sdl, /@link\(url: "https:\/\/specs.apollo.dev\/federation\/v2.3", import: \["@key"\]\)/)
    assert.deepEqual(tms.subgraph.calls.map(c => [c.kind, c.authorization, c.status]), [['service', `Bearer ${API_KEY}`, 200]])
  })

  it('resolves a batch of representations in one call, unknown tracking numbers as null', async () => {
    const reps = [shipment('TMS-00001'), shipment('NOPE-1'), shipment('TMS-00002'), shipment('TMS-00004')]
    const { status, body } = await gql(url, ENTITIES, { representations: reps }, auth)
    assert.equal(status, 200)
    assert.equal(body.errors, undefined)
    const [first, unknown, second, fourth] = body.data._entities
    assert.deepEqual(first, {
      trackingNumber: 'TMS-00001', vehicle: { plate: 'NL-1-TR', driver: 'Jan de Vries', kind: 'truck' },
      position: { lat: 51.2319, lon: 4.42, at: '2026-11-25T06:00:00.000Z' }, eta: '2026-11-25T07:30:00.000Z'
    })
    assert.equal(unknown, null)
    // the reported delay (45 min) moves the ETA; the position is dated by the last milestone
    assert.equal(second.eta, '2026-11-25T08:15:00.000Z')
    assert.equal(second.position.at, '2026-11-25T06:01:00.000Z')
    assert.equal(fourth.vehicle.plate, 'NL-1-TR') // job 4 rides the first of three vehicles again
    assert.equal(tms.subgraph.calls.length, 1)
    assert.deepEqual(tms.subgraph.calls[0]!.kind, 'entities')
    assert.deepEqual(tms.subgraph.calls[0]!.representations, reps)
  })

  it('answers the vehicles root field', async () => {
    const { body } = await gql(url, '{ vehicles { plate kind } }', undefined, auth)
    assert.deepEqual(body.data.vehicles.map((v: { plate: string }) => v.plate), ['NL-1-TR', 'NL-2-TR', 'NL-3-TR'])
    assert.equal(tms.subgraph.calls[0]!.kind, 'query')
  })

  it('refuses a missing or wrong API key with 401', async () => {
    assert.equal((await gql(url, '{ _service { sdl } }')).status, 401)
    const wrong = await gql(url, '{ _service { sdl } }', undefined, { authorization: 'Bearer nope' })
    assert.equal(wrong.status, 401)
    assert.equal(wrong.body.errors?.[0]?.message, 'bad api key')
    assert.deepEqual(tms.subgraph.calls.map(c => [c.authorization, c.status]), [[null, 401], ['Bearer nope', 401]])
  })

  it('verifies the caller claim: valid ones reach the resolvers, forged or expired ones are 401', async () => {
    const seen = tms.subgraph.claimsSeen.length
    const good = await claim({ sub: 'partner-7', scope: 'shipments:read' })
    const ok = await gql(url, '{ vehicles { plate } }', undefined, { ...auth, 'x-hub-caller': good })
    assert.equal(ok.status, 200)
    assert.equal(tms.subgraph.calls[0]!.claim?.sub, 'partner-7')
    assert.deepEqual(tms.subgraph.claimsSeen.slice(seen).map(s => [s.field, s.claim.scope]), [['vehicles', 'shipments:read']])
    await gql(url, ENTITIES, { representations: [shipment('TMS-00001')] }, { ...auth, 'x-hub-caller': good })
    assert.deepEqual(tms.subgraph.claimsSeen.slice(seen).map(s => s.field), ['vehicles', '_entities'])

    const forged = await gql(url, '{ vehicles { plate } }', undefined, { ...auth, 'x-hub-caller': await claim({ sub: 'partner-7' }, { secret: 'another-secret-0123456789abcdef' }) })
    assert.equal(forged.status, 401)
    const expired = await gql(url, '{ vehicles { plate } }', undefined, { ...auth, 'x-hub-caller': await claim({ sub: 'partner-7' }, { expires: Math.floor(Date.now() / 1000) - 60 }) })
    assert.equal(expired.status, 401)
    assert.equal((await gql(url, '{ vehicles { plate } }', undefined, { ...auth, 'x-hub-caller': 'not-a-jwt' })).status, 401)
    // no claim at all is allowed: the resolvers see null
    const none = await gql(url, '{ vehicles { plate } }', undefined, auth)
    assert.equal(none.status, 200)
    assert.equal(tms.subgraph.calls.at(-1)!.claim, null)
  })

  it('injects faults on /graphql only: failure status, latency, a request never answered', async () => {
    tms.subgraph.faults.set({ failNext: 1 })
    const failed = await gql(url, ENTITIES, { representations: [shipment('TMS-00001')] }, auth)
    assert.equal(failed.status, 500)
    // the REST API is not affected by the subgraph's faults
    assert.equal((await fetch(`${url}/ping`, { headers: auth })).status, 200)

    tms.subgraph.faults.set({ latencyMs: 150 })
    const started = Date.now()
    assert.equal((await gql(url, '{ _service { sdl } }', undefined, auth)).status, 200)
    assert.ok(Date.now() - started >= 140, `answered after ${Date.now() - started} ms`)

    tms.subgraph.faults.set({ latencyMs: 0, timeoutNext: 1 })
    const hung = fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ query: '{ _service { sdl } }' }), signal: AbortSignal.timeout(200) })
    await assert.rejects(hung, /abort|timeout/i)
    assert.deepEqual(tms.subgraph.calls.map(c => [c.kind, c.status]), [['entities', 500], ['service', 200], ['service', 'hang']])
    assert.deepEqual(tms.subgraph.calls[0]!.representations, [shipment('TMS-00001')]) // refused, still recorded
  })

  it('switches SDL variants at runtime, also through /_sim/subgraph', async () => {
    tms.subgraph.useVariant('extended')
    const extended = await gql(url, '{ _service { sdl } vehicles { plate capacityKg } }', undefined, auth)
    assert.match(extended.body.data._service.sdl, /capacityKg: Float/)
    assert.equal(extended.body.data.vehicles[0].capacityKg, 24000)

    const res = await fetch(`${url}/_sim/subgraph`, { method: 'POST', body: JSON.stringify({ variant: 'conflicting' }) })
    assert.equal((await res.json() as { variant: string }).variant, 'conflicting')
    const conflicting = await gql(url, '{ _service { sdl } }', undefined, auth)
    assert.match(conflicting.body.data._service.sdl, /trackingNumber: Int!/)
    assert.throws(() => tms.subgraph.useVariant('other' as never), /unknown TMS subgraph variant/)
  })
})

describe('customs broker subgraph', () => {
  const customs = new CustomsSimulator({ apiKey: 'customs-key', claimSecret: CLAIM_SECRET, claimAudience: 'customs-broker' })
  let url: string
  const auth = { authorization: 'Bearer customs-key' }
  const CUSTOMS = 'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Shipment { trackingNumber customs { status declarationId clearedAt holdReason } } } }'

  before(async () => { url = await customs.start() })
  after(() => customs.stop())

  it('resolves declarations in one batch; a shipment without one has customs null', async () => {
    customs.declare('TMS-00001', { status: 'cleared', at: new Date('2026-11-25T09:30:00Z') })
    customs.declare('1Z999', { status: 'held', holdReason: 'invoice missing' })
    customs.declare('1Z998', { status: 'pending' })
    customs.calls.length = 0
    const reps = [shipment('TMS-00001'), shipment('1Z999'), shipment('UNKNOWN'), shipment('1Z998')]
    const { status, body } = await gql(url, CUSTOMS, { representations: reps }, auth)
    assert.equal(status, 200)
    assert.deepEqual(body.data._entities, [
      { trackingNumber: 'TMS-00001', customs: { status: 'cleared', declarationId: 'DEC-2026-00001', clearedAt: '2026-11-25T09:30:00.000Z', holdReason: null } },
      { trackingNumber: '1Z999', customs: { status: 'held', declarationId: 'DEC-2026-00002', clearedAt: null, holdReason: 'invoice missing' } },
      { trackingNumber: 'UNKNOWN', customs: null },
      { trackingNumber: '1Z998', customs: { status: 'pending', declarationId: 'DEC-2026-00003', clearedAt: null, holdReason: null } }
    ])
    assert.deepEqual(customs.calls.map(c => [c.kind, c.representations]), [['entities', reps]])
    assert.equal((await gql(url, '{ declarationsPending }', undefined, auth)).body.data.declarationsPending, 1)
    // an update keeps the declaration id
    assert.equal(customs.declare('1Z998', { status: 'cleared' }).declarationId, 'DEC-2026-00003')
    assert.equal((await gql(url, '{ declarationsPending }', undefined, auth)).body.data.declarationsPending, 0)
  })

  it('serves its SDL, checks key and claim, and takes faults and declarations over /_sim', async () => {
    const sdl = (await gql(url, '{ _service { sdl } }', undefined, auth)).body.data._service.sdl as string
    assert.match(sdl, /type Shipment @key\(fields: "trackingNumber"\)/)
    assert.equal((await gql(url, '{ declarationsPending }')).status, 401)
    assert.equal((await gql(url, '{ declarationsPending }', undefined, { ...auth, 'x-hub-caller': 'x.y.z' })).status, 401)
    // a claim the hub signed for another subgraph (audience) is refused like a forged one
    assert.equal((await gql(url, '{ declarationsPending }', undefined, { ...auth, 'x-hub-caller': await claim({ sub: 'hub', aud: 'tms' }) })).status, 401)
    assert.equal((await gql(url, '{ declarationsPending }', undefined, { ...auth, 'x-hub-caller': await claim({ sub: 'hub', aud: 'customs-broker' }) })).status, 200)
    assert.equal(customs.calls.at(-1)!.claim?.sub, 'hub')

    await fetch(`${url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ failNext: 1, failStatus: 503 }) })
    assert.equal((await gql(url, '{ declarationsPending }', undefined, auth)).status, 503)
    const filed = await fetch(`${url}/_sim/declarations`, { method: 'POST', body: JSON.stringify({ trackingNumber: 'X1', status: 'held', holdReason: 'inspection' }) })
    assert.equal((await filed.json() as { holdReason: string }).holdReason, 'inspection')
  })
})

describe('composition with the hub subgraph', () => {
  const tms = new TmsSimulator({ apiKey: API_KEY })
  const customs = new CustomsSimulator()
  const urls = { tms: '', customs: '' }
  const sdlOf = async (url: string, headers: Record<string, string> = {}) => parse((await gql(url, '{ _service { sdl } }', undefined, headers)).body.data._service.sdl as string)
  const compose = async () => composeServices!([
    { name: 'hub', typeDefs: parse(HUB_SDL) },
    { name: 'tms', typeDefs: await sdlOf(urls.tms, { authorization: `Bearer ${API_KEY}` }) },
    { name: 'customs', typeDefs: await sdlOf(urls.customs) }
  ])
  const skip = composeServices ? false : `${compositionPackage} is not installed`

  before(async () => { urls.tms = await tms.start(); urls.customs = await customs.start() })
  after(async () => { await tms.stop(); await customs.stop() })

  it('composes the served SDLs; a compatible addition still composes', { skip }, async () => {
    const normal = await compose()
    assert.equal(normal.errors, undefined, JSON.stringify(normal.errors))
    assert.match(normal.publicSdl!, /vehicle: Vehicle/)
    assert.match(normal.publicSdl!, /customs: CustomsStatus/)
    tms.subgraph.useVariant('extended')
    const extended = await compose()
    assert.equal(extended.errors, undefined, JSON.stringify(extended.errors))
    assert.match(extended.publicSdl!, /capacityKg: Float/)
  })

  it('fails composition when the TMS changes the key field type', { skip }, async () => {
    tms.subgraph.useVariant('conflicting')
    const result = await compose()
    assert.ok(result.errors?.length, 'composition should fail')
    assert.ok(result.errors.some(e => e.extensions?.code === 'FIELD_TYPE_MISMATCH' && /Shipment\.trackingNumber/.test(e.message)), JSON.stringify(result.errors))
  })
})
