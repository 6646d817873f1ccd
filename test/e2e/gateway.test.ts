import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { request } from 'undici'
import type { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { CountingOdooClient, type GatewayServer, errorCodes, gql, odooApiClient, startGateway, tokenFor } from '../support/gateway.ts'
import { OdooServer, odooSpec } from '../support/odoo.ts'

const spec = odooSpec()

/**
 * The partner gateway over real Odoo 18: partner A tries every path to partner B's records and gets
 * nothing; a nested query over 50 orders costs one RPC per model level; Odoo users read with their own
 * session under Odoo's access rights.
 */
describe('partner gateway over real Odoo', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)' }, () => {
  let odoo: OdooServer
  let admin: OdooClient
  let counting: CountingOdooClient
  let gw: GatewayServer
  let tokenA: string
  const run = Math.random().toString(36).slice(2, 7)
  const ids = {} as {
    A: number, A1: number, B: number, B1: number, products: number[], stocked: number[], ordersA: number[], orderB: number, pickingB: number,
    invoiceA: number, invoiceB: number, crossOrder: number, salesUser: number
  }
  const bNames: string[] = []
  let hiddenField: number | undefined

  const create = async (model: string, vals: Record<string, unknown> | Array<Record<string, unknown>>): Promise<any> => await admin.executeKw(model, 'create', [vals])
  const read = async (model: string, recordIds: number[], fields: string[]): Promise<any[]> => await admin.executeKw(model, 'read', [recordIds, fields])

  async function invoiceFor (partner: number, product: number): Promise<number> {
    const id = await create('account.move', { move_type: 'out_invoice', partner_id: partner, invoice_line_ids: [[0, 0, { product_id: product, quantity: 1, price_unit: 10 }]] })
    await admin.executeKw('account.move', 'action_post', [[id]])
    return id
  }

  before(async () => {
    odoo = new OdooServer(spec!, process.env.HUB_E2E_WORK!)
    await odoo.start()
    admin = odoo.client()
    counting = new CountingOdooClient({ url: odoo.url, db: spec!.db, user: 'admin', password: 'admin' })

    ids.A = await create('res.partner', { name: `Alpha ${run}`, is_company: true })
    ids.A1 = await create('res.partner', { name: `Ann Alpha ${run}`, parent_id: ids.A })
    ids.B = await create('res.partner', { name: `Beta ${run}`, is_company: true })
    ids.B1 = await create('res.partner', { name: `Bob Beta ${run}`, parent_id: ids.B })
    bNames.push(`Beta ${run}`, `Bob Beta ${run}`)
    // ordered products have no stock: their deliveries wait, so the routes other e2e files set up (WMS,
    // carriers) never pick them up; stock levels are checked on products nobody orders
    ids.products = await create('product.product', [1, 2, 3].map(i => ({ name: `GW Product ${i} ${run}`, default_code: `GW-${run}-${i}`, type: 'consu', is_storable: true, list_price: 10 * i })))
    ids.stocked = await create('product.product', [1, 2].map(i => ({ name: `GW Stocked ${i} ${run}`, default_code: `GW-${run}-S${i}`, type: 'consu', is_storable: true })))
    const [warehouse] = await admin.executeKw<Array<{ lot_stock_id: [number, string] }>>('stock.warehouse', 'search_read', [[]], { fields: ['lot_stock_id'], limit: 1 })
    const quants = await admin.executeKw<number[]>('stock.quant', 'create', [ids.stocked.map(p => ({ product_id: p, location_id: warehouse!.lot_stock_id[0], inventory_quantity: 1000 }))], { context: { inventory_mode: true } })
    await admin.executeKw('stock.quant', 'action_apply_inventory', [quants])

    // a salesperson limited by Odoo to their own documents (item 6)
    const [salesGroup] = await admin.executeKw<Array<{ res_id: number }>>('ir.model.data', 'search_read', [[['module', '=', 'sales_team'], ['name', '=', 'group_sale_salesman']]], { fields: ['res_id'] })
    ids.salesUser = await create('res.users', { name: `Sam Sales ${run}`, login: `sam-${run}`, password: `pw-${run}-long-enough`, groups_id: [[6, 0, [salesGroup!.res_id]]] })

    const line = (p: number, qty: number) => [0, 0, { product_id: p, product_uom_qty: qty }]
    // an order of A delivered to B's address (the nested path from A's data into B's
    // records), created first so that the 50 newest orders are the plain ones
    ids.crossOrder = await create('sale.order', { partner_id: ids.A, partner_shipping_id: ids.B1, order_line: [line(ids.products[0]!, 1)] })
    await admin.executeKw('sale.order', 'action_confirm', [[ids.crossOrder]])
    ids.ordersA = await create('sale.order', Array.from({ length: 50 }, (_, i) => ({
      partner_id: i % 2 ? ids.A1 : ids.A, client_order_ref: `A-${run}-${i}`, ...(i < 2 ? { user_id: ids.salesUser } : {}),
      order_line: [line(ids.products[0]!, 1 + i % 3), line(ids.products[1 + i % 2]!, 2)]
    })))
    await admin.executeKw('sale.order', 'action_confirm', [ids.ordersA])
    ids.orderB = await create('sale.order', { partner_id: ids.B1, client_order_ref: `B-${run}`, order_line: [line(ids.products[2]!, 1)] })
    await admin.executeKw('sale.order', 'action_confirm', [[ids.orderB]])
    const [orderB] = await read('sale.order', [ids.orderB], ['name', 'picking_ids'])
    ids.pickingB = orderB.picking_ids[0]
    bNames.push(orderB.name, (await read('stock.picking', [ids.pickingB], ['name']))[0].name)
    ids.invoiceA = await invoiceFor(ids.A, ids.products[0]!)
    ids.invoiceB = await invoiceFor(ids.B, ids.products[2]!)
    bNames.push((await read('account.move', [ids.invoiceB], ['name']))[0].name)

    gw = await startGateway(spec!.dbUrl, { ODOO_URL: odoo.url, ODOO_DB: spec!.db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin' }, { odoo: counting })
    tokenA = await tokenFor(gw.url, await odooApiClient(admin, { partner_id: ids.A1, scopes: 'orders:read shipments:read invoices:read inventory:read' }))
  })

  after(async () => {
    await gw?.stop()
    // the database is shared with the other e2e files: this policy row is ours alone
    if (hiddenField) await admin.executeKw('hub.field.exposure', 'unlink', [[hiddenField]]).catch(() => {})
    await odoo?.stop()
  })

  const assertNoB = (answer: unknown, what: string) => {
    const text = JSON.stringify(answer)
    for (const name of bNames) assert.ok(!text.includes(name), `${what}: B's ${name} leaked`)
  }

  it('makes at most one RPC per model level for 50 orders with lines, products, pickings and partner', async () => {
    counting.calls.length = 0
    const res = await gql(gw.url, tokenA, `{ orders(first: 50) { nodes { number customer { name }
      lines { quantity product { sku name } } shipments { number status } } } }`)
    assert.equal(res.status, 200)
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    const orders = res.body.data.orders.nodes
    assert.equal(orders.length, 50)
    assert.ok(orders.every((o: any) => o.lines.length >= 1 && o.lines.every((l: any) => l.product.sku.startsWith('GW-')) && o.shipments.length >= 1))
    const byModel = new Map<string, number>()
    for (const c of counting.calls) byModel.set(c.model, (byModel.get(c.model) ?? 0) + 1)
    assert.deepEqual(Object.fromEntries(byModel), { 'sale.order': 1, 'res.partner': 1, 'sale.order.line': 1, 'stock.picking': 1, 'product.product': 1 },
      `RPCs: ${JSON.stringify(counting.calls)}`)
  })

  it('isolation: ids of another partner are NOT_FOUND, exactly like ids that do not exist', async () => {
    const res = await gql(gw.url, tokenA, `query ($o: ID!, $s: ID!, $i: ID!) { order(id: $o) { number } shipment(id: $s) { number } invoice(id: $i) { number }
      missing: order(id: "987654321") { number } }`, { o: String(ids.orderB), s: String(ids.pickingB), i: String(ids.invoiceB) })
    assert.deepEqual(res.body.data, { order: null, shipment: null, invoice: null, missing: null })
    assert.deepEqual(errorCodes(res), ['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND'])
    const message = (field: string) => res.body.errors.find((e: any) => e.path[0] === field).message.replace(/\d+/, 'N')
    assert.equal(message('order'), message('missing'), 'B\'s order and a missing order are indistinguishable')
    assertNoB(res.body, 'ids')
  })

  it('isolation: nested fields, aliases and fragments reach nothing of B', async () => {
    const res = await gql(gw.url, tokenA, `query ($cross: ID!, $b: ID!, $bs: ID!, $bi: ID!) {
      cross: order(id: $cross) { number customer { name } shippingAddress { name } shipments { number destination { name } } }
      mine: order(id: $cross) { ...OrderBits }
      theirs: order(id: $b) { ...OrderBits }
      alsoTheirs: shipment(id: $bs) { ... on Shipment { number order { number } } }
      ... on Query { bill: invoice(id: $bi) { number customer { name } } }
    }
    fragment OrderBits on Order { number customer { name } lines { product { sku } } }`,
    { cross: String(ids.crossOrder), b: String(ids.orderB), bs: String(ids.pickingB), bi: String(ids.invoiceB) })
    const data = res.body.data
    assert.equal(data.cross.customer.name, `Alpha ${run}`)
    assert.equal(data.cross.shippingAddress, null, 'B\'s address is outside A\'s company tree')
    // ownership follows the ordering company (docs/contract.md): A's order delivered to B's dock is A's
    // shipment, but B's address on it stays hidden
    assert.equal(data.cross.shipments.length, 1, 'the delivery of A\'s order belongs to A')
    assert.equal(data.cross.shipments[0].destination, null, 'B\'s address stays outside A\'s view')
    assert.ok(data.mine.number)
    assert.equal(data.theirs, null)
    assert.equal(data.alsoTheirs, null)
    assert.equal(data.bill, null)
    assert.ok(errorCodes(res).every(c => c === 'NOT_FOUND'))
    assertNoB(res.body, 'nested/aliases/fragments')
  })

  it('isolation: forged pagination cursors and filters only ever narrow A\'s own records', async () => {
    const cursor = Buffer.from(`Order:${ids.orderB + 1}`).toString('base64url')
    const paged = await gql(gw.url, tokenA, 'query ($c: String) { orders(first: 100, after: $c) { nodes { id customer { name } } } }', { c: cursor })
    assert.ok(paged.body.data.orders.nodes.length > 0)
    assert.ok(paged.body.data.orders.nodes.every((o: any) => [`Alpha ${run}`, `Ann Alpha ${run}`].includes(o.customer.name)))
    assert.ok(!paged.body.data.orders.nodes.some((o: any) => o.id === String(ids.orderB)))
    const [orderB] = await read('sale.order', [ids.orderB], ['name'])
    // B's delivery's source document as Odoo wrote it ("<order> - <client reference>")
    const [pickingB] = await read('stock.picking', [ids.pickingB], ['origin'])
    const filtered = await gql(gw.url, tokenA, `query ($n: String, $r: String, $o: String) {
      byNumber: orders(filter: { number: $n }) { totalCount nodes { number } }
      byRef: orders(filter: { clientReference: $r }) { totalCount }
      shipments(filter: { origin: $o }) { totalCount }
      invoices(filter: { number: "INV" }) { nodes { customer { name } } }
    }`, { n: orderB.name, r: `B-${run}`, o: pickingB.origin })
    assert.deepEqual(filtered.body.data.byNumber, { totalCount: 0, nodes: [] })
    assert.deepEqual(filtered.body.data.byRef, { totalCount: 0 })
    assert.deepEqual(filtered.body.data.shipments, { totalCount: 0 })
    assertNoB([paged.body, filtered.body], 'cursors/filters')
  })

  it('isolation: _entities of B resolve to null + NOT_FOUND', async () => {
    const res = await gql(gw.url, tokenA, 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Order { number } ... on Shipment { number } ... on Invoice { number } } }', {
      r: [{ __typename: 'Order', id: String(ids.orderB) }, { __typename: 'Shipment', id: String(ids.pickingB) }, { __typename: 'Invoice', id: String(ids.invoiceB) }, { __typename: 'Order', id: String(ids.ordersA[0]) }]
    })
    assert.deepEqual(res.body.data._entities.slice(0, 3), [null, null, null])
    assert.equal(res.body.data._entities[3].__typename, 'Order')
    assert.deepEqual(errorCodes(res), ['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND'])
    assertNoB(res.body, '_entities')
  })

  it('reads invoices, stock levels, exceptions and tracking of real Odoo in canonical shape', async () => {
    const skus = ids.stocked.map((_, i) => `GW-${run}-S${i + 1}`)
    const connector = await create('hub.connector', { name: `GW probe ${run}`, code: `gw-probe-${run}`, kind: 'carrier', adapter: 'webhook', base_url: 'http://127.0.0.1:9' })
    const [orderA] = await read('sale.order', [ids.ordersA[5]!], ['picking_ids'])
    const pickingA: number = orderA.picking_ids[0]
    await create('hub.exception', [
      { reason: 'delivery_failed', res_model: 'stock.picking', res_id: pickingA, picking_id: pickingA, connector_id: connector, description: 'Nobody home' },
      { reason: 'address_invalid', res_model: 'stock.picking', res_id: ids.pickingB, picking_id: ids.pickingB, connector_id: connector, description: `Beta street ${run}` }
    ])
    await create('hub.tracking.event', [
      { picking_id: pickingA, connector_id: connector, event_uid: `gw:${run}:1`, status: 'in_transit', occurred_at: '2026-11-26 12:00:00', location: 'Ghent' },
      { picking_id: ids.pickingB, connector_id: connector, event_uid: `gw:${run}:2`, status: 'exception', reason: 'address_invalid', occurred_at: '2026-11-26 12:00:00', location: `Beta town ${run}` }
    ])
    bNames.push(`Beta street ${run}`, `Beta town ${run}`)
    const res = await gql(gw.url, tokenA, `query ($skus: [String!]) { invoices { nodes { id number kind status paymentStatus amountTotal customer { name } } }
      stockLevels(filter: { skus: $skus }) { nodes { sku onHand available forecast product { name } } }
      exceptions { nodes { reason status description record { model id } shipment { trackingHistory { status location } } } } }`, { skus })
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    assert.deepEqual(res.body.data.invoices.nodes.map((n: any) => [n.id, n.kind, n.status, n.customer.name]), [[String(ids.invoiceA), 'invoice', 'posted', `Alpha ${run}`]])
    assert.deepEqual(res.body.data.stockLevels.nodes.map((n: any) => n.sku), skus)
    assert.ok(res.body.data.stockLevels.nodes.every((n: any) => n.onHand === 1000 && n.available === 1000 && n.forecast === 1000))
    const mine = res.body.data.exceptions.nodes.filter((e: any) => e.record.model === 'stock.picking' && e.record.id === pickingA)
    assert.deepEqual(mine, [{ reason: 'delivery_failed', status: 'open', description: 'Nobody home', record: { model: 'stock.picking', id: pickingA }, shipment: { trackingHistory: [{ status: 'in_transit', location: 'Ghent' }] } }])
    assert.ok(!res.body.data.exceptions.nodes.some((e: any) => e.record.model === 'stock.picking' && e.record.id === ids.pickingB))
    assertNoB(res.body, 'invoices/stock')
  })

  it('shows a customer-facing client the statuses and fields the exposure policy in Odoo allows', async () => {
    // the addon's default policy maps sale -> confirmed; hiding a field is one more row
    hiddenField = await create('hub.field.exposure', { audience: 'customer', type_name: 'Order', field_name: 'amountTotal' })
    const customer = await tokenFor(gw.url, await odooApiClient(admin, { partner_id: ids.A, audience: 'customer', scopes: 'orders:read' }))
    const query = 'query ($id: ID!) { order(id: $id) { status deliveryStatus amountTotal amountUntaxed } }'
    const res = await gql(gw.url, customer, query, { id: String(ids.ordersA[0]) })
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    assert.equal(res.body.data.order.status, 'confirmed')
    const [read0] = await admin.executeKw<Array<{ delivery_status: string }>>('sale.order', 'read', [[ids.ordersA[0]], ['delivery_status']])
    const shipped: Record<string, string> = { pending: 'pending', started: 'in_progress', partial: 'in_progress', full: 'delivered' }
    assert.equal(res.body.data.order.deliveryStatus, shipped[read0!.delivery_status], 'the default public word for Odoo\'s delivery status')
    assert.equal(res.body.data.order.amountTotal, null)
    assert.ok(res.body.data.order.amountUntaxed > 0)
    const partner = await gql(gw.url, tokenA, query, { id: String(ids.ordersA[0]) })
    assert.equal(partner.body.data.order.status, 'sale')
    assert.ok(partner.body.data.order.amountTotal > 0)
  })

  /** Logs in to Odoo's web client: the session id a browser would hold. */
  async function odooSession (login: string): Promise<string> {
    const res = await request(`${odoo.url}/web/session/authenticate`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { db: spec!.db, login, password: `pw-${run}-long-enough` } })
    })
    const session = /session_id=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1]
    await res.body.dump()
    assert.ok(session, `${login} logged in to Odoo`)
    return session
  }

  it('lets an Odoo user query with their session, restricted by Odoo access rights', async () => {
    const session = await odooSession(`sam-${run}`)
    counting.calls.length = 0
    const res = await gql(gw.url, { cookie: `session_id=${session}` }, '{ viewer { kind audience } orders(first: 100) { nodes { id } } }')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.data.viewer, { kind: 'odoo_user', audience: 'partner' })
    const seen = new Set(res.body.data.orders.nodes.map((o: any) => Number(o.id)))
    // Odoo's "own documents only" rule decides: Sam's two orders, not the admin's, not B's
    for (const own of ids.ordersA.slice(0, 2)) assert.ok(seen.has(own), `own order ${own} visible`)
    for (const other of [...ids.ordersA.slice(2), ids.orderB, ids.crossOrder]) assert.ok(!seen.has(other), `order ${other} of another salesperson hidden`)
    // Odoo's access rights decide too: a salesperson may not read hub records, and only that field fails
    const refused = await gql(gw.url, { cookie: `session_id=${session}` }, '{ viewer { kind } exceptions { totalCount } }')
    assert.deepEqual(refused.body.data, { viewer: { kind: 'odoo_user' }, exceptions: null })
    assert.deepEqual(errorCodes(refused), ['FORBIDDEN'], 'Odoo refused hub.exception to this user')
    assert.equal(counting.calls.length, 0, 'nothing was read as the integration user')

    // a portal user (header instead of cookie) gets the customer-facing view
    const [portalGroup] = await admin.executeKw<Array<{ res_id: number }>>('ir.model.data', 'search_read', [[['module', '=', 'base'], ['name', '=', 'group_portal']]], { fields: ['res_id'] })
    await create('res.users', { name: `Pat Portal ${run}`, login: `pat-${run}`, password: `pw-${run}-long-enough`, groups_id: [[6, 0, [portalGroup!.res_id]]] })
    const portal = await gql(gw.url, { 'x-odoo-session': await odooSession(`pat-${run}`) }, '{ viewer { kind audience scopes } }')
    assert.deepEqual(portal.body, { data: { viewer: { kind: 'odoo_user', audience: 'customer', scopes: ['orders:read', 'shipments:read', 'invoices:read', 'inventory:read'] } } })

    const bad = await gql(gw.url, { cookie: 'session_id=0000000000000000000000000000000000000000' }, '{ viewer { kind } }')
    assert.deepEqual([bad.status, ...errorCodes(bad)], [401, 'UNAUTHENTICATED'])
    const badHeader = await gql(gw.url, { 'x-odoo-session': '0000000000000000000000000000000000000001' }, '{ viewer { kind } }')
    assert.deepEqual([badHeader.status, ...errorCodes(badHeader)], [401, 'UNAUTHENTICATED'])
  })
})
