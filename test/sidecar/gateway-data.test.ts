import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { WmsSimulator } from '../../sidecar/simulators/wms/server.ts'
import { insertConnector } from '../support/fixtures.ts'
import { FakeOdoo } from '../support/fake-odoo.ts'
import { A, B, seedTwoCompanies } from '../support/fake-odoo-seed.ts'
import { type GatewayServer, createApiClient, errorCodes, gql, startGateway, tokenFor } from '../support/gateway.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'

/**
 * The graph over Odoo data (fake Odoo at the JSON-RPC seam): shapes, pagination, filters, scopes,
 * customer exposure, federation, live partner fields and batching. The same isolation rules run
 * against real Odoo in test/e2e/gateway.test.ts.
 */
describe('gateway data', () => {
  let db: TestDatabase
  let odoo: FakeOdoo
  let gw: GatewayServer
  const wms = new WmsSimulator()
  let tokenA: string

  before(async () => {
    db = await createTestDatabase()
    odoo = new FakeOdoo()
    seedTwoCompanies(odoo)
    await odoo.start()
    await wms.start()
    gw = await startGateway(db.url, { ODOO_URL: odoo.url, ODOO_DB: odoo.db, HUB_GATEWAY_LIVE_TIMEOUT_MS: '300', HUB_GATEWAY_POLICY_TTL_SECONDS: '0' })
    tokenA = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: 11, commercialPartnerId: A }))
  })
  after(async () => { await gw?.stop(); await wms.stop(); await odoo?.stop(); await db?.drop() })

  it('answers the viewer and a nested order query in canonical shape', async () => {
    const res = await gql(gw.url, tokenA, `{
      viewer { kind audience scopes partner { id name } }
      orders(first: 10) { totalCount edges { cursor node { id number status clientReference amountTotal currency orderedAt
        customer { name } shippingAddress { name city }
        lines { description quantity unitOfMeasure product { sku name stockLevel { onHand available } } }
        shipments { number status lines { quantity product { sku } } packages { name items { quantity product { sku } } } trackingHistory { status source } }
        invoices { number status amountDue }
        syncStates { connector status lastError } } } }
    }`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    const { viewer, orders } = res.body.data
    assert.deepEqual(viewer, { kind: 'client', audience: 'partner', scopes: ['orders:read', 'shipments:read', 'invoices:read', 'inventory:read'], partner: { id: '10', name: 'Alpha Retail' } })
    assert.equal(orders.totalCount, 2)
    assert.deepEqual(orders.edges.map((e: any) => e.node.number), ['S01001', 'S01000'])
    const order = orders.edges[1].node
    assert.equal(order.orderedAt, '2026-11-21T10:00:00Z')
    assert.deepEqual(order.lines, [{ description: 'line', quantity: 3, unitOfMeasure: 'Units', product: { sku: 'SKU-A', name: 'Pallet Jack', stockLevel: { onHand: 10, available: 8 } } }])
    assert.deepEqual(order.shipments[0].packages, [{ name: 'PACK0001', items: [{ quantity: 3, product: { sku: 'SKU-A' } }] }])
    assert.deepEqual(order.shipments[0].trackingHistory, [{ status: 'picked', source: 'Main WMS' }, { status: 'packed', source: 'Main WMS' }, { status: 'label_created', source: 'ParcelFast' }])
    assert.deepEqual(order.invoices, [{ number: 'INV/9000', status: 'posted', amountDue: 121 }])
    assert.deepEqual(order.syncStates, [{ connector: 'Main WMS', status: 'failed', lastError: 'WMS answered HTTP 500' }])
  })

  it('reads each model once per level, however many rows (DataLoader batching)', async () => {
    odoo.calls.length = 0
    const res = await gql(gw.url, tokenA, `{ orders(first: 10) { nodes { number customer { name } lines { product { sku } }
      shipments { lines { product { name } } packages { name } trackingHistory { status } } invoices { number } syncStates { status } } } }`)
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    const perModel: Record<string, number> = {}
    for (const c of odoo.calls) perModel[`${c.model}:${c.method}`] = (perModel[`${c.model}:${c.method}`] ?? 0) + 1
    assert.deepEqual(perModel, {
      'sale.order:search_read': 1, 'res.partner:search_read': 1, 'sale.order.line:search_read': 1, 'stock.picking:search_read': 1,
      'account.move:search_read': 1, 'hub.sync.state:search_read': 1, 'product.product:search_read': 1, 'stock.move:search_read': 1,
      'stock.move.line:search_read': 1, 'hub.event:search_read': 1, 'hub.tracking.event:search_read': 1
    })
  })

  it('pages with opaque cursors and refuses forged ones', async () => {
    const page1 = await gql(gw.url, tokenA, '{ orders(first: 1) { nodes { number } pageInfo { hasNextPage hasPreviousPage endCursor } } }')
    const { nodes, pageInfo } = page1.body.data.orders
    assert.deepEqual(nodes, [{ number: 'S01001' }])
    assert.equal(pageInfo.hasNextPage, true)
    assert.equal(pageInfo.hasPreviousPage, false)
    const page2 = await gql(gw.url, tokenA, 'query ($after: String) { orders(first: 1, after: $after) { nodes { number } pageInfo { hasNextPage hasPreviousPage } } }', { after: pageInfo.endCursor })
    assert.deepEqual(page2.body.data.orders, { nodes: [{ number: 'S01000' }], pageInfo: { hasNextPage: false, hasPreviousPage: true } })
    for (const after of ['not-a-cursor', Buffer.from('Shipment:7001').toString('base64url'), Buffer.from('Order:-1').toString('base64url')]) {
      const bad = await gql(gw.url, tokenA, 'query ($after: String) { orders(after: $after) { nodes { number } } }', { after })
      assert.deepEqual(errorCodes(bad), ['BAD_USER_INPUT'], after)
      assert.equal(bad.body.data.orders, null)
    }
    const tooMany = await gql(gw.url, tokenA, '{ orders(first: 1000) { nodes { number } } }')
    assert.deepEqual(errorCodes(tooMany), ['BAD_USER_INPUT'])
  })

  it('filters inside the caller scope only', async () => {
    const draft = await gql(gw.url, tokenA, '{ orders(filter: { status: ["draft"] }) { nodes { number } } }')
    assert.deepEqual(draft.body.data.orders.nodes, [{ number: 'S01001' }])
    const byNumber = await gql(gw.url, tokenA, '{ orders(filter: { number: "s0100" }) { nodes { number } } }')
    assert.deepEqual(byNumber.body.data.orders.nodes.map((n: any) => n.number), ['S01001', 'S01000'])
    const other = await gql(gw.url, tokenA, '{ orders(filter: { number: "S02000", clientReference: "PO-2000" }) { totalCount nodes { number } } }')
    assert.deepEqual(other.body.data.orders, { totalCount: 0, nodes: [] })
    const dated = await gql(gw.url, tokenA, '{ orders(filter: { orderedAfter: "2026-11-21T00:00:00Z", orderedBefore: "2026-11-21T23:00:00Z" }) { nodes { number } } }')
    assert.deepEqual(dated.body.data.orders.nodes, [{ number: 'S01000' }])
    const badDate = await gql(gw.url, tokenA, '{ orders(filter: { orderedAfter: "yesterday" }) { nodes { number } } }')
    assert.equal(badDate.status, 400)
  })

  it('enforces scopes per type and field: the rest of the query still answers', async () => {
    const narrow = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: A, scopes: 'orders:read' }))
    const res = await gql(gw.url, narrow, '{ orders { nodes { number shipments { number } invoices { number } lines { product { sku stockLevel { onHand } } } } } shipments { totalCount } }')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.data.orders.nodes.map((n: any) => n.number), ['S01001', 'S01000'])
    assert.equal(res.body.data.orders.nodes[1].shipments, null)
    assert.equal(res.body.data.orders.nodes[1].invoices, null)
    assert.equal(res.body.data.orders.nodes[1].lines[0].product.stockLevel, null)
    assert.equal(res.body.data.shipments, null)
    assert.ok(errorCodes(res).every(c => c === 'FORBIDDEN'))
    assert.ok(res.body.errors.some((e: any) => e.path.join('.') === 'shipments' && /shipments:read/.test(e.message)))
    // a token asked for with fewer scopes is narrower than its client
    const full = await createApiClient(db.pool, { partnerId: A })
    const scoped = await tokenFor(gw.url, full, 'inventory:read')
    const viewer = await gql(gw.url, scoped, '{ viewer { scopes } orders { totalCount } }')
    assert.deepEqual(viewer.body.data.viewer.scopes, ['inventory:read'])
    assert.deepEqual(errorCodes(viewer), ['FORBIDDEN'])
  })

  it('shows customer-facing clients public statuses only and hides the fields the policy lists', async () => {
    await db.pool.query(`INSERT INTO hub_status_exposure (audience, res_model, status_field, internal_status, public_status) VALUES
      ('customer', 'sale.order', 'state', 'sale', 'confirmed'), ('customer', 'stock.picking', 'state', 'assigned', 'preparing')`)
    await db.pool.query("INSERT INTO hub_field_exposure (audience, type_name, field_name) VALUES ('customer', 'Order', 'amountTotal'), ('customer', 'SyncState', 'lastError')")
    const customer = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: A, audience: 'customer' }))
    const res = await gql(gw.url, customer, '{ viewer { audience } orders { nodes { number status deliveryStatus amountTotal amountUntaxed syncStates { status lastError } shipments { status } } } }')
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors))
    const [draft, confirmed] = res.body.data.orders.nodes
    assert.equal(res.body.data.viewer.audience, 'customer')
    assert.deepEqual(draft, { number: 'S01001', status: null, deliveryStatus: null, amountTotal: null, amountUntaxed: 100, syncStates: [], shipments: [] })
    assert.deepEqual(confirmed, { number: 'S01000', status: 'confirmed', deliveryStatus: null, amountTotal: null, amountUntaxed: 100, syncStates: [{ status: 'failed', lastError: null }], shipments: [{ status: 'preparing' }] })
    const filtered = await gql(gw.url, customer, '{ a: orders(filter: { status: ["confirmed"] }) { nodes { number } } b: orders(filter: { status: ["sale"] }) { nodes { number } } }')
    assert.deepEqual(filtered.body.data, { a: { nodes: [{ number: 'S01000' }] }, b: { nodes: [] } })
    // partners keep Odoo's own words
    const partner = await gql(gw.url, tokenA, '{ orders { nodes { status amountTotal } } }')
    assert.deepEqual(partner.body.data.orders.nodes, [{ status: 'draft', amountTotal: 121 }, { status: 'sale', amountTotal: 121 }])
  })

  it('serves the federation subgraph: _service SDL with @key and _entities through the scoped loaders', async () => {
    const sdl = await gql(gw.url, tokenA, '{ _service { sdl } }')
    const text: string = sdl.body.data._service.sdl
    assert.match(text, /@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.3"/)
    assert.match(text, /type Order @key\(fields: "id"\)/)
    assert.match(text, /type StockLevel @key\(fields: "sku"\)/)
    assert.doesNotMatch(text, /_entities/)
    const res = await gql(gw.url, tokenA, `query ($r: [_Any!]!) { _entities(representations: $r) {
      __typename ... on Order { number } ... on Shipment { number } ... on Invoice { number } ... on StockLevel { sku onHand } } }`, {
      r: [{ __typename: 'Order', id: '1000' }, { __typename: 'Order', id: '2000' }, { __typename: 'Order', id: '999999' }, { __typename: 'Shipment', id: '7001' },
        { __typename: 'Invoice', id: '9000' }, { __typename: 'StockLevel', sku: 'SKU-A' }, { __typename: 'Partner', id: '20' }]
    })
    assert.deepEqual(res.body.data._entities, [{ __typename: 'Order', number: 'S01000' }, null, null, null, { __typename: 'Invoice', number: 'INV/9000' }, { __typename: 'StockLevel', sku: 'SKU-A', onHand: 10 }, null])
    const byIndex = Object.fromEntries(res.body.errors.map((e: any) => [e.path[1], e]))
    assert.equal(byIndex[1].extensions.code, 'NOT_FOUND')
    assert.equal(byIndex[1].message.replace('2000', 'N'), byIndex[2].message.replace('999999', 'N'), 'another partner\'s order looks exactly like a missing one')
    assert.equal(byIndex[3].extensions.code, 'NOT_FOUND')
    assert.equal(byIndex[6].extensions.code, 'BAD_USER_INPUT')
  })

  it('leaks nothing of the other company through ids, nested fields, lists or exceptions', async () => {
    const res = await gql(gw.url, tokenA, `{ order(id: "2000") { number } shipment(id: "7001") { number } invoice(id: "9001") { number }
      invoices { nodes { number } } shipments { nodes { number order { number } trackingHistory { status location } } }
      exceptions { totalCount nodes { reference reason status occurrences record { model id } shipment { number } } } }`)
    assert.equal(res.body.data.order, null)
    assert.equal(res.body.data.shipment, null)
    assert.equal(res.body.data.invoice, null)
    assert.deepEqual(res.body.data.invoices.nodes, [{ number: 'INV/9000' }], 'no draft, nothing of B')
    assert.deepEqual(res.body.data.shipments.nodes.map((n: any) => [n.number, n.order.number, n.trackingHistory.at(-1)]), [['WH/OUT/7000', 'S01000', { status: 'label_created', location: 'Antwerp hub' }]])
    assert.deepEqual(res.body.data.exceptions, {
      totalCount: 2,
      nodes: [
        { reference: 'EXC/3', reason: 'partner_rejected', status: 'resolved', occurrences: 1, record: { model: 'sale.order', id: 1000 }, shipment: null },
        { reference: 'EXC/1', reason: 'delivery_failed', status: 'open', occurrences: 2, record: { model: 'stock.picking', id: 7000 }, shipment: { number: 'WH/OUT/7000' } }
      ]
    })
    assert.deepEqual(errorCodes(res), ['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND'])
    // errors only echo the ids the caller sent; the data holds nothing of B
    assert.doesNotMatch(JSON.stringify(res.body.data), /Beta|S02000|7001|INV\/9001|EXC\/2|address_invalid/)
    const narrow = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: A, scopes: 'orders:read' }))
    const onlyOrders = await gql(gw.url, narrow, '{ exceptions { nodes { reference } } }')
    assert.deepEqual(onlyOrders.body.data.exceptions.nodes, [{ reference: 'EXC/3' }], 'no shipments:read, no delivery exceptions')
    const tokenB = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: B }))
    const b = await gql(gw.url, tokenB, '{ orders { nodes { number syncStates { lastError } } } exceptions { nodes { reference description } } }')
    assert.deepEqual(b.body.data, { orders: { nodes: [{ number: 'S02000', syncStates: [{ lastError: 'Beta secret problem' }] }] }, exceptions: { nodes: [{ reference: 'EXC/2', description: 'Beta street unknown' }] } })
  })

  it('asks the WMS live and degrades to null + PARTNER_UNAVAILABLE when it fails, never failing the query', async () => {
    const q = '{ stockLevels(filter: { skus: ["SKU-A", "SKU-B"] }) { nodes { sku onHand warehouseAvailable } } }'
    const none = await gql(gw.url, tokenA, q)
    assert.deepEqual(none.body.data.stockLevels.nodes, [{ sku: 'SKU-A', onHand: 10, warehouseAvailable: null }, { sku: 'SKU-B', onHand: 0, warehouseAvailable: null }])
    assert.equal(none.body.errors, undefined, 'no WMS connected is not an outage')

    await insertConnector(db.pool, { code: 'wms-live', adapter: 'wms', kind: 'wms', base_url: wms.url })
    wms.stock.set('SKU-A', 7)
    const ok = await gql(gw.url, tokenA, q)
    assert.deepEqual(ok.body.data.stockLevels.nodes, [{ sku: 'SKU-A', onHand: 10, warehouseAvailable: 7 }, { sku: 'SKU-B', onHand: 0, warehouseAvailable: 0 }])

    for (const fault of [{ failNext: 2, failStatus: 503 }, { timeoutNext: 2 }]) {
      wms.faults.set(fault)
      const started = Date.now()
      const down = await gql(gw.url, tokenA, q)
      assert.equal(down.status, 200)
      assert.deepEqual(down.body.data.stockLevels.nodes, [{ sku: 'SKU-A', onHand: 10, warehouseAvailable: null }, { sku: 'SKU-B', onHand: 0, warehouseAvailable: null }])
      assert.deepEqual(errorCodes(down), ['PARTNER_UNAVAILABLE', 'PARTNER_UNAVAILABLE'])
      assert.deepEqual(down.body.errors[0].path, ['stockLevels', 'nodes', 0, 'warehouseAvailable'])
      assert.ok(Date.now() - started < 3000, 'a hanging WMS costs the live timeout, not the query')
      wms.faults.reset()
    }
  })

  it('shows the carrier booking, asks the carrier live and degrades when it is unreachable', async () => {
    const q = '{ shipment(id: "7000") { number carrier trackingNumber trackingStatus liveTracking { carrier status } } }'
    const unbooked = await gql(gw.url, tokenA, q)
    assert.deepEqual(unbooked.body, { data: { shipment: { number: 'WH/OUT/7000', carrier: null, trackingNumber: null, trackingStatus: null, liveTracking: null } } })
    const carrier = await insertConnector(db.pool, { code: 'pf-dead', name: 'ParcelFast', adapter: 'parcelfast', kind: 'carrier', base_url: 'http://127.0.0.1:9' })
    await db.pool.query('INSERT INTO stock_picking (id, name, hub_tracking_number, hub_shipment_status, hub_carrier_connector_id) VALUES (7000, $1, $2, $3, $4)', ['WH/OUT/7000', 'PF123', 'exception', carrier.id])
    const down = await gql(gw.url, tokenA, q)
    assert.deepEqual(down.body.data, { shipment: { number: 'WH/OUT/7000', carrier: 'ParcelFast', trackingNumber: 'PF123', trackingStatus: 'exception', liveTracking: null } })
    assert.deepEqual(errorCodes(down), ['PARTNER_UNAVAILABLE'])

    // customer-facing callers see the lifecycle through the policy: mapped statuses renamed, the others as they are
    await db.pool.query("INSERT INTO hub_status_exposure (audience, res_model, status_field, internal_status, public_status) VALUES ('customer', 'stock.picking', 'hub_shipment_status', 'exception', 'delayed')")
    const customer = await tokenFor(gw.url, await createApiClient(db.pool, { partnerId: A, audience: 'customer' }))
    const seen = await gql(gw.url, customer, '{ shipment(id: "7000") { trackingStatus trackingHistory { status } } }')
    assert.deepEqual(seen.body.data.shipment, { trackingStatus: 'delayed', trackingHistory: [{ status: 'picked' }, { status: 'packed' }, { status: 'label_created' }] })
  })

  it('lets Odoo users query with their Odoo session, as themselves: Odoo access rights decide', async () => {
    odoo.sessions.set('sessioninternal000001', { uid: 7, partnerId: 3, login: 'jane@hub.example', internal: true, deny: ['account.move'] })
    odoo.sessions.set('sessionportal00000001', { uid: 8, partnerId: 11, login: 'ann@alpha.example', internal: false })
    odoo.calls.length = 0
    const internal = await gql(gw.url, { cookie: 'frontend_lang=en_US; session_id=sessioninternal000001' }, '{ viewer { kind audience } orders { nodes { number } } invoices { totalCount } }')
    assert.equal(internal.status, 200)
    assert.deepEqual(internal.body.data.viewer, { kind: 'odoo_user', audience: 'partner' })
    assert.deepEqual(internal.body.data.orders.nodes.map((n: any) => n.number), ['S02000', 'S01001', 'S01000'], 'no partner clause: Odoo record rules govern an internal user')
    assert.equal(internal.body.data.invoices, null)
    assert.deepEqual(errorCodes(internal), ['FORBIDDEN'], 'Odoo refused invoices to this user')
    assert.ok(odoo.calls.every(c => c.via === 'session'), 'read with the user session, never as the integration user')
    assert.ok(odoo.calls.every(c => !JSON.stringify(c.domain).includes('child_of')))

    const portal = await gql(gw.url, { 'x-odoo-session': 'sessionportal00000001' }, '{ viewer { kind audience } }')
    assert.deepEqual(portal.body.data.viewer, { kind: 'odoo_user', audience: 'customer' })
    const unknown = await gql(gw.url, { cookie: 'session_id=sessionunknown0000001' }, '{ viewer { kind } }')
    assert.deepEqual([unknown.status, ...errorCodes(unknown)], [401, 'UNAUTHENTICATED'])
  })
})
