import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { toTransportOrder } from '../sidecar/src/adapters/tms/mappers.ts'
import { createPool } from '../sidecar/src/db/pool.ts'
import { OdooClient } from '../sidecar/src/odoo/rpc.ts'
import { TmsSimulator } from '../sidecar/simulators/tms/server.ts'
import { CountingOdooClient, type GatewayServer, gql, odooApiClient, startGateway, tokenFor } from '../test/support/gateway.ts'
import { OdooServer } from '../test/support/odoo.ts'
import { ODOO_PYTHON, odooArgs, odooSource } from './odoo-bench.ts'
import { fmt, percentile, report } from './stats.ts'

/**
 * Benchmark 10: the federation gateway in real Odoo (ODOO_SRC), on the PostgreSQL bench/run.ts started (a
 * database and role made here, nothing else touched). One customer company has ORDERS confirmed orders, each
 * delivery booked with a TMS job id as tracking number: the jobs are made at the TMS simulator
 * (POST /transport-orders with the TMS adapter's body), the bookings applied in Odoo through
 * hub.sync.state.hub_apply_results (details.shipment), in batches. The supergraph composes the hub's graph with
 * the simulator's fleet subgraph (a hub_connector of kind subgraph), which adds eta and vehicle to Shipment by
 * trackingNumber. Measured, alternating, after WARMUP runs of each:
 *   gateway: QUERY with a partner API token, end to end, with the Odoo RPCs (CountingOdooClient) and the
 *     subgraph calls it made;
 *   reference, same run: the same data fetched by hand: one search_read of the orders, one of their pickings
 *     (the fewest: the pickings need the order ids), and ONE `_entities` POST to the subgraph with every
 *     representation, joined in memory.
 * Also printed, to show where the time goes: the Odoo JSON-RPC time and the subgraph's own time inside each
 * (timed where they are served: the subgraph's handler, the Odoo client's calls), and the hub's half of the
 * query (no subgraph field) through the supergraph and through the hub graph served alone.
 */
const ORDERS = 100
const RUNS = Number(process.env.BENCH_FEDERATION_RUNS ?? 30)
const WARMUP = 3
const APPLY_BATCH = 25
const QUERY = `{ orders(first: ${ORDERS}) { nodes { number shipments { number trackingNumber eta vehicle { plate } } } } }`
const HUB_HALF = `{ orders(first: ${ORDERS}) { nodes { number shipments { number trackingNumber } } } }`
const ENTITIES = 'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Shipment { trackingNumber eta vehicle { plate } } } }'

interface Span { start: number, end: number }

/** The gateway's Odoo client: counts (CountingOdooClient) and times each JSON-RPC call. */
class TimedOdooClient extends CountingOdooClient {
  readonly spans: Span[] = []
  override async executeKw<T = unknown> (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}): Promise<T> {
    const start = performance.now()
    try { return await super.executeKw<T>(model, method, args, kwargs) } finally { this.spans.push({ start, end: performance.now() }) }
  }
}

/** Wall time covered by the spans (overlapping calls count once). */
function covered (spans: Span[]): number {
  let total = 0
  let until = -Infinity
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.end <= until) continue
    total += s.end - Math.max(s.start, until)
    until = s.end
  }
  return total
}

/** One measured run: its wall time, and what it spent waiting on Odoo and on the subgraph. */
interface Run { ms: number, odooMs: number, subgraphMs: number, sqlMs: number, sql: number, restMs: number, rpcs: number, subgraphCalls: number, representations: number, calls: string[] }

const median = (values: number[]): number => percentile(values, 50)

interface Setup { company: number, clientId: string, secret: string, tracking: Map<string, string>, subgraphConnector: number }

