import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import pg from 'pg'
import type { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { WmsSimulator } from '../../sidecar/simulators/wms/server.ts'
import { reconcile } from '../../sidecar/src/workers/reconcile.ts'
import { newSecret } from '../support/fixtures.ts'
import { OdooServer, archiveAllConnectors, odooSpec } from '../support/odoo.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

const spec = odooSpec()

/**
 * Order to warehouse in real Odoo 18: confirming a sale order reserves its delivery, the addon writes
 * picking.ready to the outbox, the sidecar delivers it to the WMS simulator, the simulator confirms
 * pick and pack through the signed hook, and Odoo validates the picking and shows `acknowledged`.
 */
describe('order to warehouse, end to end in real Odoo', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)' }, () => {
  let odoo: OdooServer
  let rpc: OdooClient
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  let db: pg.Pool
  const logs: Array<Record<string, any>> = []
  const secret = newSecret()
  const wms = new WmsSimulator({ secret, callbackSecret: secret, autoConfirm: true, confirmDelayMs: 100 })
  let connectorId: number
  let productId: number
  let partnerId: number

  before(async () => {
    odoo = new OdooServer(spec!, process.env.HUB_E2E_WORK!)
    await odoo.start()
    rpc = odoo.client()
    db = new pg.Pool({ connectionString: spec!.dbUrl, max: 2 })
    await wms.start()
    const sink = new Writable({ write (chunk, _enc, done) { for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line)); done() } })
    sidecar = await startSidecar(spec!.dbUrl, { ODOO_URL: odoo.url, ODOO_DB: spec!.db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin', HUB_ODOO_RETRY_SECONDS: '1' }, pino({ level: 'info' }, sink))

    await archiveAllConnectors(rpc)
    connectorId = await rpc.executeKw<number>('hub.connector', 'create', [{
      name: 'Main WMS', code: 'wms-main', kind: 'wms', adapter: 'wms', base_url: wms.url, secret, retry_delay: 1, retry_backoff: false, timeout: 5
    }])
    await rpc.executeKw('hub.route', 'create', [{ connector_id: connectorId, event_type: 'picking.ready' }])
    wms.configure({ callbackUrl: `${sidecar.url}/hooks/wms-main` })

    productId = await rpc.executeKw<number>('product.product', 'create', [{ name: 'E2E Pallet Jack', default_code: 'E2E-PJ', type: 'consu', is_storable: true }])
    const [warehouse] = await rpc.executeKw<Array<{ lot_stock_id: [number, string] }>>('stock.warehouse', 'search_read', [[]], { fields: ['lot_stock_id'], limit: 1 })
    const quantId = await rpc.executeKw<number>('stock.quant', 'create', [{ product_id: productId, location_id: warehouse!.lot_stock_id[0], inventory_quantity: 100 }], { context: { inventory_mode: true } })
    await rpc.executeKw('stock.quant', 'action_apply_inventory', [[quantId]])
    partnerId = await rpc.executeKw<number>('res.partner', 'create', [{ name: 'E2E Retail Ltd', street: '1 Dock Road', city: 'Antwerp', zip: '2000' }])
  })

  after(async () => {
    await sidecar?.stop()
    await wms.stop()
    await db?.end()
    await odoo?.stop()
  })

  async function confirmOrder (qty: number): Promise<{ orderId: number, pickingId: number }> {
    const orderId = await rpc.executeKw<number>('sale.order', 'create', [{ partner_id: partnerId, order_line: [[0, 0, { product_id: productId, product_uom_qty: qty }]] }])
    await rpc.executeKw('sale.order', 'action_confirm', [[orderId]])
    const [order] = await rpc.executeKw<Array<{ picking_ids: number[] }>>('sale.order', 'read', [[orderId], ['picking_ids']])
    assert.equal(order!.picking_ids.length, 1)
    return { orderId, pickingId: order!.picking_ids[0]! }
  }

  const syncState = async (pickingId: number) => (await rpc.executeKw<Array<Record<string, any>>>('hub.sync.state', 'search_read',
    [[['res_model', '=', 'stock.picking'], ['res_id', '=', pickingId], ['connector_id', '=', connectorId]]],
    { fields: ['status', 'external_ref', 'correlation_id', 'attempts'] }))[0]
  const picking = async (pickingId: number) => (await rpc.executeKw<Array<Record<string, any>>>('stock.picking', 'read', [[pickingId], ['state', 'hub_sync_status', 'move_ids']]))[0]!

  it('confirm order -> WMS fulfilment -> pick/pack callbacks -> picking done and acknowledged, one correlation id', async () => {
    const { pickingId } = await confirmOrder(3)
    await waitFor('sync state acknowledged', async () => (await syncState(pickingId))?.status === 'acknowledged', 60_000, 250)
    const state = await syncState(pickingId)
    assert.equal((await picking(pickingId)).state, 'done')
    assert.equal((await picking(pickingId)).hub_sync_status, 'acknowledged')

    const fulfilment = [...wms.fulfilments.values()].find(f => f.request.client_reference === `stock.picking/${pickingId}`)
    assert.ok(fulfilment, 'the WMS received the fulfilment request')
    assert.equal(fulfilment.request.items[0].quantity, 3)
    assert.equal(fulfilment.request.items[0].sku, 'E2E-PJ')
    assert.equal(state!.external_ref, fulfilment.fulfilment_id)

    const correlation = state!.correlation_id as string
    assert.ok(correlation)
    assert.equal(fulfilment.request.correlation_id, correlation)
    const { rows: events } = await db.query('SELECT direction, event_type, state, correlation_id FROM hub_event WHERE (res_model = $1 AND res_id = $2) OR correlation_id = $3 ORDER BY id', ['stock.picking', pickingId, correlation])
    assert.deepEqual(events.map(e => `${e.direction}:${e.event_type}:${e.state}`), ['out:picking.ready:delivered', 'in:fulfilment.picked:applied', 'in:fulfilment.packed:applied'])
    assert.ok(events.every(e => e.correlation_id === correlation))

    // per-message lines carry correlation_id; per-batch lines (relay, delivery, write-back) list correlation_ids
    const mentions = (l: Record<string, any>) => l.correlation_id === correlation || (Array.isArray(l.correlation_ids) && l.correlation_ids.includes(correlation))
    await waitFor('write-back of the delivery logged', () => logs.some(l => mentions(l) && l.msg === 'sync state written back to Odoo'))
    const flow = new Set(logs.filter(mentions).map(l => l.msg))
    for (const step of ['event relayed to delivery queue', 'event delivered', 'partner callback received', 'partner callback applied in Odoo', 'sync state written back to Odoo']) {
      assert.ok(flow.has(step), `sidecar log has "${step}" with the correlation id`)
    }
    assert.ok(odoo.log().includes(correlation), 'the Odoo log mentions the correlation id')
  })

  it('keeps callbacks while Odoo is down and applies them exactly once when it returns', async () => {
    wms.configure({ autoConfirm: false })
    wms.faults.set({ duplicateCallbacks: true })
    const { pickingId } = await confirmOrder(2)
    const fulfilment = await waitFor('fulfilment request', () => [...wms.fulfilments.values()].find(f => f.request.client_reference === `stock.picking/${pickingId}`), 30_000)
    await waitFor('sent state', async () => (await syncState(pickingId))?.status === 'sent', 30_000, 250)

    await odoo.stop()
    await wms.advance(fulfilment.fulfilment_id, ['PICKED', 'PACKED'])
    const answered = wms.callbacks.filter(c => c.fulfilment_id === fulfilment.fulfilment_id).map(c => c.status)
    assert.deepEqual(answered, [202, 200, 202, 200], 'the sidecar accepts (and dedupes) callbacks without Odoo')
    const { rows: [before] } = await db.query('SELECT state FROM stock_picking WHERE id = $1', [pickingId])
    assert.notEqual(before.state, 'done')

    await odoo.start()
    await waitFor('acknowledged after Odoo returned', async () => (await syncState(pickingId))?.status === 'acknowledged', 60_000, 500)
    assert.equal((await picking(pickingId)).state, 'done')
    // the two callbacks are applied by separate jobs: PACKED may land (and acknowledge) before PICKED does
    const applied = async () => (await db.query("SELECT count(*)::int AS n FROM hub_event WHERE direction = 'in' AND correlation_id = $1", [fulfilment.request.correlation_id])).rows[0].n as number
    await waitFor('both callbacks applied', async () => await applied() >= 2, 30_000, 250)
    await new Promise(resolve => setTimeout(resolve, 2000)) // time for a duplicate to show, if there were one
    assert.equal(await applied(), 2, 'each callback applied once')
  })

  it('reconciliation turns a delivery the WMS never confirmed into one exception whose Retry re-sends it', async () => {
    wms.configure({ autoConfirm: false })
    const { pickingId } = await confirmOrder(1)
    await waitFor('sent state', async () => (await syncState(pickingId))?.status === 'sent', 30_000, 250)
    // three hours pass without a confirmation
    await db.query("UPDATE hub_sync_state SET write_date = write_date - interval '3 hours' WHERE res_model = 'stock.picking' AND res_id = $1", [pickingId])
    const deps = { pool: db, inbound: sidecar.inbound, odoo: rpc, logger: sidecar.logger, breakers: sidecar.breakers }
    const settings = { ackMinutes: 120, scanHours: 24, invoiceHours: 48, portalMinutes: 30 }
    const drift = await reconcile(deps, settings)
    assert.ok(drift.some(d => d.res_id === pickingId && d.reason === 'unacknowledged'))
    await reconcile(deps, settings) // the next run finds it again: still one exception
    const exceptions = await rpc.executeKw<Array<{ id: number, event_id: [number, string] | false, occurrences: number }>>('hub.exception', 'search_read',
      [[['picking_id', '=', pickingId], ['reason', '=', 'unacknowledged']]], { fields: ['event_id', 'occurrences'] })
    assert.equal(exceptions.length, 1)
    assert.equal(exceptions[0]!.occurrences, 1)
    assert.ok(exceptions[0]!.event_id, 'the exception knows which event to re-send')
    const before = wms.requests.length
    const dialog = await rpc.executeKw<{ res_model: string, res_id: number }>('hub.exception', 'action_retry', [[exceptions[0]!.id]])
    await sendAgain(dialog, { send_confirmed: true })
    await waitFor('re-sent to the WMS', () => wms.requests.length > before, 30_000, 250)
  })

  /** Confirms the re-send dialog (hub.resend.wizard) that Replay, Retry and Send Again open. */
  async function sendAgain (dialog: { res_model: string, res_id: number }, options: Record<string, boolean> = {}): Promise<void> {
    assert.equal(dialog.res_model, 'hub.resend.wizard', 're-sending asks first')
    await rpc.executeKw('hub.resend.wizard', 'write', [[dialog.res_id], options])
    await rpc.executeKw('hub.resend.wizard', 'action_confirm', [[dialog.res_id]])
  }

  it('replaying a delivery the WMS already fulfilled asks first and makes no second fulfilment', async () => {
    wms.configure({ autoConfirm: true })
    const { pickingId } = await confirmOrder(4)
    await waitFor('acknowledged', async () => (await syncState(pickingId))?.status === 'acknowledged', 60_000, 250)
    const fulfilments = () => [...wms.fulfilments.values()].filter(f => f.request.client_reference === `stock.picking/${pickingId}`)
    const first = fulfilments()
    assert.equal(first.length, 1)
    const { rows: [event] } = await db.query("SELECT id FROM hub_event WHERE direction = 'out' AND res_model = 'stock.picking' AND res_id = $1 AND connector_id = $2", [pickingId, connectorId])

    await assert.rejects(sendAgain(await rpc.executeKw('hub.event', 'action_hub_replay', [[event.id]])), /already confirmed/,
      'a record the partner confirmed is not sent without the override')
    const requests = wms.requests.length
    await sendAgain(await rpc.executeKw('hub.event', 'action_hub_replay', [[event.id]]), { send_confirmed: true })
    await waitFor('the re-send reached the WMS', () => wms.requests.length > requests, 30_000, 250)
    await waitFor('the re-send delivered', async () => (await db.query("SELECT count(*)::int AS n FROM hub_event WHERE direction = 'out' AND res_id = $1 AND connector_id = $2 AND state = 'delivered'", [pickingId, connectorId])).rows[0].n === 2, 30_000, 250)
    assert.equal(fulfilments().length, 1, 'the WMS deduplicated the repeated request: no second fulfilment')
    assert.equal((await syncState(pickingId))!.external_ref, first[0]!.fulfilment_id, 'the external reference is unchanged')

    await sendAgain(await rpc.executeKw('hub.event', 'action_hub_replay', [[event.id]]), { send_confirmed: true, new_request: true })
    await waitFor('a genuinely new request', () => fulfilments().length === 2, 30_000, 250)
  })
})
