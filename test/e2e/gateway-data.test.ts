import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { request } from 'undici'
import { sha256 } from '../../sidecar/src/gateway/persisted.ts'
import type { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { CarrierSimulator } from '../../sidecar/simulators/carrier/server.ts'
import { WmsSimulator } from '../../sidecar/simulators/wms/server.ts'
import { CountingOdooClient, type GatewayServer, errorCodes, gql, odooApiClient, startGateway, tokenFor } from '../support/gateway.ts'
import { OdooServer, archiveAllConnectors, odooSpec } from '../support/odoo.ts'

const spec = odooSpec()
const ALL_SCOPES = 'orders:read shipments:read invoices:read inventory:read'
const stockLevelsDoc = readFileSync(new URL('../../graphql/persisted/stock-levels.graphql', import.meta.url), 'utf8')

/** Odoo's datetime format (naive UTC), `minutes` from now. */
const odooTime = (minutes = 0): string => new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 19).replace('T', ' ')

/**
 * The graph over real Odoo 18 data, beyond the isolation and RPC-count checks of gateway.test.ts: the
 * canonical shape of a nested order query (lines, packages, warehouse stages and carrier scans, invoices,
 * sync states) and its batching, pagination, filters, scopes per field, the customer-facing exposure
 * policy, federation entities, live warehouse stock and carrier tracking from the partner simulators
 * (and how they degrade), and masking of an unexpected Odoo failure. Two companies, A and B, are
 * created through JSON-RPC as admin; sync states and shipment bookings arrive through the addon's own
 * RPC methods, as the sidecar would send them.
 */