/** Customer, products, ORDERS confirmed orders, their deliveries booked at the TMS (job id = tracking number). */
async function seed (admin: OdooClient, tms: TmsSimulator, tmsUrl: string, tmsKey: string): Promise<Setup> {
  const tag = randomBytes(3).toString('hex')
  const create = async <T>(model: string, vals: unknown): Promise<T> => await admin.executeKw<T>(model, 'create', [vals])
  // the TMS as a delivery connector (its bookings) and as a subgraph connector; each connector has its own secret in
  // Odoo, and the benchmark itself books the jobs with the simulator's key, so the first keeps Odoo's generated one
  const bookingConnector = await create<number>('hub.connector', { name: `Bench TMS ${tag}`, code: `bench-tms-${tag}`, kind: 'tms', adapter: 'tms', base_url: tmsUrl })
  const subgraphConnector = await create<number>('hub.connector', {
    name: 'Bench Fleet', code: 'bench-fleet', kind: 'subgraph', adapter: 'graphql_subgraph', base_url: `${tmsUrl}/graphql`, secret: tmsKey, timeout: 5
  })
  const company = await create<number>('res.partner', { name: `Bench Customer ${tag}`, is_company: true, street: '1 Dock Road', city: 'Antwerp', zip: '2000' })
  const products = await create<number[]>('product.product', [1, 2].map(i => ({ name: `Bench pallet ${i} ${tag}`, default_code: `BF-${tag}-${i}`, type: 'consu' })))
  const orders = await create<number[]>('sale.order', Array.from({ length: ORDERS }, (_, i) => ({
    partner_id: company, order_line: [[0, 0, { product_id: products[i % 2], product_uom_qty: 1 + (i % 3) }]]
  })))
  await admin.executeKw('sale.order', 'action_confirm', [orders])
  const pickings = await admin.executeKw<Array<{ id: number, name: string, sale_id: [number, string] }>>('stock.picking', 'search_read',
    [[['sale_id', 'in', orders], ['picking_type_code', '=', 'outgoing']]], { fields: ['name', 'sale_id'] })
  if (pickings.length !== ORDERS) throw new Error(`expected ${ORDERS} deliveries, Odoo made ${pickings.length}`)

  // the transport orders, as the TMS adapter sends them (sidecar/src/adapters/tms): the job id is the tracking number
  const booked = await Promise.all(pickings.map(async p => {
    const order = toTransportOrder({ reference: p.name, correlation_id: `bench-${tag}-${p.id}`, picking_id: p.id, parcels: [{ weight_kg: 1 }],
      ship_to: { name: `Bench Customer ${tag}`, street: '1 Dock Road', city: 'Antwerp', zip: '2000', country_code: 'BE' } }, `bench-${tag}-${p.id}`)
    const res = await request(`${tmsUrl}/transport-orders`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tmsKey}` }, body: JSON.stringify(order) })
    const body = await res.body.json() as { jobId: string, plannedDistanceKm: number }
    if (res.statusCode !== 201) throw new Error(`TMS refused ${p.name}: ${res.statusCode} ${JSON.stringify(body)}`)
    return { picking: p, jobId: body.jobId, km: body.plannedDistanceKm }
  }))
  if (tms.jobs.size !== ORDERS) throw new Error(`the TMS holds ${tms.jobs.size} jobs`)

  // the sidecar's delivery results: an outbound event per delivery (already delivered), then its booking applied
  const eventIds = await create<number[]>('hub.event', booked.map(b => ({
    direction: 'out', event_type: 'picking.ready', connector_id: bookingConnector, res_model: 'stock.picking', res_id: b.picking.id, state: 'delivered', payload: {}, correlation_id: `bench-${tag}-${b.picking.id}`
  })))
  const uuids = await admin.executeKw<Array<{ id: number, uuid: string }>>('hub.event', 'read', [eventIds, ['uuid']])
  const results = booked.map((b, i) => ({
    event_uuid: uuids.find(u => u.id === eventIds[i])!.uuid, status: 'sent', attempt: 1, error: null, external_ref: b.jobId, at: new Date().toISOString(),
    details: { shipment: { carrier: `bench-tms-${tag}`, service: 'transport', tracking_number: b.jobId, label_pdf_base64: null, amount: null, currency: null, distance_km: b.km } }
  }))
  for (let i = 0; i < results.length; i += APPLY_BATCH) {
    const outcomes = await admin.executeKw<Array<{ outcome: string }>>('hub.sync.state', 'hub_apply_results', [results.slice(i, i + APPLY_BATCH)])
    const refused = outcomes.filter(o => o.outcome !== 'applied')
    if (refused.length) throw new Error(`booking results not applied: ${JSON.stringify(refused.slice(0, 3))}`)
  }
  const client = await odooApiClient(admin, { partner_id: company, scopes: 'orders:read shipments:read' })
  return { company, clientId: client.clientId, secret: client.secret, tracking: new Map(booked.map(b => [b.picking.name, b.jobId])), subgraphConnector }
}

/** Every order has its shipment with the TMS's eta and vehicle; else the benchmark measured something else. */
function check (orders: Array<{ number: string, shipments: Array<{ number: string, trackingNumber: string | null, eta?: string | null, vehicle?: { plate: string } | null }> }>, tracking: Map<string, string>, remote: boolean): void {
  if (orders.length !== ORDERS) throw new Error(`${orders.length} orders answered, not ${ORDERS}`)
  for (const o of orders) {
    const [s] = o.shipments
    if (o.shipments.length !== 1 || !s || s.trackingNumber !== tracking.get(s.number)) throw new Error(`order ${o.number}: unexpected shipments ${JSON.stringify(o.shipments)}`)
    if (remote && (!s.eta || !s.vehicle?.plate)) throw new Error(`order ${o.number}: no eta or vehicle from the TMS: ${JSON.stringify(s)}`)
  }
}

export async function benchFederation (adminUrl: string): Promise<void> {
  const src = odooSource()
  if (!src) { console.log('Federation gateway benchmark: skipped (set ODOO_SRC to an Odoo 18 source tree)\n'); return }
  const work = await mkdtemp(join(tmpdir(), 'hub-bench-federation-'))
  const db = 'bench_federation'
  const dbUrl = `postgresql://odoo:odoo@127.0.0.1:${new URL(adminUrl).port}/${db}`
  const args = await odooArgs(src, adminUrl, db, work)
  const odoo = new OdooServer({ python: ODOO_PYTHON, cwd: src, db, args, dbUrl }, work)
  const tmsKey = randomBytes(24).toString('base64url')
  // the subgraph checks the hub's caller claim, signed with the connector's secret for its code, as a TMS would
  const tms = new TmsSimulator({ apiKey: tmsKey, claimSecret: tmsKey, claimAudience: 'bench-fleet' })
  let gw: GatewayServer | undefined
  let pool: ReturnType<typeof createPool> | undefined
  try {
    const setupStart = performance.now()
    await odoo.start() // installs the addon in its own database first
    const tmsUrl = await tms.start()
    const admin = odoo.client()
    const setup = await seed(admin, tms, tmsUrl, tmsKey)
    const setupSeconds = (performance.now() - setupStart) / 1000

    // the subgraph's own time per request, from its handler's start to the last byte of its answer
    const subgraphSpans: Span[] = []
    const handle = tms.subgraph.handle.bind(tms.subgraph)
    tms.subgraph.handle = async (req: IncomingMessage, res: ServerResponse) => {
      const start = performance.now()
      res.once('finish', () => subgraphSpans.push({ start, end: performance.now() }))
      await handle(req, res)
    }

    const counting = new TimedOdooClient({ url: odoo.url, db, user: 'admin', password: 'admin' })
    // the gateway's own PostgreSQL reads (API keys, bookings, exposure policy), timed like its Odoo calls
    pool = createPool(dbUrl, 5)
    const sqlSpans: Span[] = []
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>
    pool.query = (async (...args: unknown[]) => {
      const start = performance.now()
      try { return await query(...args) } finally { sqlSpans.push({ start, end: performance.now() }) }
    }) as unknown as typeof pool.query
    gw = await startGateway(dbUrl, {
      ODOO_URL: odoo.url, ODOO_DB: db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin', HUB_GATEWAY_SUBGRAPH_POLL_SECONDS: '0', HUB_GATEWAY_DEFAULT_RATE_LIMIT: '0'
    }, { odoo: counting, pool })
    const composed = await gw.gateway.supergraph.refresh()
    if (composed.map(r => `${r.code}:${r.status}`).join() !== 'bench-fleet:composed') throw new Error(`supergraph not composed: ${JSON.stringify(composed)}`)
    const token = await tokenFor(gw.url, setup)
    const url = gw.url

    /** One gateway query, with what it cost Odoo and the subgraph. */
    const viaGateway = async (query: string, remote: boolean): Promise<Run> => {
      const [rpc0, span0, sub0, calls0, sql0] = [counting.calls.length, counting.spans.length, subgraphSpans.length, tms.subgraph.calls.length, sqlSpans.length]
      const t = performance.now()
      const res = await gql(url, token, query)
      const ms = performance.now() - t
      if (res.status !== 200 || res.body.errors) throw new Error(`unexpected answer: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`)
      check(res.body.data.orders.nodes, setup.tracking, remote)
      const calls = tms.subgraph.calls.slice(calls0)
      return {
        ms, odooMs: covered(counting.spans.slice(span0)), subgraphMs: covered(subgraphSpans.slice(sub0)), sqlMs: covered(sqlSpans.slice(sql0)), sql: sqlSpans.length - sql0,
        restMs: ms - covered([...counting.spans.slice(span0), ...subgraphSpans.slice(sub0), ...sqlSpans.slice(sql0)]), rpcs: counting.calls.length - rpc0,
        subgraphCalls: calls.length, representations: calls.reduce((n, c) => n + (c.kind === 'entities' ? c.representations.length : 0), 0),
        calls: [...counting.calls.slice(rpc0).map(c => `${c.model}.${c.method}`), ...calls.map(c => `subgraph ${c.kind}`)]
      }
    }

    // the reference: what a careful engineer writes by hand with the same Odoo user and the TMS's own API key
    const hand = new TimedOdooClient({ url: odoo.url, db, user: 'admin', password: 'admin' })
    const byHand = async (): Promise<Run> => {
      const [rpc0, span0, sub0, calls0] = [hand.calls.length, hand.spans.length, subgraphSpans.length, tms.subgraph.calls.length]
      const t = performance.now()
      const orders = await hand.executeKw<Array<{ id: number, name: string, picking_ids: number[] }>>('sale.order', 'search_read',
        [[['partner_id', 'child_of', setup.company]]], { fields: ['name', 'picking_ids'], limit: ORDERS, order: 'id desc' })
      const pickings = await hand.executeKw<Array<{ id: number, name: string, hub_tracking_number: string | false }>>('stock.picking', 'search_read',
        [[['id', 'in', orders.flatMap(o => o.picking_ids)], ['picking_type_code', '=', 'outgoing']]], { fields: ['name', 'hub_tracking_number'] })
      const representations = pickings.flatMap(p => p.hub_tracking_number ? [{ __typename: 'Shipment', trackingNumber: p.hub_tracking_number }] : [])
      const res = await request(`${tmsUrl}/graphql`, {
        method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${tmsKey}` },
        body: JSON.stringify({ query: ENTITIES, variables: { representations } })
      })
      const answer = await res.body.json() as { data?: { _entities: Array<{ trackingNumber: string, eta: string, vehicle: { plate: string } | null } | null> }, errors?: unknown }
      if (res.statusCode !== 200 || answer.errors || !answer.data) throw new Error(`subgraph answered ${res.statusCode}: ${JSON.stringify(answer).slice(0, 300)}`)
      const fleet = new Map(answer.data._entities.flatMap(e => e ? [[e.trackingNumber, e]] : []))
      const byId = new Map(pickings.map(p => [p.id, p]))
      const joined = orders.map(o => ({
        number: o.name,
        shipments: o.picking_ids.flatMap(id => { const p = byId.get(id); return p ? [p] : [] }).map(p => {
          const trackingNumber = p.hub_tracking_number || null
          const f = trackingNumber ? fleet.get(trackingNumber) : undefined
          return { number: p.name, trackingNumber, eta: f?.eta ?? null, vehicle: f?.vehicle ?? null }
        })
      }))
      const ms = performance.now() - t
      check(joined, setup.tracking, true)
      return {
        ms, odooMs: covered(hand.spans.slice(span0)), subgraphMs: covered(subgraphSpans.slice(sub0)), sqlMs: 0, sql: 0,
        restMs: ms - covered([...hand.spans.slice(span0), ...subgraphSpans.slice(sub0)]), rpcs: hand.calls.length - rpc0,
        subgraphCalls: tms.subgraph.calls.length - calls0, representations: representations.length,
        calls: [...hand.calls.slice(rpc0).map(c => `${c.model}.${c.method}`), ...tms.subgraph.calls.slice(calls0).map(c => `subgraph ${c.kind}`)]
      }
    }

    const load0 = loadavg()[0]!
    for (let i = 0; i < WARMUP; i++) { await viaGateway(QUERY, true); await byHand(); await viaGateway(HUB_HALF, false) }
    // alternating, so whatever else the machine does lands on both arms alike
    const gateway: Run[] = []
    const reference: Run[] = []
    const hubHalf: Run[] = []
    for (let i = 0; i < RUNS; i++) {
      gateway.push(await viaGateway(QUERY, true))
      reference.push(await byHand())
      hubHalf.push(await viaGateway(HUB_HALF, false))
    }
    // the hub's half again, with the subgraph connector archived: the hub graph served alone, no stitching
    await admin.executeKw('hub.connector', 'write', [[setup.subgraphConnector], { active: false }])
    const alone = await gw.gateway.supergraph.refresh()
    if (alone.length) throw new Error(`still composing subgraphs: ${JSON.stringify(alone)}`)
    for (let i = 0; i < WARMUP; i++) await viaGateway(HUB_HALF, false)
    const hubAlone: Run[] = []
    for (let i = 0; i < RUNS; i++) hubAlone.push(await viaGateway(HUB_HALF, false))
    const loadAfter = loadavg()[0]!

    const of = (runs: Run[], key: Exclude<keyof Run, 'calls'>) => runs.map(r => r[key])
    const rest = (runs: Run[]) => fmt(median(of(runs, 'restMs')))
    const range = (values: number[]) => { const lo = Math.min(...values); const hi = Math.max(...values); return lo === hi ? String(lo) : `${lo}-${hi}` }
    console.log(`Federation gateway in real Odoo: ${ORDERS} confirmed orders of one customer, each delivery booked as a TMS transport job (setup ${fmt(setupSeconds, 0)} s); supergraph = hub graph + the TMS simulator's fleet subgraph`)
    console.log(`  query: ${QUERY}`)
    report(`  p50: gateway vs by hand (2 search_read + 1 _entities)`, median(of(gateway, 'ms')), median(of(reference, 'ms')), 'ms', 'lower')
    report('  p95: gateway vs by hand', percentile(of(gateway, 'ms'), 95), percentile(of(reference, 'ms'), 95), 'ms', 'lower')
    console.log(`  backend calls per query: gateway ${range(of(gateway, 'rpcs'))} Odoo RPCs + ${range(of(gateway, 'subgraphCalls'))} subgraph call(s) with ${range(of(gateway, 'representations'))} representations (${gateway.at(-1)!.calls.join(', ')}); by hand ${range(of(reference, 'rpcs'))} Odoo RPCs + ${range(of(reference, 'subgraphCalls'))} subgraph call with ${range(of(reference, 'representations'))} representations (${reference.at(-1)!.calls.join(', ')})`)
    console.log(`  where the time goes (p50 per query): gateway: Odoo RPCs ${fmt(median(of(gateway, 'odooMs')))} ms, subgraph serving ${fmt(median(of(gateway, 'subgraphMs')))} ms, ${range(of(gateway, 'sql'))} PostgreSQL queries ${fmt(median(of(gateway, 'sqlMs')))} ms, the rest (token check, GraphQL parse/validate/plan/execute, stitching, serialisation, HTTP) ${rest(gateway)} ms;` +
      ` by hand: Odoo RPCs ${fmt(median(of(reference, 'odooMs')))} ms, subgraph serving ${fmt(median(of(reference, 'subgraphMs')))} ms, the rest ${rest(reference)} ms`)
    report('  p50: the hub\'s half (no TMS field), supergraph vs hub graph alone', median(of(hubHalf, 'ms')), median(of(hubAlone, 'ms')), 'ms', 'lower')
    console.log(`    (hub's half through the supergraph: ${range(of(hubHalf, 'rpcs'))} Odoo RPCs taking ${fmt(median(of(hubHalf, 'odooMs')))} ms, ${range(of(hubHalf, 'subgraphCalls'))} subgraph calls, ${fmt(median(of(hubHalf, 'sqlMs')))} ms in PostgreSQL, the rest ${rest(hubHalf)} ms;` +
      ` hub graph alone: ${range(of(hubAlone, 'rpcs'))} RPCs taking ${fmt(median(of(hubAlone, 'odooMs')))} ms, ${fmt(median(of(hubAlone, 'sqlMs')))} ms in PostgreSQL, the rest ${rest(hubAlone)} ms)`)
    console.log(`  (${RUNS} runs of each after ${WARMUP} warm-up runs, alternating; target: gateway within 1.3x of by hand: ${median(of(gateway, 'ms')) / median(of(reference, 'ms')) <= 1.3 ? 'met' : 'not met'} at p50; load average ${fmt(load0, 1)} before, ${fmt(loadAfter, 1)} after: other work on the machine shows here)\n`)
  } catch (err) {
    // the Odoo log is in the work directory, removed below
    try { console.log(`Odoo's log ends with:\n${odoo.log().slice(-3000)}`) } catch { /* Odoo never started */ }
    throw err
  } finally {
    await gw?.stop().catch(() => {})
    await pool?.end().catch(() => {})
    await tms.stop().catch(() => {})
    await odoo.stop()
    await rm(work, { recursive: true, force: true })
  }
}
