import { loadConfig } from '../sidecar/src/config.ts'
import { createLogger } from '../sidecar/src/observability/logger.ts'
import { OdooClient } from '../sidecar/src/odoo/rpc.ts'
import { createSidecar } from '../sidecar/src/sidecar.ts'
import { gql, tokenFor } from '../test/support/gateway.ts'
import { fmt, percentile, report } from './stats.ts'

/**
 * Benchmark 3: the partner gateway over real Odoo. A nested query over 100 orders of one partner
 * (lines, products, pickings, partner), timed end to end with its Odoo RPC count. Reference: the same
 * data fetched by hand with one batched JSON-RPC call per model level, scoped the same way.
 * Needs a running Odoo 18 with logistics_hub (../shared/odoo/odoo-up.sh with EXTRA_ADDONS and
 * EXTRA_MODULES=logistics_hub gives one): BENCH_ODOO_URL, BENCH_ODOO_DB, BENCH_DATABASE_URL.
 */
const ORDERS = 100
const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const QUERY = `{ orders(first: ${ORDERS}) { nodes { number customer { name }
  lines { quantity product { sku name } } shipments { number status } } } }`

/** Counts the JSON-RPC calls of every OdooClient in this process (instrumentation, not a stand-in). */
function countRpcs (): { calls: string[], reset: () => void } {
  const calls: string[] = []
  const original = OdooClient.prototype.executeKw
  OdooClient.prototype.executeKw = async function (this: OdooClient, model: string, method: string, args: unknown[], kwargs?: Record<string, unknown>) {
    calls.push(`${model}.${method}`)
    return await original.call(this, model, method, args, kwargs) as never
  } as typeof original
  return { calls, reset: () => { calls.length = 0 } }
}

async function seed (odoo: OdooClient): Promise<{ partner: number, clientId: string, secret: string }> {
  const tag = Date.now().toString(36)
  const partner = await odoo.executeKw<number>('res.partner', 'create', [{ name: `Bench Partner ${tag}`, is_company: true }])
  const products = await odoo.executeKw<number[]>('product.product', 'create', [[1, 2, 3].map(i => ({ name: `Bench item ${i} ${tag}`, default_code: `BG-${tag}-${i}`, type: 'consu', is_storable: true }))])
  const orders = await odoo.executeKw<number[]>('sale.order', 'create', [Array.from({ length: ORDERS }, (_, i) => ({
    partner_id: partner, order_line: [[0, 0, { product_id: products[i % 3], product_uom_qty: 1 }], [0, 0, { product_id: products[(i + 1) % 3], product_uom_qty: 2 }]]
  }))])
  await odoo.executeKw('sale.order', 'action_confirm', [orders])
  const clientRecord = await odoo.executeKw<number>('hub.api.client', 'create', [{ name: `Bench ${tag}`, partner_id: partner, scopes: 'orders:read shipments:read' }])
  const action = await odoo.executeKw<{ context: Record<string, unknown> }>('hub.api.client', 'action_generate_secret', [[clientRecord]])
  // the dialog is never saved: filled, as the web client fills it, by an onchange in the action's context
  const { value: shown } = await odoo.executeKw<{ value: { client_identifier: string, secret: string } }>('hub.api.client.secret', 'onchange',
    [[], {}, [], { client_identifier: {}, secret: {} }], { context: action.context })
  return { partner, clientId: shown.client_identifier, secret: shown.secret }
}

/** Client A's flood : aliased nested lists, each document within the alias, cost and backend-call limits. */
const FLOOD = `{ ${Array.from({ length: 15 }, (_, i) => `o${i}: orders(first: 20) { nodes { number lines { quantity } } }`).join(' ')} }`
const FLOODERS = 8

async function timedRuns (runs: number, once: () => Promise<void>): Promise<number[]> {
  const timings: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    await once()
    timings.push(performance.now() - t)
  }
  return timings
}

/**
 * B's simple `order(id)` alone, then while A keeps FLOODERS flood documents in flight: with a per-caller
 * budget on Odoo calls and round-robin between callers, B's latency should barely depend on A's load.
 * B's token request is timed under the same load (it must never wait for Odoo slots).
 */
export async function benchFairness (url: string, a: { clientId: string, secret: string }, b: { clientId: string, secret: string }): Promise<void> {
  const [tokenA, tokenB] = [await tokenFor(url, a), await tokenFor(url, b)]
  const first = await gql(url, tokenB, '{ orders(first: 1) { nodes { id } } }')
  const query = `{ order(id: ${JSON.stringify(first.body.data.orders.nodes[0].id)}) { number status } }`
  // failures are counted, not thrown: without a budget the flood can make Odoo refuse calls (that is a result)
  const failed = { a: 0, b: 0 }
  const askB = async (): Promise<void> => {
    const res = await gql(url, tokenB, query)
    if (res.status !== 200 || res.body.errors) failed.b++
  }
  const alone = await timedRuns(RUNS * 2, askB)
  if (failed.b) throw new Error(`B failed ${failed.b} times without any load`)
  let flooding = true
  const flood = Array.from({ length: FLOODERS }, async () => {
    while (flooding) {
      const res = await gql(url, tokenA, FLOOD)
      if (res.status !== 200 || res.body.errors) failed.a++
    }
  })
  try {
    const loaded = await timedRuns(RUNS * 2, askB)
    const tokens = await timedRuns(RUNS, async () => { await tokenFor(url, b) })
    report('B order(id) p50 while A floods (ref: B alone)', percentile(loaded, 50), percentile(alone, 50), 'ms', 'lower')
    report('B order(id) p99 while A floods (ref: B alone)', percentile(loaded, 99), percentile(alone, 99), 'ms', 'lower')
    console.log(`  (B token request p99 while A floods: ${fmt(percentile(tokens, 99))} ms; B failed ${failed.b}/${loaded.length}, A failed ${failed.a}; A: ${FLOODERS} concurrent documents of 15 aliased nested lists)`)
  } finally {
    flooding = false
    await Promise.all(flood)
  }
}