describe('partner gateway data over real Odoo', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)' }, () => {
  let odoo: OdooServer
  let admin: OdooClient
  let counting: CountingOdooClient
  let gw: GatewayServer
  let tokenA: string
  const wms = new WmsSimulator()
  const parcelfast = new CarrierSimulator({ dialect: 'parcelfast' })
  const run = Math.random().toString(36).slice(2, 7)
  const sku = (n: number) => `GD-${run}-${n}`
  const wmsName = `Main WMS ${run}`
  const carrierName = `ParcelFast ${run}`
  const carrierCode = `gd-pf-${run}`
  const ids = {} as {
    A: number, A1: number, A2: number, B: number, B1: number, P1: number, P2: number, wms: number, carrier: number,
    O1: number, O2: number, OB: number, picking1: number, pickingB: number, invoiceA: number, draftA: number, invoiceB: number,
    excOrder: number, excPicking: number, excB: number
  }
  const names = {} as { O1: string, O2: string, OB: string, picking1: string, pickingB: string, invoiceA: string, invoiceB: string, excOrder: string, excPicking: string, excB: string }
  const bTexts: string[] = []

  const create = async (model: string, vals: Record<string, unknown> | Array<Record<string, unknown>>, context?: Record<string, unknown>): Promise<any> =>
    await admin.executeKw(model, 'create', [vals], context ? { context } : {})
  const read = async (model: string, recordIds: number[], fields: string[]): Promise<any[]> => await admin.executeKw(model, 'read', [recordIds, fields])
  const nameOf = async (model: string, id: number): Promise<string> => (await read(model, [id], ['name']))[0].name

  async function invoice (partner: number, line: Record<string, unknown>, post: boolean): Promise<number> {
    const id = await create('account.move', { move_type: 'out_invoice', partner_id: partner, invoice_line_ids: [[0, 0, { quantity: 1, price_unit: 10, ...line }]] })
    if (post) await admin.executeKw('account.move', 'action_post', [[id]])
    return id
  }

  /** An outbound event of `connector` about a record, already delivered (the relay must not pick it up). */
  async function deliveredEvent (connector: number, resModel: string, resId: number, eventType: string): Promise<string> {
    const id = await create('hub.event', { direction: 'out', event_type: eventType, connector_id: connector, res_model: resModel, res_id: resId, state: 'delivered', payload: {}, correlation_id: `gd-${run}-${resModel}-${resId}` })
    return (await read('hub.event', [id], ['uuid']))[0].uuid
  }

  /** A delivery result as the sidecar reports it (docs/contract.md, hub_apply_results). */
  async function applyResult (result: Record<string, unknown>): Promise<void> {
    const outcomes = await admin.executeKw<Array<{ outcome: string }>>('hub.sync.state', 'hub_apply_results', [[{ attempt: 1, error: null, external_ref: null, at: new Date().toISOString(), ...result }]])
    assert.deepEqual(outcomes.map(o => o.outcome), ['applied'])
  }

  before(async () => {
    odoo = new OdooServer(spec!, process.env.HUB_E2E_WORK!)
    await odoo.start()
    admin = odoo.client()
    counting = new CountingOdooClient({ url: odoo.url, db: spec!.db, user: 'admin', password: 'admin' })
    // other files' connectors must not answer this file's live fields (nor get its events)
    await archiveAllConnectors(admin)
    await wms.start()
    await parcelfast.start()
    ids.wms = await create('hub.connector', { name: wmsName, code: `gd-wms-${run}`, kind: 'wms', adapter: 'wms', base_url: wms.url })
    ids.carrier = await create('hub.connector', { name: carrierName, code: carrierCode, kind: 'carrier', adapter: 'parcelfast', base_url: parcelfast.url })

    ids.A = await create('res.partner', { name: `Alpha ${run}`, is_company: true })
    ids.A1 = await create('res.partner', { name: `Ann Alpha ${run}`, parent_id: ids.A })
    ids.A2 = await create('res.partner', { name: `Alpha Warehouse ${run}`, parent_id: ids.A, type: 'delivery', street: '1 Dock Road', city: 'Antwerp', zip: '2000' })
    ids.B = await create('res.partner', { name: `Beta ${run}`, is_company: true })
    ids.B1 = await create('res.partner', { name: `Bob Beta ${run}`, parent_id: ids.B })
    bTexts.push(`Beta ${run}`, `Bob Beta ${run}`)

    ;[ids.P1, ids.P2] = await create('product.product', [
      { name: `GD Pallet Jack ${run}`, default_code: sku(1), type: 'consu', is_storable: true, list_price: 10 },
      { name: `GD Shrink Wrap ${run}`, default_code: sku(2), type: 'consu', is_storable: true, list_price: 5 }
    ])
    const [warehouse] = await admin.executeKw<Array<{ lot_stock_id: [number, string] }>>('stock.warehouse', 'search_read', [[]], { fields: ['lot_stock_id'], limit: 1 })
    const quant = await create('stock.quant', { product_id: ids.P1, location_id: warehouse!.lot_stock_id[0], inventory_quantity: 100 }, { inventory_mode: true })
    await admin.executeKw('stock.quant', 'action_apply_inventory', [[quant]])

    // A: a confirmed order (reserved delivery, a package, an invoice) and a quotation; B: a confirmed order
    ids.O1 = await create('sale.order', {
      partner_id: ids.A1, partner_shipping_id: ids.A2, client_order_ref: `PO-${run}-1`,
      order_line: [[0, 0, { product_id: ids.P1, product_uom_qty: 3 }], [0, 0, { display_type: 'line_section', name: 'Hardware' }]]
    })
    await admin.executeKw('sale.order', 'action_confirm', [[ids.O1]])
    await admin.executeKw('sale.order', 'write', [[ids.O1], { date_order: '2026-11-21 10:00:00' }])
    ids.O2 = await create('sale.order', { partner_id: ids.A, client_order_ref: `PO-${run}-2`, date_order: '2026-11-05 10:00:00', order_line: [[0, 0, { product_id: ids.P2, product_uom_qty: 1 }]] })
    ids.OB = await create('sale.order', { partner_id: ids.B1, client_order_ref: `PO-${run}-B`, order_line: [[0, 0, { product_id: ids.P2, product_uom_qty: 1 }]] })
    await admin.executeKw('sale.order', 'action_confirm', [[ids.OB]])
    const [o1, ob] = await read('sale.order', [ids.O1, ids.OB], ['name', 'picking_ids', 'order_line'])
    ids.picking1 = o1.picking_ids[0]
    ids.pickingB = ob.picking_ids[0]
    const [picking1] = await read('stock.picking', [ids.picking1], ['name', 'state', 'move_line_ids'])
    assert.equal(picking1.state, 'assigned', 'the delivery of O1 is reserved')
    const pack = await create('stock.quant.package', { name: `PACK-${run}` })
    await admin.executeKw('stock.move.line', 'write', [picking1.move_line_ids, { result_package_id: pack }])
    const [productLine] = await admin.executeKw<Array<{ id: number }>>('sale.order.line', 'search_read', [[['order_id', '=', ids.O1], ['display_type', '=', false]]], { fields: ['id'] })

    ids.invoiceA = await invoice(ids.A, { product_id: ids.P1, quantity: 3, sale_line_ids: [[6, 0, [productLine!.id]]] }, true)
    ids.draftA = await invoice(ids.A, { product_id: ids.P1 }, false)
    ids.invoiceB = await invoice(ids.B, { product_id: ids.P2 }, true)
    const [o1Invoiced] = await read('sale.order', [ids.O1], ['invoice_ids'])
    assert.deepEqual(o1Invoiced.invoice_ids, [ids.invoiceA], 'the invoice belongs to O1')
    Object.assign(names, {
      O1: o1.name, O2: await nameOf('sale.order', ids.O2), OB: ob.name, picking1: picking1.name, pickingB: await nameOf('stock.picking', ids.pickingB),
      invoiceA: await nameOf('account.move', ids.invoiceA), invoiceB: await nameOf('account.move', ids.invoiceB)
    })
    bTexts.push(names.OB, names.pickingB, names.invoiceB, `PO-${run}-B`)

    // what the sidecar reported: the WMS failed on O1 and on B's order
    await applyResult({ event_uuid: await deliveredEvent(ids.wms, 'sale.order', ids.O1, 'order.confirmed'), status: 'failed', attempt: 2, error: 'WMS answered HTTP 500' })
    await applyResult({ event_uuid: await deliveredEvent(ids.wms, 'sale.order', ids.OB, 'order.confirmed'), status: 'failed', attempt: 1, error: `Beta secret problem ${run}` })
    bTexts.push(`Beta secret problem ${run}`)
    // the warehouse picked and packed O1's delivery, then the carrier scanned its label
    await create('hub.event', ['fulfilment.picked', 'fulfilment.packed'].map(type => ({
      direction: 'in', event_type: type, connector_id: ids.wms, res_model: 'stock.picking', res_id: ids.picking1, state: 'applied', payload: {}, correlation_id: `gd-${run}-wms`
    })))
    await create('hub.tracking.event', { picking_id: ids.picking1, connector_id: ids.carrier, event_uid: `gd:${run}:label`, status: 'label_created', occurred_at: odooTime(1), location: 'Antwerp hub' })
    ;[ids.excOrder, ids.excPicking, ids.excB] = await create('hub.exception', [
      { reason: 'partner_rejected', res_model: 'sale.order', res_id: ids.O1, connector_id: ids.wms, description: 'WMS refused' },
      { reason: 'delivery_failed', res_model: 'stock.picking', res_id: ids.picking1, picking_id: ids.picking1, connector_id: ids.carrier, description: 'Nobody home' },
      { reason: 'address_invalid', res_model: 'stock.picking', res_id: ids.pickingB, picking_id: ids.pickingB, connector_id: ids.carrier, description: `Beta street unknown ${run}` }
    ])
    await admin.executeKw('hub.exception', 'action_resolve', [[ids.excOrder]])
    Object.assign(names, { excOrder: await nameOf('hub.exception', ids.excOrder), excPicking: await nameOf('hub.exception', ids.excPicking), excB: await nameOf('hub.exception', ids.excB) })
    bTexts.push(names.excB, `Beta street unknown ${run}`)

    gw = await startGateway(spec!.dbUrl, {
      ODOO_URL: odoo.url, ODOO_DB: spec!.db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin', HUB_GATEWAY_LIVE_TIMEOUT_MS: '300', HUB_GATEWAY_POLICY_TTL_SECONDS: '0'
    }, { odoo: counting })
    tokenA = await tokenFor(gw.url, await odooApiClient(admin, { partner_id: ids.A1, scopes: ALL_SCOPES }))
  })

  after(async () => {
    await gw?.stop()
    if (admin && ids.carrier) await admin.executeKw('hub.connector', 'write', [[ids.wms, ids.carrier], { active: false }]).catch(() => {})
    await wms.stop()
    await parcelfast.stop()
    await odoo?.stop()
  })

  const assertNoB = (answer: unknown, what: string) => {
    const text = JSON.stringify(answer)
    for (const t of bTexts) assert.ok(!text.includes(t), `${what}: B's ${t} leaked`)
  }

  it('answers the viewer and a nested order query in canonical shape, reading each model once per level', async () => {
    const viewer = await gql(gw.url, tokenA, '{ viewer { kind audience scopes partner { id name } } }')
    assert.deepEqual(viewer.body, { data: { viewer: { kind: 'client', audience: 'partner', scopes: ALL_SCOPES.split(' '), partner: { id: String(ids.A), name: `Alpha ${run}` } } } })

    counting.calls.length = 0
    const res = await gql(gw.url, tokenA, `{ orders(first: 10) { totalCount edges { cursor node { id number status clientReference amountTotal currency orderedAt
      customer { name } shippingAddress { name city }
      lines { description quantity unitOfMeasure product { sku name stockLevel { onHand available } } }
      shipments { number status lines { quantity product { sku } } packages { name items { quantity product { sku } } } trackingHistory { status source location } }
      invoices { number status amountTotal amountDue }
      syncStates { connector status attempts lastError } } } } }`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    const { orders } = res.body.data
    assert.equal(orders.totalCount, 2)
    assert.deepEqual(orders.edges.map((e: any) => e.node.number), [names.O2, names.O1], 'newest first')
    const [quotation, order] = orders.edges.map((e: any) => e.node)
    const [odooOrder] = await read('sale.order', [ids.O1], ['amount_total', 'currency_id'])
    const [odooLine] = await admin.executeKw<Array<{ name: string }>>('sale.order.line', 'search_read', [[['order_id', '=', ids.O1], ['display_type', '=', false]]], { fields: ['name'] })
    const { lines, shipments, invoices, ...head } = order
    assert.deepEqual(head, {
      id: String(ids.O1), number: names.O1, status: 'sale', clientReference: `PO-${run}-1`, amountTotal: odooOrder.amount_total, currency: odooOrder.currency_id[1],
      orderedAt: '2026-11-21T10:00:00Z', customer: { name: `Ann Alpha ${run}` }, shippingAddress: { name: `Alpha Warehouse ${run}`, city: 'Antwerp' },
      syncStates: [{ connector: wmsName, status: 'failed', attempts: 2, lastError: 'WMS answered HTTP 500' }]
    })
    // the section line is not a product line; 3 of the 100 on hand are reserved for this very order
    assert.deepEqual(lines, [{ description: odooLine!.name, quantity: 3, unitOfMeasure: 'Units', product: { sku: sku(1), name: `GD Pallet Jack ${run}`, stockLevel: { onHand: 100, available: 97 } } }])
    assert.deepEqual(shipments, [{
      number: names.picking1, status: 'assigned', lines: [{ quantity: 3, product: { sku: sku(1) } }],
      packages: [{ name: `PACK-${run}`, items: [{ quantity: 3, product: { sku: sku(1) } }] }],
      trackingHistory: [{ status: 'picked', source: wmsName, location: null }, { status: 'packed', source: wmsName, location: null }, { status: 'label_created', source: carrierName, location: 'Antwerp hub' }]
    }])
    const [{ amountTotal, amountDue, ...invoice }] = invoices
    assert.deepEqual([invoices.length, invoice], [1, { number: names.invoiceA, status: 'posted' }])
    assert.ok(amountTotal >= 30 && amountDue === amountTotal, 'unpaid: all of it is due')
    assert.deepEqual(quotation.lines.map((l: any) => l.product), [{ sku: sku(2), name: `GD Shrink Wrap ${run}`, stockLevel: { onHand: 0, available: 0 } }])
    assert.deepEqual([quotation.status, quotation.shipments, quotation.invoices, quotation.syncStates], ['draft', [], [], []])

    const perModel: Record<string, number> = {}
    for (const c of counting.calls) perModel[`${c.model}:${c.method}`] = (perModel[`${c.model}:${c.method}`] ?? 0) + 1
    assert.deepEqual(perModel, {
      'sale.order:search_read': 1, 'sale.order:search_count': 1, 'res.partner:search_read': 1, 'sale.order.line:search_read': 1,
      'stock.picking:search_read': 1, 'account.move:search_read': 1, 'hub.sync.state:search_read': 1, 'product.product:search_read': 1,
      'stock.move:search_read': 1, 'stock.move.line:search_read': 1, 'hub.event:search_read': 1, 'hub.tracking.event:search_read': 1
    }, `RPCs: ${JSON.stringify(counting.calls)}`)
    // each record read asks Odoo for the fields the query selected, not every field the model offers
    const fieldsRead = (model: string) => counting.calls.find(c => c.model === model && c.method === 'search_read')?.fields?.slice().sort()
    assert.deepEqual(fieldsRead('sale.order'), ['amount_total', 'client_order_ref', 'currency_id', 'date_order', 'invoice_ids', 'name', 'order_line', 'partner_id', 'partner_shipping_id', 'picking_ids', 'state'])
    assert.deepEqual(fieldsRead('res.partner'), ['city', 'name'])
    assert.deepEqual(fieldsRead('sale.order.line'), ['display_type', 'name', 'product_id', 'product_uom', 'product_uom_qty'])
    assert.deepEqual(fieldsRead('stock.picking'), ['move_ids', 'name', 'state'])
  })

  it('pages with opaque cursors, newest first', async () => {
    const query = 'query ($after: String) { orders(first: 1, after: $after) { nodes { number } pageInfo { hasNextPage hasPreviousPage endCursor } } }'
    const page1 = await gql(gw.url, tokenA, query)
    assert.deepEqual(page1.body.data.orders.nodes, [{ number: names.O2 }])
    assert.deepEqual([page1.body.data.orders.pageInfo.hasNextPage, page1.body.data.orders.pageInfo.hasPreviousPage], [true, false])
    const page2 = await gql(gw.url, tokenA, query, { after: page1.body.data.orders.pageInfo.endCursor })
    assert.deepEqual(page2.body.data.orders.nodes, [{ number: names.O1 }])
    assert.deepEqual([page2.body.data.orders.pageInfo.hasNextPage, page2.body.data.orders.pageInfo.hasPreviousPage], [false, true])
    const page3 = await gql(gw.url, tokenA, query, { after: page2.body.data.orders.pageInfo.endCursor })
    assert.deepEqual(page3.body.data.orders, { nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: true, endCursor: null } })
    assert.doesNotMatch(page1.body.data.orders.pageInfo.endCursor, new RegExp(String(ids.O2)), 'the cursor is not the bare id')
  })

  it('filters inside the caller scope only', async () => {
    // every order in the database starts like this one: the partner clause still holds
    const prefix = names.O1.slice(0, 2).toLowerCase()
    // the source document as Odoo 18 writes it: "<order> - <client reference>" when the order has one
    const [{ origin }] = await read('stock.picking', [ids.picking1], ['origin'])
    assert.equal(origin, `${names.O1} - PO-${run}-1`)
    const res = await gql(gw.url, tokenA, `query ($prefix: String, $origin: String, $skus: [String!]) {
      draft: orders(filter: { status: ["draft"] }) { nodes { number } }
      byNumber: orders(first: 100, filter: { number: $prefix }) { totalCount nodes { number } }
      byRef: orders(filter: { clientReference: "PO-${run}-2" }) { nodes { number } }
      dated: orders(filter: { orderedAfter: "2026-11-21T00:00:00Z", orderedBefore: "2026-11-21T23:00:00Z" }) { nodes { number } }
      byOrigin: shipments(filter: { origin: $origin }) { nodes { number } }
      assigned: shipments(filter: { status: ["assigned"] }) { nodes { number } }
      posted: invoices(filter: { status: ["posted"] }) { nodes { number } }
      drafts: invoices(filter: { status: ["draft"] }) { totalCount }
      inStock: stockLevels(filter: { skus: $skus, inStock: true }) { nodes { sku } }
      failed: exceptions(filter: { reason: ["delivery_failed"] }) { nodes { reference } }
    }`, { prefix, origin, skus: [sku(1), sku(2)] })
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    assert.deepEqual(res.body.data, {
      draft: { nodes: [{ number: names.O2 }] },
      byNumber: { totalCount: 2, nodes: [{ number: names.O2 }, { number: names.O1 }] },
      byRef: { nodes: [{ number: names.O2 }] },
      dated: { nodes: [{ number: names.O1 }] },
      byOrigin: { nodes: [{ number: names.picking1 }] },
      assigned: { nodes: [{ number: names.picking1 }] },
      posted: { nodes: [{ number: names.invoiceA }] },
      drafts: { totalCount: 0 },
      inStock: { nodes: [{ sku: sku(1) }] },
      failed: { nodes: [{ reference: names.excPicking }] }
    })
  })

  it('enforces scopes per type and field inside a nested answer: the rest still answers', async () => {
    const narrow = await tokenFor(gw.url, await odooApiClient(admin, { partner_id: ids.A, scopes: 'orders:read' }))
    const res = await gql(gw.url, narrow, '{ orders { nodes { number shipments { number } invoices { number } lines { product { sku stockLevel { onHand } } } } } exceptions { nodes { reference } } }')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.data.orders.nodes, [
      { number: names.O2, shipments: null, invoices: null, lines: [{ product: { sku: sku(2), stockLevel: null } }] },
      { number: names.O1, shipments: null, invoices: null, lines: [{ product: { sku: sku(1), stockLevel: null } }] }
    ])
    assert.deepEqual(res.body.data.exceptions.nodes, [{ reference: names.excOrder }], 'no shipments:read, no delivery exceptions')
    assert.equal(res.body.errors.length, 6)
    assert.ok(errorCodes(res).every(c => c === 'FORBIDDEN'))
    assert.deepEqual(res.body.errors.map((e: any) => e.path.slice(3).join('.')).sort(), ['invoices', 'invoices', 'lines.0.product.stockLevel', 'lines.0.product.stockLevel', 'shipments', 'shipments'])
  })

  it('shows customer-facing clients public statuses only, hides the fields the policy lists, and filters on public statuses', async () => {
    // no rule created here: the addon ships the customer policy as data, lastError and prices hidden
    {
      const customer = await tokenFor(gw.url, await odooApiClient(admin, { partner_id: ids.A, audience: 'customer', scopes: ALL_SCOPES }))
      const res = await gql(gw.url, customer, `{ viewer { audience } orders { nodes { number status deliveryStatus lines { quantity unitPrice subtotal }
        syncStates { status lastError } shipments { status } invoices { status paymentStatus } } } }`)
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
      assert.equal(res.body.data.viewer.audience, 'customer')
      // the addon's default policy: draft -> quotation, sale -> confirmed, assigned -> preparing, pending -> pending,
      // posted -> issued, not_paid -> open; a quotation has no delivery status
      assert.deepEqual(res.body.data.orders.nodes, [
        { number: names.O2, status: 'quotation', deliveryStatus: null, lines: [{ quantity: 1, unitPrice: null, subtotal: null }], syncStates: [], shipments: [], invoices: [] },
        {
          number: names.O1, status: 'confirmed', deliveryStatus: 'pending', lines: [{ quantity: 3, unitPrice: null, subtotal: null }],
          syncStates: [{ status: 'failed', lastError: null }], shipments: [{ status: 'preparing' }], invoices: [{ status: 'issued', paymentStatus: 'open' }]
        }
      ])
      const filtered = await gql(gw.url, customer, `{ a: orders(filter: { status: ["confirmed"] }) { nodes { number } } b: orders(filter: { status: ["sale"] }) { nodes { number } }
        c: orders(filter: { status: ["quotation"] }) { nodes { number } } d: shipments(filter: { status: ["preparing"] }) { nodes { number } } }`)
      assert.deepEqual(filtered.body.data, { a: { nodes: [{ number: names.O1 }] }, b: { nodes: [] }, c: { nodes: [{ number: names.O2 }] }, d: { nodes: [{ number: names.picking1 }] } })
      // partners keep Odoo's own words and every field
      const partner = await gql(gw.url, tokenA, '{ orders { nodes { status deliveryStatus syncStates { lastError } } } }')
      assert.deepEqual(partner.body.data.orders.nodes.map((n: any) => [n.status, n.syncStates]), [['draft', []], ['sale', [{ lastError: 'WMS answered HTTP 500' }]]])
      assert.ok(partner.body.data.orders.nodes[1].deliveryStatus, 'a partner sees the internal delivery status')
    }
  })

  it('resolves federation entities through the scoped loaders', async () => {
    const res = await gql(gw.url, tokenA, `query ($r: [_Any!]!) { _entities(representations: $r) {
      __typename ... on Order { number } ... on Shipment { number } ... on Invoice { number } ... on StockLevel { sku onHand } } }`, {
      r: [{ __typename: 'Order', id: String(ids.O1) }, { __typename: 'Order', id: String(ids.OB) }, { __typename: 'Order', id: '987654321' },
        { __typename: 'Shipment', id: String(ids.picking1) }, { __typename: 'Invoice', id: String(ids.invoiceA) }, { __typename: 'Invoice', id: String(ids.draftA) },
        { __typename: 'StockLevel', sku: sku(1) }, { __typename: 'StockLevel', sku: `GD-${run}-none` }]
    })
    assert.deepEqual(res.body.data._entities, [
      { __typename: 'Order', number: names.O1 }, null, null, { __typename: 'Shipment', number: names.picking1 }, { __typename: 'Invoice', number: names.invoiceA },
      null, { __typename: 'StockLevel', sku: sku(1), onHand: 100 }, null
    ])
    const byIndex = Object.fromEntries(res.body.errors.map((e: any) => [e.path[1], e]))
    assert.deepEqual(Object.keys(byIndex).map(Number).sort(), [1, 2, 5, 7])
    assert.ok(Object.values(byIndex).every((e: any) => e.extensions.code === 'NOT_FOUND'))
    assert.equal(byIndex[1].message.replace(String(ids.OB), 'N'), byIndex[2].message.replace('987654321', 'N'), 'another partner\'s order looks exactly like a missing one')
    assertNoB(res.body, '_entities')
  })

  it('lists the caller\'s records only: no drafts, nothing of the other company, which sees its own', async () => {
    const res = await gql(gw.url, tokenA, `{ invoices { nodes { number } } shipments { nodes { number order { number } } }
      exceptions { totalCount nodes { reference reason status occurrences record { model id } shipment { number } } } }`)
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    assert.deepEqual(res.body.data.invoices.nodes, [{ number: names.invoiceA }], 'no draft, nothing of B')
    assert.deepEqual(res.body.data.shipments.nodes, [{ number: names.picking1, order: { number: names.O1 } }])
    assert.deepEqual(res.body.data.exceptions, {
      totalCount: 2,
      nodes: [
        { reference: names.excPicking, reason: 'delivery_failed', status: 'open', occurrences: 1, record: { model: 'stock.picking', id: ids.picking1 }, shipment: { number: names.picking1 } },
        { reference: names.excOrder, reason: 'partner_rejected', status: 'resolved', occurrences: 1, record: { model: 'sale.order', id: ids.O1 }, shipment: null }
      ]
    })
    assertNoB(res.body, 'lists')
    const tokenB = await tokenFor(gw.url, await odooApiClient(admin, { partner_id: ids.B, scopes: ALL_SCOPES }))
    const b = await gql(gw.url, tokenB, '{ orders { nodes { number syncStates { lastError } } } invoices { nodes { number } } exceptions { nodes { reference description } } }')
    assert.deepEqual(b.body.data, {
      orders: { nodes: [{ number: names.OB, syncStates: [{ lastError: `Beta secret problem ${run}` }] }] },
      invoices: { nodes: [{ number: names.invoiceB }] },
      exceptions: { nodes: [{ reference: names.excB, description: `Beta street unknown ${run}` }] }
    })
  })

  it('asks the WMS live and degrades to null + PARTNER_UNAVAILABLE when it fails, never failing the query', async () => {
    const q = 'query ($skus: [String!]) { stockLevels(filter: { skus: $skus }) { nodes { sku onHand warehouseAvailable } } }'
    const skus = [sku(1), sku(2)]
    await admin.executeKw('hub.connector', 'write', [[ids.wms], { active: false }])
    const none = await gql(gw.url, tokenA, q, { skus })
    assert.deepEqual(none.body.data.stockLevels.nodes, [{ sku: sku(1), onHand: 100, warehouseAvailable: null }, { sku: sku(2), onHand: 0, warehouseAvailable: null }])
    assert.equal(none.body.errors, undefined, 'no WMS connected is not an outage')

    await admin.executeKw('hub.connector', 'write', [[ids.wms], { active: true }])
    wms.stock.set(sku(1), 7)
    const ok = await gql(gw.url, tokenA, q, { skus })
    assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors))
    assert.deepEqual(ok.body.data.stockLevels.nodes, [{ sku: sku(1), onHand: 100, warehouseAvailable: 7 }, { sku: sku(2), onHand: 0, warehouseAvailable: 0 }])
    // the shipped persisted operation, by hash, over the same real data
    const persisted = await gql(gw.url, tokenA, '', { skus }, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(stockLevelsDoc) } } })
    assert.deepEqual(persisted.body.data.stockLevels.nodes, [{ sku: sku(1), onHand: 100, available: 97, warehouseAvailable: 7 }, { sku: sku(2), onHand: 0, available: 0, warehouseAvailable: 0 }])

    for (const fault of [{ failNext: 2, failStatus: 503 }, { timeoutNext: 2 }]) {
      wms.faults.set(fault)
      const started = Date.now()
      const down = await gql(gw.url, tokenA, q, { skus })
      assert.equal(down.status, 200)
      assert.deepEqual(down.body.data.stockLevels.nodes, [{ sku: sku(1), onHand: 100, warehouseAvailable: null }, { sku: sku(2), onHand: 0, warehouseAvailable: null }])
      assert.deepEqual(errorCodes(down), ['PARTNER_UNAVAILABLE', 'PARTNER_UNAVAILABLE'])
      assert.deepEqual(down.body.errors.map((e: any) => e.path), [['stockLevels', 'nodes', 0, 'warehouseAvailable'], ['stockLevels', 'nodes', 1, 'warehouseAvailable']])
      assert.ok(Date.now() - started < 3000, 'a hanging WMS costs the live timeout, not the query')
      wms.faults.reset()
    }
  })

  it('shows the carrier booking, asks the carrier live, degrades when it fails, and maps the lifecycle for customers', async () => {
    const q = 'query ($id: ID!) { shipment(id: $id) { number carrier trackingNumber trackingStatus liveTracking { carrier trackingNumber status } } }'
    const vars = { id: String(ids.picking1) }
    const unbooked = await gql(gw.url, tokenA, q, vars)
    assert.deepEqual(unbooked.body, { data: { shipment: { number: names.picking1, carrier: null, trackingNumber: null, trackingStatus: null, liveTracking: null } } })

    // the carrier books a parcel, and the sidecar reports the booking to Odoo (details.shipment)
    const booking = await request(`${parcelfast.url}/v1/shipments`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service_code: 'PF_ECONOMY', reference: `gd-${run}`, ship_to: { postal_code: '2000', country: 'BE' } })
    })
    const { tracking_number: tracking } = await booking.body.json() as { tracking_number: string }
    await applyResult({
      event_uuid: await deliveredEvent(ids.carrier, 'stock.picking', ids.picking1, 'picking.done'), status: 'sent', external_ref: tracking,
      details: { shipment: { carrier: carrierCode, tracking_number: tracking, service: 'PF_ECONOMY', label_pdf_base64: null, amount: 7.9, currency: 'EUR' } }
    })
    await parcelfast.track(tracking, ['picked_up', 'in_transit'])
    const booked = await gql(gw.url, tokenA, q, vars)
    assert.equal(booked.body.errors, undefined, JSON.stringify(booked.body.errors))
    assert.deepEqual(booked.body.data.shipment, {
      number: names.picking1, carrier: carrierName, trackingNumber: tracking, trackingStatus: 'label_created',
      liveTracking: { carrier: carrierName, trackingNumber: tracking, status: 'in_transit' }
    }, 'Odoo knows the booking; the carrier already knows more')

    // the carrier reports a problem, to Odoo (tracking callback) and on its tracking API
    const inbound = await admin.executeKw<Array<{ outcome: string }>>('hub.event', 'hub_apply_inbound', [carrierCode, [{
      id: `gd-${run}-tracking-1`, type: 'shipment.tracking', correlation_id: null, data: {
        tracking_number: tracking,
        events: [{ id: `gd:${run}:exception`, status: 'exception', reason: 'address_invalid', carrier_status: 'EXCEPTION', occurred_at: new Date(Date.now() + 120_000).toISOString(), location: 'Mechelen', pod: null }]
      }
    }]])
    assert.deepEqual(inbound.map(o => o.outcome), ['applied'])
    await parcelfast.track(tracking, ['exception'], { reason: 'ADDRESS_INVALID' })
    const problem = await gql(gw.url, tokenA, q, vars)
    assert.deepEqual([problem.body.data.shipment.trackingStatus, problem.body.data.shipment.liveTracking.status], ['exception', 'exception'])

    for (const fault of [{ failNext: 1, failStatus: 503 }, { timeoutNext: 1 }]) {
      parcelfast.faults.set(fault)
      const started = Date.now()
      const down = await gql(gw.url, tokenA, q, vars)
      assert.equal(down.status, 200)
      assert.deepEqual(down.body.data, { shipment: { number: names.picking1, carrier: carrierName, trackingNumber: tracking, trackingStatus: 'exception', liveTracking: null } })
      assert.deepEqual(errorCodes(down), ['PARTNER_UNAVAILABLE'])
      assert.deepEqual(down.body.errors[0].path, ['shipment', 'liveTracking'])
      assert.ok(Date.now() - started < 3000, 'a hanging carrier costs the live timeout, not the query')
      parcelfast.faults.reset()
    }

    // customer-facing callers see the lifecycle through the policy (addon default: exception -> delayed)
    const customer = await tokenFor(gw.url, await odooApiClient(admin, { partner_id: ids.A, audience: 'customer', scopes: ALL_SCOPES }))
    const history = 'query ($id: ID!) { shipment(id: $id) { trackingStatus trackingHistory { status } liveTracking { status } } }'
    const seen = await gql(gw.url, customer, history, vars)
    assert.equal(seen.body.errors, undefined, JSON.stringify(seen.body.errors))
    assert.deepEqual(seen.body.data.shipment, {
      trackingStatus: 'delayed', trackingHistory: [{ status: 'picked' }, { status: 'packed' }, { status: 'label_created' }, { status: 'delayed' }], liveTracking: { status: 'delayed' }
    })
    const partner = await gql(gw.url, tokenA, history, vars)
    assert.deepEqual(partner.body.data.shipment.trackingHistory.at(-1), { status: 'exception' })
  })

  it('masks an unexpected Odoo failure as INTERNAL with a correlation id, and logs the cause with it', async () => {
    // a gateway configured with a database Odoo does not have: Odoo answers with a server error
    const broken = await startGateway(spec!.dbUrl, { ODOO_URL: odoo.url, ODOO_DB: `${spec!.db}_gone`, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin' })
    try {
      const token = await tokenFor(broken.url, await odooApiClient(admin, { partner_id: ids.A, scopes: ALL_SCOPES }))
      const res = await gql(broken.url, { authorization: `Bearer ${token}`, 'x-correlation-id': `corr-gd-${run}-1` }, '{ viewer { kind } orders { nodes { number } } }')
      assert.equal(res.status, 200)
      assert.deepEqual(res.body.data, { viewer: { kind: 'client' }, orders: null }, 'the fields that need no Odoo still answer')
      const [error] = res.body.errors
      assert.equal(error.extensions.code, 'INTERNAL')
      assert.equal(error.extensions.correlationId, `corr-gd-${run}-1`)
      assert.equal(res.headers['x-correlation-id'], `corr-gd-${run}-1`)
      assert.doesNotMatch(JSON.stringify(res.body), /_gone|psycopg|OperationalError|does not exist|Traceback|stack|\.py/)
      const logged = broken.logs.map(l => JSON.parse(l)).find(l => l.correlation_id === `corr-gd-${run}-1` && l.msg === 'graphql operation failed')
      assert.ok(logged, 'the failure is logged with the correlation id')
      assert.match(JSON.stringify(logged.err), /_gone/, 'the log has the cause')
    } finally { await broken.stop() }
  })

  // last: it adds an order of A that the lists above do not expect
  it('gives a drop-shipped order, its delivery and its invoice to the ordering company, never to the company addressed', async () => {
    const dock = await create('res.partner', { name: `Beta Dock ${run}`, parent_id: ids.B, type: 'delivery', street: '9 Quay', city: 'Ghent', zip: '9000' })
    const order = await create('sale.order', {
      partner_id: ids.A1, partner_shipping_id: dock, partner_invoice_id: ids.B1, client_order_ref: `PO-${run}-DROP`,
      order_line: [[0, 0, { product_id: ids.P2, product_uom_qty: 4 }]]
    })
    await admin.executeKw('sale.order', 'action_confirm', [[order]])
    const [o] = await read('sale.order', [order], ['name', 'picking_ids', 'order_line'])
    const [picking] = await read('stock.picking', [o.picking_ids[0]], ['name', 'partner_id', 'origin'])
    assert.equal(picking.partner_id[0], dock, 'Odoo addresses the delivery to B\'s dock')
    // invoiced the way a salesperson does it (Create Invoice on the order): addressed to B's contact
    const wizard = await create('sale.advance.payment.inv', { advance_payment_method: 'delivered', sale_order_ids: [[6, 0, [order]]] }, { active_model: 'sale.order', active_ids: [order] })
    await admin.executeKw('sale.advance.payment.inv', 'create_invoices', [[wizard]], { context: { active_model: 'sale.order', active_ids: [order] } })
    const [{ invoice_ids: [bill] }] = await read('sale.order', [order], ['invoice_ids'])
    await admin.executeKw('account.move', 'action_post', [[bill]])
    const [billRow] = await read('account.move', [bill], ['name', 'partner_id'])
    assert.equal(billRow.partner_id[0], ids.B1, 'Odoo addresses the invoice to B\'s contact')
    const billName: string = billRow.name
    const query = `query ($o: ID!, $s: ID!, $i: ID!, $ref: String) { order(id: $o) { number shipments { number } invoices { number } }
      shipment(id: $s) { number origin order { clientReference } } invoice(id: $i) { number origin }
      shipments(filter: { origin: $ref }) { nodes { number } } }`
    const vars = { o: String(order), s: String(picking.id), i: String(bill) }

    const a = await gql(gw.url, tokenA, query, { ...vars, ref: picking.origin })
    assert.equal(a.body.errors, undefined, JSON.stringify(a.body.errors))
    assert.deepEqual(a.body.data.order, { number: o.name, shipments: [{ number: picking.name }], invoices: [{ number: billName }] })
    assert.deepEqual(a.body.data.shipment, { number: picking.name, origin: picking.origin, order: { clientReference: `PO-${run}-DROP` } })
    assert.deepEqual(a.body.data.invoice, { number: billName, origin: o.name })
    assert.deepEqual(a.body.data.shipments.nodes, [{ number: picking.name }])

    const tokenB = await tokenFor(gw.url, await odooApiClient(admin, { partner_id: ids.B, scopes: ALL_SCOPES }))
    const b = await gql(gw.url, tokenB, query, { ...vars, ref: picking.origin })
    assert.deepEqual(b.body.data, { order: null, shipment: null, invoice: null, shipments: { nodes: [] } })
    assert.deepEqual(errorCodes(b), ['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND'])
    const bLists = await gql(gw.url, tokenB, '{ shipments(first: 100) { nodes { number origin } } invoices(first: 100) { nodes { number origin } } }')
    assert.equal(bLists.body.errors, undefined, JSON.stringify(bLists.body.errors))
    assert.doesNotMatch(JSON.stringify(bLists.body), new RegExp(`${o.name}|${picking.name}|${billName}|PO-${run}-DROP`), 'B sees nothing of A\'s order')
    assert.deepEqual(bLists.body.data.shipments.nodes.map((n: any) => n.number), [names.pickingB], 'B keeps its own delivery')
    assert.deepEqual(bLists.body.data.invoices.nodes.map((n: any) => n.number), [names.invoiceB], 'and its own invoice without a sale order')
  })
})
