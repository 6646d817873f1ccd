import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { request } from 'undici'
import type { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { CustomsSimulator } from '../../sidecar/simulators/customs/server.ts'
import type { SubgraphCall } from '../../sidecar/simulators/federated-subgraph.ts'
import { TmsSimulator } from '../../sidecar/simulators/tms/server.ts'
import { newSecret } from '../support/fixtures.ts'
import { CountingOdooClient, type GatewayServer, errorCodes, gql, odooApiClient, startGateway, tokenFor } from '../support/gateway.ts'
import { OdooServer, archiveAllConnectors, odooSpec } from '../support/odoo.ts'

const spec = odooSpec()
const ALL_SCOPES = 'orders:read shipments:read invoices:read inventory:read'
/** the connectors' timeout in Odoo (seconds): what a hanging subgraph may cost a query */
const SUBGRAPH_TIMEOUT_S = 1

/** The join the tests ask for: orders and shipments from Odoo, ETA and vehicle from the TMS, customs from the broker. */
const JOIN = '{ orders(first: 20) { nodes { number shipments { number trackingNumber eta vehicle { plate } customs { status holdReason } } } } }'

/**
 * The federation gateway over real Odoo 18: the TMS fleet subgraph and the customs broker subgraph are
 * connectors a Hub Manager creates through JSON-RPC (kind GraphQL Subgraph, base URL, secret, timeout),
 * composed with the hub's own graph. Asserted: the composition verdict read back from Odoo's connector
 * fields (composed; failed, naming the conflicting field, while the last good supergraph keeps serving;
 * composed again); a nested orders -> shipments query joined with both subgraphs by tracking number in one
 * batched entity fetch per subgraph (deliveries booked with the TMS, with a parcel carrier the TMS does not
 * know, and not booked yet); partner isolation of the keys sent; the connector's bearer and a caller claim
 * naming the caller's commercial partner; a TMS outage degrading to null fields with PARTNER_UNAVAILABLE
 * naming it within the connector's timeout, as ONE error however many rows it left empty; scopes and the exposure
 * policy on remote fields. Two companies, A and B; shipments are booked through the addon's own RPC
 * (hub_apply_results with details.shipment) with job ids the TMS simulator issued. What the subgraphs
 * received (requests, representations, bearer, verified claim) is read from the simulators' own call logs,
 * Odoo RPCs from a counting client, never from the gateway's own account.
 */
describe('federated partner gateway over real Odoo', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)' }, () => {
  let odoo: OdooServer
  let admin: OdooClient
  let counting: CountingOdooClient
  let gw: GatewayServer
  let tokenA: string
  let tokenB: string
  const run = Math.random().toString(36).slice(2, 7)
  const fleetCode = `fleet-${run}`
  const customsCode = `customs-${run}`
  const transportCode = `tms-${run}`
  const tmsKey = newSecret()
  const customsKey = newSecret()
  // each simulator checks the connector's bearer and verifies the hub's claim with the connector's secret, for its code
  const tms = new TmsSimulator({ apiKey: tmsKey, claimSecret: tmsKey, claimAudience: fleetCode })
  const customs = new CustomsSimulator({ apiKey: customsKey, claimSecret: customsKey, claimAudience: customsCode })
  let tmsBase = ''
  const ids = {} as { A: number, A1: number, B: number, B1: number, product: number, fleet: number, customs: number, transport: number, parcel: number, pickingB: number, hidden?: number }
  const parcelCode = `pf-${run}`
  /** order number -> its delivery's number and tracking number (null: not booked yet), and who booked it, per company */
  type Booking = { picking: string, tracking: string | null, via: 'tms' | 'parcel' | null }
  const booked = { A: new Map<string, Booking>(), B: new Map<string, Booking>() }
  /** the TMS job ids of a company's shipments */
  const jobsOf = (company: 'A' | 'B'): string[] => [...booked[company].values()].filter(b => b.via === 'tms').map(b => b.tracking!).sort()
  /** every tracking number of a company's shipments, whoever booked them */
  const keysOf = (company: 'A' | 'B'): string[] => [...booked[company].values()].flatMap(b => b.tracking ? [b.tracking] : []).sort()

  const create = async (model: string, vals: Record<string, unknown> | Array<Record<string, unknown>>): Promise<any> => await admin.executeKw(model, 'create', [vals])
  const read = async (model: string, recordIds: number[], fields: string[]): Promise<any[]> => await admin.executeKw(model, 'read', [recordIds, fields])

  /** the verdict the gateway wrote on the subgraph connectors, as Odoo's connector form shows it */
  async function verdicts (): Promise<Record<string, { status: string | false, error: string | false }>> {
    const rows = await read('hub.connector', [ids.fleet, ids.customs], ['code', 'subgraph_status', 'subgraph_error'])
    return Object.fromEntries(rows.map(r => [r.code, { status: r.subgraph_status, error: r.subgraph_error }]))
  }

  /** A transport order at the TMS, as the TMS adapter sends it; the job id is the shipment's tracking number. */
  async function transportOrder (pickingName: string): Promise<{ jobId: string, plannedDistanceKm: number }> {
    const res = await request(`${tmsBase}/transport-orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tmsKey}` },
      body: JSON.stringify({ orderRef: pickingName, customerRef: `stock.picking/${pickingName}`, correlationId: `gf-${run}-${pickingName}`, delivery: { company: 'Dock', street: '1 Quay', city: 'Antwerp', zip: '2000', country: 'BE' }, weightKg: 12 })
    })
    assert.equal(res.statusCode, 201)
    return await res.body.json() as { jobId: string, plannedDistanceKm: number }
  }

  /** The delivery result the sidecar reports to Odoo for a booked shipment (docs/contract.md, hub_apply_results with details.shipment). */
  async function applyBooking (connector: number, picking: number, shipment: Record<string, unknown>): Promise<void> {
    const event = await create('hub.event', { direction: 'out', event_type: 'picking.ready', connector_id: connector, res_model: 'stock.picking', res_id: picking, state: 'delivered', payload: {}, correlation_id: `gf-${run}-${picking}` })
    const [{ uuid }] = await read('hub.event', [event], ['uuid'])
    const outcomes = await admin.executeKw<Array<{ outcome: string }>>('hub.sync.state', 'hub_apply_results', [[{
      event_uuid: uuid, status: 'sent', attempt: 1, error: null, external_ref: shipment.tracking_number, at: new Date().toISOString(),
      details: { shipment: { label_pdf_base64: null, amount: null, currency: null, ...shipment } }
    }]])
    assert.deepEqual(outcomes.map(r => r.outcome), ['applied'])
  }

  /**
   * A confirmed order of `customer`; its delivery booked with the TMS (a transport order, the job id as
   * tracking number), with a parcel carrier the TMS does not know, or not booked yet.
   */
  async function confirmedOrder (customer: number, company: 'A' | 'B', via: Booking['via']): Promise<void> {
    const order = await create('sale.order', { partner_id: customer, client_order_ref: `GF-${run}-${company}`, order_line: [[0, 0, { product_id: ids.product, product_uom_qty: 1 }]] })
    await admin.executeKw('sale.order', 'action_confirm', [[order]])
    const [o] = await read('sale.order', [order], ['name', 'picking_ids'])
    const [picking] = await read('stock.picking', [o.picking_ids[0]], ['name'])
    let tracking: string | null = null
    if (via === 'tms') {
      const { jobId, plannedDistanceKm } = await transportOrder(picking.name)
      await applyBooking(ids.transport, picking.id, { carrier: transportCode, service: 'transport', tracking_number: jobId, distance_km: plannedDistanceKm })
      tracking = jobId
    } else if (via === 'parcel') {
      tracking = `PF${run.toUpperCase()}${picking.id}`
      await applyBooking(ids.parcel, picking.id, { carrier: parcelCode, service: 'PF_ECONOMY', tracking_number: tracking, amount: 7.9, currency: 'EUR' })
    }
    booked[company].set(o.name, { picking: picking.name, tracking, via })
    if (company === 'B') ids.pickingB = picking.id
  }

  const entityCalls = (calls: SubgraphCall[]): SubgraphCall[] => calls.filter(c => c.kind === 'entities')
  const keysSent = (calls: SubgraphCall[]): string[] => entityCalls(calls).flatMap(c => c.representations.map(r => String((r as { trackingNumber?: unknown }).trackingNumber))).sort()
  const clearCalls = (): void => { tms.subgraph.clearCalls(); customs.subgraph.clearCalls() }

  before(async () => {
    odoo = new OdooServer(spec!, process.env.HUB_E2E_WORK!)
    await odoo.start()
    admin = odoo.client()
    counting = new CountingOdooClient({ url: odoo.url, db: spec!.db, user: 'admin', password: 'admin' })
    // other files' connectors (subgraphs included) must not join this file's supergraph
    await archiveAllConnectors(admin)
    tmsBase = await tms.start()
    const customsBase = await customs.start()

    // what a Hub Manager fills in on the connector form; the TMS's transport side is its own connector
    // (with its own secret: Odoo refuses one secret on two connectors), the carrier of the bookings
    ids.transport = await create('hub.connector', { name: `Fleet TMS transport ${run}`, code: transportCode, kind: 'tms', adapter: 'tms', base_url: tmsBase })
    ids.fleet = await create('hub.connector', { name: `Fleet TMS ${run}`, code: fleetCode, kind: 'subgraph', adapter: 'graphql_subgraph', base_url: `${tmsBase}/graphql`, secret: tmsKey, timeout: SUBGRAPH_TIMEOUT_S })
    ids.customs = await create('hub.connector', { name: `Customs Broker ${run}`, code: customsCode, kind: 'subgraph', adapter: 'graphql_subgraph', base_url: `${customsBase}/graphql`, secret: customsKey, timeout: SUBGRAPH_TIMEOUT_S })
    // a parcel carrier that books some deliveries too (never called here: its bookings are reported to Odoo directly)
    ids.parcel = await create('hub.connector', { name: `ParcelFast ${run}`, code: parcelCode, kind: 'carrier', adapter: 'parcelfast', base_url: 'http://127.0.0.1:9' })

    ids.A = await create('res.partner', { name: `Alpha ${run}`, is_company: true })
    ids.A1 = await create('res.partner', { name: `Ann Alpha ${run}`, parent_id: ids.A })
    ids.B = await create('res.partner', { name: `Beta ${run}`, is_company: true })
    ids.B1 = await create('res.partner', { name: `Bob Beta ${run}`, parent_id: ids.B })
    // no stock: the deliveries wait, so no route of another e2e file ever picks them up
    ids.product = await create('product.product', { name: `GF Pallet ${run}`, default_code: `GF-${run}`, type: 'consu', is_storable: true, list_price: 10 })
    // A: four deliveries with the TMS, one with the parcel carrier, one not booked yet; B: two with the TMS
    for (const customer of [ids.A, ids.A1, ids.A, ids.A1]) await confirmedOrder(customer, 'A', 'tms')
    await confirmedOrder(ids.A1, 'A', 'parcel')
    await confirmedOrder(ids.A, 'A', null)
    for (const customer of [ids.B1, ids.B]) await confirmedOrder(customer, 'B', 'tms')
    // the broker filed declarations for some of the shipments, the parcel's and B's included
    const [a1, a2] = jobsOf('A')
    customs.declare(a1!, { status: 'cleared' })
    customs.declare(a2!, { status: 'held', holdReason: 'invoice missing' })
    customs.declare(keysOf('A').find(k => k.startsWith('PF'))!, { status: 'pending' })
    customs.declare(jobsOf('B')[0]!, { status: 'held', holdReason: `Beta papers ${run}` })

    gw = await startGateway(spec!.dbUrl, {
      ODOO_URL: odoo.url, ODOO_DB: spec!.db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin',
      HUB_GATEWAY_SUBGRAPH_POLL_SECONDS: '0', HUB_GATEWAY_POLICY_TTL_SECONDS: '0',
      // the breaker has its own test (test/sidecar/federation.test.ts): here an outage must not pause the TMS for later tests
      HUB_BREAKER_VOLUME: '100'
    }, { odoo: counting })
    tokenA = await tokenFor(gw.url, await odooApiClient(admin, { partner_id: ids.A1, scopes: ALL_SCOPES }))
    tokenB = await tokenFor(gw.url, await odooApiClient(admin, { partner_id: ids.B1, scopes: ALL_SCOPES }))
  })

  after(async () => {
    await gw?.stop()
    // the database is shared with the other e2e files: these connectors and this policy row are ours alone
    if (admin && ids.fleet) await admin.executeKw('hub.connector', 'write', [[ids.transport, ids.parcel, ids.fleet, ids.customs], { active: false }]).catch(() => {})
    if (admin && ids.hidden) await admin.executeKw('hub.field.exposure', 'unlink', [[ids.hidden]]).catch(() => {})
    await tms.stop()
    await customs.stop()
    await odoo?.stop()
  })

  /** What A should see: every order with its delivery, joined with the TMS job and the broker's declaration. */
  function expectedA (): Array<{ number: string, shipments: any[] }> {
    const customsOf = (tracking: string | null) => {
      const d = tracking ? customs.declarations.get(tracking) : undefined
      return d ? { status: d.status, holdReason: d.holdReason } : null
    }
    return [...booked.A].map(([number, { picking, tracking, via }]) => {
      const job = via === 'tms' ? tms.jobs.get(tracking!)! : null
      const n = Number(String(tracking).replace(/\D/g, ''))
      return {
        number,
        shipments: [{
          number: picking, trackingNumber: tracking,
          eta: job ? new Date(Date.UTC(2026, 10, 25, 6, 0) + job.plannedKm * 60_000).toISOString() : null,
          vehicle: job ? { plate: ['NL-1-TR', 'NL-2-TR', 'NL-3-TR'][(n - 1) % 3] } : null,
          customs: customsOf(tracking)
        }]
      }
    }).sort((x, y) => x.number.localeCompare(y.number))
  }
  const byNumber = (nodes: any[]): any[] => [...nodes].sort((x, y) => x.number.localeCompare(y.number))

  it('composes both subgraph connectors and reports it on them in Odoo; a conflicting schema is reported there, the last good supergraph still served', async () => {
    const reports = await gw.gateway.supergraph.refresh()
    assert.deepEqual(reports.map(r => [r.code, r.status]).sort(), [[customsCode, 'composed'], [fleetCode, 'composed']])
    assert.deepEqual(await verdicts(), { [fleetCode]: { status: 'composed', error: false }, [customsCode]: { status: 'composed', error: false } })

    tms.subgraph.useVariant('conflicting')
    try {
      const failed = await gw.gateway.supergraph.refresh()
      assert.equal(failed.find(r => r.code === fleetCode)?.status, 'failed')
      const inOdoo = await verdicts()
      assert.equal(inOdoo[fleetCode]!.status, 'failed')
      assert.match(String(inOdoo[fleetCode]!.error), /Shipment\.trackingNumber/, 'the connector form names the conflicting field')
      assert.deepEqual(inOdoo[customsCode], { status: 'composed', error: false }, 'the other subgraph is not blamed')
      // the gateway still plans with the last good supergraph (a supergraph without the fleet would refuse eta
      // and vehicle with a 400): Odoo's data and the broker's are served; the TMS itself, changed underneath
      // it, now fails its own entities (its trackingNumber became an Int), and is named for it
      const still = await gql(gw.url, tokenA, JOIN)
      assert.equal(still.status, 200)
      const expected = expectedA().map(o => ({ ...o, shipments: o.shipments.map(s => ({ ...s, eta: null, vehicle: null })) }))
      assert.deepEqual(byNumber(still.body.data.orders.nodes), expected)
      assert.ok(still.body.errors.length > 0)
      assert.ok(still.body.errors.every((e: any) => e.extensions.subgraph === fleetCode && e.extensions.code === 'PARTNER_ERROR'), JSON.stringify(still.body.errors))
    } finally {
      tms.subgraph.useVariant('normal')
    }
    assert.deepEqual((await gw.gateway.supergraph.refresh()).map(r => [r.code, r.status]).sort(), [[customsCode, 'composed'], [fleetCode, 'composed']])
    assert.deepEqual(await verdicts(), { [fleetCode]: { status: 'composed', error: false }, [customsCode]: { status: 'composed', error: false } })
  })

  it('joins Odoo\'s orders and shipments with the TMS and the broker in one batched entity fetch per subgraph', async () => {
    clearCalls()
    counting.calls.length = 0
    const started = performance.now()
    const res = await gql(gw.url, tokenA, JOIN)
    const ms = performance.now() - started
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    // the TMS knows its own jobs only: the parcel carrier's shipment and the unbooked one get no ETA nor vehicle
    assert.deepEqual(byNumber(res.body.data.orders.nodes), expectedA())
    assert.ok(ms < 2000, `joined in ${Math.round(ms)} ms`)
    // the remote fields cost Odoo nothing: one search per level, the bookings by SQL
    assert.deepEqual(counting.calls.map(c => c.model), ['sale.order', 'stock.picking'], JSON.stringify(counting.calls))

    // one request per subgraph, and it is the entity fetch: every tracking number of A's shipments (the TMS
    // cannot be told which are its own jobs), none for the delivery not booked yet
    assert.equal(tms.subgraph.calls.length, 1, `TMS calls: ${JSON.stringify(tms.subgraph.calls)}`)
    assert.equal(entityCalls(tms.subgraph.calls).length, 1)
    assert.deepEqual(keysSent(tms.subgraph.calls), keysOf('A'), 'every tracking number of A\'s shipments in that one call')
    assert.ok(tms.subgraph.calls[0]!.representations.every(r => JSON.stringify(Object.keys(r as object).sort()) === '["__typename","trackingNumber"]'), 'the key, nothing more of Odoo\'s data')
    assert.equal(customs.calls.length, 1, `customs calls: ${JSON.stringify(customs.calls)}`)
    assert.equal(entityCalls(customs.calls).length, 1)
    assert.deepEqual(keysSent(customs.calls), keysOf('A'))
  })

  it('sends a subgraph the keys of the caller\'s shipments only, with the connector\'s bearer and a claim naming the caller\'s commercial partner', async () => {
    clearCalls()
    const a = await gql(gw.url, tokenA, JOIN)
    assert.equal(a.body.errors, undefined, JSON.stringify(a.body.errors))
    for (const job of jobsOf('B')) {
      assert.ok(!JSON.stringify(tms.subgraph.calls).includes(job), `B's ${job} was sent to the TMS for A's query`)
      assert.ok(!JSON.stringify(customs.calls).includes(job), `B's ${job} was sent to the broker for A's query`)
    }
    for (const [calls, key, code] of [[tms.subgraph.calls, tmsKey, fleetCode], [customs.calls, customsKey, customsCode]] as const) {
      assert.ok(calls.length > 0)
      for (const call of calls) {
        assert.equal(call.authorization, `Bearer ${key}`, 'the connector\'s credentials')
        assert.ok(!JSON.stringify(call).includes(tokenA), 'never the partner\'s token')
        // verified by the simulator with the connector's secret and code; the API client is A's contact Ann
        assert.equal(call.claim?.partner, ids.A, 'the claim names the caller\'s commercial partner')
        assert.equal(call.claim?.aud, code)
      }
    }

    clearCalls()
    const b = await gql(gw.url, tokenB, JOIN)
    assert.equal(b.body.errors, undefined, JSON.stringify(b.body.errors))
    assert.deepEqual(b.body.data.orders.nodes.flatMap((o: any) => o.shipments.map((s: any) => s.trackingNumber)).sort(), jobsOf('B'))
    assert.deepEqual(keysSent(tms.subgraph.calls), jobsOf('B'), 'B\'s query sends B\'s keys only')
    assert.deepEqual(keysSent(customs.calls), jobsOf('B'))
    assert.ok([...tms.subgraph.calls, ...customs.calls].every(c => c.claim?.partner === ids.B))

    // A asking for B's delivery by id: NOT_FOUND from Odoo, and no subgraph hears of it
    clearCalls()
    const theirs = await gql(gw.url, tokenA, 'query ($id: ID!) { shipment(id: $id) { number eta vehicle { plate } customs { status } } }', { id: String(ids.pickingB) })
    assert.deepEqual(theirs.body.data, { shipment: null })
    assert.deepEqual(errorCodes(theirs), ['NOT_FOUND'])
    assert.deepEqual([tms.subgraph.calls.length, customs.calls.length], [0, 0])
  })

  /** A's join with the TMS failing as `fault` says: the answer and how long it took. */
  async function joinWithTmsDown (fault: { timeoutNext?: number, failNext?: number, failStatus?: number }): Promise<{ body: any, ms: number }> {
    tms.subgraph.faults.set(fault)
    try {
      clearCalls()
      const started = performance.now()
      const res = await gql(gw.url, tokenA, JOIN)
      const ms = performance.now() - started
      assert.equal(res.status, 200)
      assert.equal(entityCalls(tms.subgraph.calls).length, 1, 'one attempt, no retry within the query')
      return { body: res.body, ms }
    } finally {
      tms.subgraph.faults.reset()
    }
  }

  it('serves Odoo\'s data and the broker\'s when the TMS is down: its fields null with PARTNER_UNAVAILABLE naming it, within its timeout', async () => {
    for (const fault of [{ timeoutNext: 1 }, { failNext: 1, failStatus: 500 }]) {
      const { body, ms } = await joinWithTmsDown(fault)
      assert.ok(ms < SUBGRAPH_TIMEOUT_S * 1000 + 1500, `answered in ${Math.round(ms)} ms, within the connector's ${SUBGRAPH_TIMEOUT_S} s timeout`)
      const expected = expectedA().map(o => ({ ...o, shipments: o.shipments.map(s => ({ ...s, eta: null, vehicle: null })) }))
      assert.deepEqual(byNumber(body.data.orders.nodes), expected, 'orders and shipments from Odoo, customs from the broker')
      assert.ok(body.errors?.length > 0)
      for (const error of body.errors) {
        assert.deepEqual([error.extensions.code, error.extensions.subgraph], ['PARTNER_UNAVAILABLE', fleetCode])
        assert.match(error.message, new RegExp(`^Fleet TMS ${run} did not answer \\((no answer within ${SUBGRAPH_TIMEOUT_S * 1000} ms|HTTP 500)\\)`))
      }
    }
    const back = await gql(gw.url, tokenA, JOIN)
    assert.equal(back.body.errors, undefined, 'the TMS answers again')
    assert.deepEqual(byNumber(back.body.data.orders.nodes), expectedA())
  })

  it('reports the TMS outage under nested lists as ONE error', async () => {
    const { body } = await joinWithTmsDown({ failNext: 1, failStatus: 500 })
    assert.deepEqual(body.errors.map((e: any) => [e.extensions.code, e.extensions.subgraph]), [['PARTNER_UNAVAILABLE', fleetCode]], JSON.stringify(body.errors))
  })

  it('gives remote shipment fields only to callers with shipments:read, and hides them from an audience as the policy says', async () => {
    const narrow = await tokenFor(gw.url, await odooApiClient(admin, { partner_id: ids.A, scopes: 'orders:read' }))
    clearCalls()
    const res = await gql(gw.url, narrow, JOIN)
    assert.equal(res.status, 200)
    assert.deepEqual(byNumber(res.body.data.orders.nodes), expectedA().map(o => ({ number: o.number, shipments: null })))
    assert.ok(errorCodes(res).length > 0 && errorCodes(res).every(c => c === 'FORBIDDEN'), JSON.stringify(res.body.errors))
    assert.ok(res.body.errors.every((e: any) => e.path.at(-1) === 'shipments'))
    // the subgraphs' own root fields sit in the shipments domain too
    const roots = await gql(gw.url, narrow, '{ vehicles { plate } }')
    assert.deepEqual([roots.body.data, errorCodes(roots)], [null, ['FORBIDDEN']], JSON.stringify(roots.body))
    assert.deepEqual([tms.subgraph.calls.length, customs.calls.length], [0, 0], 'no subgraph was called for a caller without shipments:read')

    // a customer portal's client: the policy in Odoo hides the TMS's vehicle (driver names) from customers
    ids.hidden = await create('hub.field.exposure', { audience: 'customer', type_name: 'Shipment', field_name: 'vehicle' })
    const customer = await tokenFor(gw.url, await odooApiClient(admin, { partner_id: ids.A, audience: 'customer', scopes: ALL_SCOPES }))
    const portal = await gql(gw.url, customer, JOIN)
    assert.equal(portal.body.errors, undefined, JSON.stringify(portal.body.errors))
    assert.deepEqual(byNumber(portal.body.data.orders.nodes), expectedA().map(o => ({ ...o, shipments: o.shipments.map(s => ({ ...s, vehicle: null })) })),
      'the vehicle hidden, the rest of the remote fields served')
  })
})