/** The reference: what a careful engineer writes by hand, one call per model level. */
async function handBatched (odoo: OdooClient, partner: number): Promise<number> {
  const orders = await odoo.executeKw<Array<{ id: number, partner_id: [number, string], order_line: number[] }>>('sale.order', 'search_read',
    [[['partner_id', 'child_of', partner]]], { fields: ['name', 'partner_id', 'order_line'], limit: ORDERS, order: 'id desc' })
  const orderIds = orders.map(o => o.id)
  const [partners, lines, pickings] = await Promise.all([
    odoo.executeKw('res.partner', 'read', [[...new Set(orders.map(o => o.partner_id[0]))], ['name']]),
    odoo.executeKw<Array<{ product_id: [number, string] }>>('sale.order.line', 'search_read', [[['order_id', 'in', orderIds]]], { fields: ['order_id', 'product_id', 'product_uom_qty'] }),
    odoo.executeKw('stock.picking', 'search_read', [[['sale_id', 'in', orderIds], ['picking_type_code', '=', 'outgoing']]], { fields: ['name', 'state', 'sale_id'] })
  ])
  await odoo.executeKw('product.product', 'read', [[...new Set(lines.map(l => l.product_id[0]))], ['default_code', 'name']])
  return (partners as unknown[]).length + (pickings as unknown[]).length
}

export async function benchGateway (): Promise<void> {
  // only an Odoo named explicitly: the benchmark writes orders and API clients into it
  const odooUrl = process.env.BENCH_ODOO_URL
  if (!odooUrl) { console.log('gateway benchmark: skipped (set BENCH_ODOO_URL, BENCH_ODOO_DB and BENCH_DATABASE_URL to a throw-away Odoo; see bench/gateway.ts)'); return }
  const db = process.env.BENCH_ODOO_DB ?? 'hub'
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? `postgresql://odoo:odoo@127.0.0.1:5433/${db}`
  const admin = new OdooClient({ url: odooUrl, db, user: 'admin', password: 'admin' })
  try { await admin.version() } catch { console.log(`gateway benchmark: skipped (no Odoo at ${odooUrl}; see bench/gateway.ts)`); return }
  const { partner, clientId, secret } = await seed(admin)
  const other = await seed(admin)
  const sidecar = createSidecar(loadConfig({ DATABASE_URL: databaseUrl, ODOO_URL: odooUrl, ODOO_DB: db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin', PORT: '0', HUB_GATEWAY_DEFAULT_RATE_LIMIT: '0',
    // e.g. a huge per-caller budget shows the behaviour without one
    ...Object.fromEntries(['HUB_GATEWAY_ODOO_CONCURRENCY', 'HUB_GATEWAY_ODOO_CONCURRENCY_PER_CALLER'].flatMap(k => process.env[k] ? [[k, process.env[k]!]] : [])) }), createLogger('silent'))
  await sidecar.start()
  const url = `http://127.0.0.1:${sidecar.port()}`
  const rpcs = countRpcs()
  try {
    const token = await tokenFor(url, { clientId, secret })
    const timings: number[] = []
    let perQuery = 0
    for (let i = 0; i < RUNS + 2; i++) {
      rpcs.reset()
      const t = performance.now()
      const res = await gql(url, token, QUERY)
      const ms = performance.now() - t
      if (res.status !== 200 || res.body.errors || res.body.data.orders.nodes.length !== ORDERS) throw new Error(`unexpected answer: ${JSON.stringify(res.body).slice(0, 300)}`)
      perQuery = rpcs.calls.length
      if (i >= 2) timings.push(ms) // two warm-up runs
    }
    const reference: number[] = []
    let referenceRpcs = 0
    for (let i = 0; i < RUNS + 2; i++) {
      rpcs.reset()
      const t = performance.now()
      await handBatched(admin, partner)
      if (i >= 2) reference.push(performance.now() - t)
      referenceRpcs = rpcs.calls.length
    }
    report(`gateway nested query, ${ORDERS} orders (p50)`, percentile(timings, 50), percentile(reference, 50), 'ms', 'lower')
    report(`gateway nested query, ${ORDERS} orders (p99)`, percentile(timings, 99), percentile(reference, 99), 'ms', 'lower')
    console.log(`  (Odoo RPCs per query: gateway ${perQuery}, hand-batched ${referenceRpcs}; ${RUNS} runs each; p50 ${fmt(percentile(timings, 50))} ms)`)
    await benchFairness(url, { clientId, secret }, other)
  } finally {
    await sidecar.stop()
  }
}
