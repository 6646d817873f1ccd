import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { CarrierSimulator } from '../../sidecar/simulators/carrier/server.ts'
import { WebhookReceiver } from '../../sidecar/simulators/webhook-receiver.ts'
import { WmsSimulator } from '../../sidecar/simulators/wms/server.ts'
import { newSecret } from '../support/fixtures.ts'
import { OdooServer, archiveAllConnectors, odooSpec } from '../support/odoo.ts'
import { startSidecar } from '../support/sidecar.ts'
import { freePort, kill, killableSidecarEnv, sidecarProcess } from '../support/sidecar-process.ts'
import { waitFor } from '../support/wait.ts'

const spec = odooSpec()

type Row = Record<string, any>

/**
 * Business processes in real Odoo 18 with the sidecar and partner simulators: the default
 * order-to-delivery and return-to-refund definitions, advanced by the milestones that already flow.
 * What is asserted is what Odoo finally holds (process, steps, activities, exceptions, backorders) and
 * what the partners finally received (the simulators' own records), never our queue's word.
 */
describe('business processes, end to end in real Odoo', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)' }, () => {
  let odoo: OdooServer
  let rpc: OdooClient
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  let db: pg.Pool
  const secrets = { wms: newSecret(), parcelfast: newSecret(), swiftpost: newSecret(), shipping: newSecret(), portal: newSecret() }
  const wms = new WmsSimulator({ secret: secrets.wms, callbackSecret: secrets.wms, autoConfirm: true, confirmDelayMs: 100 })
  const parcelfast = new CarrierSimulator({ dialect: 'parcelfast', apiKey: secrets.parcelfast, callbackSecret: secrets.parcelfast })
  const swiftpost = new CarrierSimulator({ dialect: 'swiftpost', apiKey: secrets.swiftpost, callbackSecret: secrets.swiftpost })
  const portal = new WebhookReceiver(secrets.portal)
  let partnerId: number
  let productId: number
  let wmsId: number

  const connector = async (vals: Record<string, unknown>, events: Array<string | [string, Record<string, unknown>]>) => {
    const id = await rpc.executeKw<number>('hub.connector', 'create', [{ retry_delay: 1, retry_backoff: false, timeout: 5, ...vals }])
    for (const e of events) {
      const [eventType, extra] = typeof e === 'string' ? [e, {}] : e
      await rpc.executeKw('hub.route', 'create', [{ connector_id: id, event_type: eventType, ...extra }])
    }
    return id
  }

  const sidecarEnv = () => ({ ODOO_URL: odoo.url, ODOO_DB: spec!.db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin', HUB_ODOO_RETRY_SECONDS: '1', HUB_PROCESS_TIMER_POLL_MS: '200' })
  /** partners call back the sidecar at `url` */
  const callbacksTo = (url: string) => {
    wms.configure({ callbackUrl: `${url}/hooks/p-wms` })
    parcelfast.configure({ callbackUrl: `${url}/hooks/p-parcelfast` })
    swiftpost.configure({ callbackUrl: `${url}/hooks/p-swiftpost` })
  }

  before(async () => {
    odoo = new OdooServer(spec!, process.env.HUB_E2E_WORK!)
    await odoo.start()
    rpc = odoo.client()
    db = new pg.Pool({ connectionString: spec!.dbUrl, max: 2 })
    sidecar = await startSidecar(spec!.dbUrl, sidecarEnv())
    await archiveAllConnectors(rpc)

    wmsId = await connector({ name: 'WMS', code: 'p-wms', kind: 'wms', adapter: 'wms', base_url: await wms.start(), secret: secrets.wms }, ['picking.ready'])
    await connector({ name: 'Best carrier', code: 'p-shipping', kind: 'carrier', adapter: 'rate_shop', secret: secrets.shipping, max_attempts: 1 }, [['picking.done', { carrier_rule: 'cheapest' }]])
    await connector({ name: 'ParcelFast', code: 'p-parcelfast', kind: 'carrier', adapter: 'parcelfast', base_url: await parcelfast.start(), secret: secrets.parcelfast }, [])
    await connector({ name: 'SwiftPost', code: 'p-swiftpost', kind: 'carrier', adapter: 'swiftpost', base_url: await swiftpost.start(), secret: secrets.swiftpost }, [])
    await connector({ name: 'Customer portal', code: 'p-portal', kind: 'portal', adapter: 'webhook', base_url: await portal.start(), secret: secrets.portal }, ['shipment.delivered'])
    callbacksTo(sidecar.url)

    productId = await rpc.executeKw<number>('product.product', 'create', [{ name: 'Process Crate', default_code: 'P-CRATE', type: 'consu', is_storable: true, weight: 2, invoice_policy: 'delivery' }])
    const [warehouse] = await rpc.executeKw<Array<{ lot_stock_id: [number, string] }>>('stock.warehouse', 'search_read', [[]], { fields: ['lot_stock_id'], limit: 1 })
    const quantId = await rpc.executeKw<number>('stock.quant', 'create', [{ product_id: productId, location_id: warehouse!.lot_stock_id[0], inventory_quantity: 500 }], { context: { inventory_mode: true } })
    await rpc.executeKw('stock.quant', 'action_apply_inventory', [[quantId]])
    const nl = await rpc.executeKw<number[]>('res.country', 'search', [[['code', '=', 'NL']]])
    partnerId = await rpc.executeKw<number>('res.partner', 'create', [{ name: 'Process Shop BV', street: '3 Canal St', city: 'Utrecht', zip: '3511', country_id: nl[0] }])
  })

  after(async () => {
    await sidecar?.stop()
    for (const sim of [wms, parcelfast, swiftpost, portal]) await sim.stop()
    await db?.end()
    await odoo?.stop()
  })

  async function confirmOrder (qty: number): Promise<{ orderId: number, pickingId: number }> {
    const orderId = await rpc.executeKw<number>('sale.order', 'create', [{ partner_id: partnerId, order_line: [[0, 0, { product_id: productId, product_uom_qty: qty }]] }])
    await rpc.executeKw('sale.order', 'action_confirm', [[orderId]])
    const [order] = await rpc.executeKw<Array<{ picking_ids: number[] }>>('sale.order', 'read', [[orderId], ['picking_ids']])
    return { orderId, pickingId: order!.picking_ids[0]! }
  }

  const processOf = async (orderId: number, definition = 'order_to_delivery'): Promise<Row | undefined> => (await rpc.executeKw<Row[]>('hub.process', 'search_read',
    [[['sale_order_id', '=', orderId], ['definition_code', '=', definition]]], { fields: ['id', 'state', 'is_late', 'waiting_approval', 'exception_id', 'short_quantity', 'current_step_id'] }))[0]
  const stepsOf = async (processId: number): Promise<Record<string, Row>> => Object.fromEntries((await rpc.executeKw<Row[]>('hub.process.step', 'search_read',
    [[['process_id', '=', processId]]], { fields: ['code', 'state', 'deadline', 'breached_at', 'escalation_level'] })).map(s => [s.code, s]))
  const stateOf = async (processId: number) => Object.fromEntries(Object.entries(await stepsOf(processId)).map(([code, s]) => [code, s.state]))
  const activitiesOf = async (processId: number) => await rpc.executeKw<Row[]>('mail.activity', 'search_read',
    [[['res_model', '=', 'hub.process'], ['res_id', '=', processId]]], { fields: ['summary', 'user_id'] })

  it('order-to-delivery: an SLA breach escalates once (timer in the sidecar), the process then runs to delivered', async () => {
    wms.configure({ autoConfirm: false })
    try {
      await slaBreachThenDelivery()
    } finally {
      wms.configure({ autoConfirm: true })
    }
  })

  async function slaBreachThenDelivery (): Promise<void> {
    const { orderId, pickingId } = await confirmOrder(2)
    const started = await waitFor('process started', async () => await processOf(orderId), 30_000, 250)
    assert.equal(started.state, 'running')
    const fulfilment = await waitFor('fulfilment at the WMS', () => [...wms.fulfilments.values()].find(f => f.request.client_reference === `stock.picking/${pickingId}`), 30_000)

    // the WMS took the order (its answer is the acknowledgement); packing waits for the warehouse
    await waitFor('warehouse acknowledged', async () => (await stepsOf(started.id)).warehouse_acknowledged?.state === 'done', 30_000, 250)
    const active = (await stepsOf(started.id)).packed!
    assert.equal(active.state, 'active')
    assert.ok(active.deadline, 'packing has a deadline (the cut-off)')
    // time passes: the deadline is now (the sidecar's timer loop reads the column)
    await db.query("UPDATE hub_process_step SET deadline = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE process_id = $1 AND code = $2", [started.id, active.code])
    const breached = await waitFor('step breached', async () => { const s = (await stepsOf(started.id))[active.code]!; return s.breached_at ? s : null }, 30_000, 250)
    assert.equal(breached.escalation_level, 1)
    assert.equal((await processOf(orderId))!.is_late, true)
    const escalated = await activitiesOf(started.id)
    assert.equal(escalated.length, 1, 'one escalation activity')

    // the same deadline claimed again (a second replica, a redelivered job) changes nothing
    await db.query('UPDATE hub_process_step SET timer_queued_deadline = NULL WHERE process_id = $1 AND code = $2 AND escalation_level = 1 AND deadline IS NULL', [started.id, active.code])
    await new Promise(resolve => setTimeout(resolve, 1500))
    assert.equal((await stepsOf(started.id))[active.code]!.escalation_level, 1)

    await wms.advance(fulfilment.fulfilment_id, ['PICKED', 'PACKED'])
    const booked = await waitFor('label booked', async () => { const [p] = await rpc.executeKw<Row[]>('stock.picking', 'read', [[pickingId], ['hub_tracking_number', 'hub_carrier_connector_id']]); return p!.hub_tracking_number ? p : null }, 60_000, 250)
    const carrier = booked.hub_carrier_connector_id[1] === 'SwiftPost' ? swiftpost : parcelfast
    // the escalation to-do is closed once the step is done; the breach stays on the step
    assert.equal((await activitiesOf(started.id)).length, 0, 'packed: its late to-do is closed')
    await carrier.track(booked.hub_tracking_number, ['picked_up', 'in_transit', 'delivered'], { pod: true })
    await waitFor('delivered step done', async () => (await stepsOf(started.id)).delivered?.state === 'done', 60_000, 250)
    const steps = await stateOf(started.id)
    for (const code of ['confirmed', 'warehouse_acknowledged', 'packed', 'carrier_booked', 'in_transit', 'delivered']) assert.equal(steps[code], 'done', `${code} done`)
    assert.equal(steps.invoiced, 'active', 'waits for the invoice')
  }

  it('every carrier rejects after packing: the WMS fulfilment is cancelled once, the process fails with one exception', async () => {
    parcelfast.faults.set({ failNext: 1000, failStatus: 422 })
    swiftpost.faults.set({ failNext: 1000, failStatus: 422 })
    try {
      const { orderId, pickingId } = await confirmOrder(1)
      const started = await waitFor('process started', async () => await processOf(orderId), 30_000, 250)
      const failed = await waitFor('process failed', async () => { const p = await processOf(orderId); return p?.state === 'failed' ? p : null }, 90_000, 250)
      const steps = await stateOf(started.id)
      assert.equal(steps.carrier_booked, 'failed')
      assert.equal(steps.packed, 'compensated')
      assert.equal(steps.warehouse_acknowledged, 'compensated')

      // at the partner: the WMS received exactly one cancellation of this fulfilment
      const fulfilment = [...wms.fulfilments.values()].find(f => f.request.client_reference === `stock.picking/${pickingId}`)!
      const cancels = await waitFor('cancel at the WMS', () => wms.cancellations.filter(c => c.fulfilment_id === fulfilment.fulfilment_id), 30_000)
      assert.equal(cancels.length, 1, 'cancelled once')

      const [exception] = await rpc.executeKw<Row[]>('hub.exception', 'read', [[failed.exception_id[0]], ['reason', 'description', 'state']])
      assert.equal(exception!.reason, 'process_failed')
      assert.match(exception!.description, /carrier/i, 'the path names the failed step')
      const count = await rpc.executeKw<number>('hub.exception', 'search_count', [[['reason', '=', 'process_failed'], ['res_model', '=', 'sale.order'], ['res_id', '=', orderId]]])
      assert.equal(count, 1)
    } finally {
      parcelfast.faults.reset()
      swiftpost.faults.reset()
    }
  })

  it('a short pick keeps the rest as a backorder, records it on the process and raises one exception', async () => {
    wms.configure({ autoConfirm: false })
    const { orderId, pickingId } = await confirmOrder(5)
    const fulfilment = await waitFor('fulfilment at the WMS', () => [...wms.fulfilments.values()].find(f => f.request.client_reference === `stock.picking/${pickingId}`), 30_000)
    await wms.advance(fulfilment.fulfilment_id, ['PICKED', 'PACKED'], { shippedQuantities: { 'P-CRATE': 3 } })
    const [order] = await waitFor('backorder', async () => {
      const rows = await rpc.executeKw<Row[]>('sale.order', 'read', [[orderId], ['picking_ids', 'order_line']])
      return rows[0]!.picking_ids.length === 2 ? rows : null
    }, 60_000, 250)
    const pickings = await rpc.executeKw<Row[]>('stock.picking', 'read', [order!.picking_ids, ['state', 'backorder_id', 'move_ids']])
    const backorder = pickings.find(p => p.backorder_id)!
    assert.ok(backorder, 'the rest is a backorder')
    assert.notEqual(backorder.state, 'cancel')
    const [line] = await rpc.executeKw<Row[]>('sale.order.line', 'read', [order!.order_line, ['qty_delivered']])
    assert.equal(line!.qty_delivered, 3, 'only what shipped counts as delivered (and is invoiced)')
    const process = (await processOf(orderId))!
    assert.equal(process.short_quantity, 2)
    const exceptions = await rpc.executeKw<number>('hub.exception', 'search_count', [[['reason', '=', 'short_shipment'], ['picking_id', '=', pickingId]]])
    assert.equal(exceptions, 1)
    wms.configure({ autoConfirm: true })
  })

  it('return-to-refund waits for a person to inspect; only an approver may decide', async () => {
    const { orderId, pickingId } = await confirmOrder(1)
    await waitFor('delivery done', async () => (await rpc.executeKw<Row[]>('stock.picking', 'read', [[pickingId], ['state']]))[0]!.state === 'done', 60_000, 250)
    const wizard = await rpc.executeKw<number>('stock.return.picking', 'create', [{ picking_id: pickingId }], { context: { active_id: pickingId, active_model: 'stock.picking' } })
    const lines = await rpc.executeKw<Row[]>('stock.return.picking.line', 'search_read', [[['wizard_id', '=', wizard]]], { fields: ['id'] })
    for (const l of lines) await rpc.executeKw('stock.return.picking.line', 'write', [[l.id], { quantity: 1 }])
    const action = await rpc.executeKw<Row>('stock.return.picking', 'action_create_returns', [[wizard]])
    const returnId = action.res_id as number
    const ret = await waitFor('return process', async () => await processOf(orderId, 'return_to_refund'), 30_000, 250)
    assert.equal((await stateOf(ret.id)).authorised, 'done')

    const [move] = await rpc.executeKw<Row[]>('stock.move', 'search_read', [[['picking_id', '=', returnId]]], { fields: ['id', 'product_uom_qty'] })
    await rpc.executeKw('stock.move', 'write', [[move!.id], { quantity: move!.product_uom_qty, picked: true }])
    await rpc.executeKw('stock.picking', 'button_validate', [[returnId]])
    await waitFor('received', async () => (await stateOf(ret.id)).received === 'done', 30_000, 250)
    const waiting = (await processOf(orderId, 'return_to_refund'))!
    assert.equal(waiting.waiting_approval, true)
    assert.ok((await activitiesOf(ret.id)).length >= 1, 'an activity asks for the inspection')

    // a salesperson without the approvers' group is refused
    const clerk = await rpc.executeKw<number>('res.users', 'create', [{ name: 'Clerk', login: `clerk-${Date.now()}`, password: 'clerk-pass-1', groups_id: [[6, 0, [(await rpc.executeKw<number[]>('res.groups', 'search', [[['full_name', '=', 'Sales / User: Own Documents Only']]]))[0]]]] }])
    const clerkRpc = new OdooClient({ url: odoo.url, db: spec!.db, user: (await rpc.executeKw<Row[]>('res.users', 'read', [[clerk], ['login']]))[0]!.login, password: 'clerk-pass-1' })
    await assert.rejects(clerkRpc.executeKw('hub.process', 'action_approve', [[ret.id]]))
    await rpc.executeKw('hub.process', 'action_approve', [[ret.id]])
    await rpc.executeKw('hub.process', 'action_approve', [[ret.id]]).catch(() => null) // a double click changes nothing
    const steps = await stepsOf(ret.id)
    assert.equal(steps.inspected!.state, 'done')
    assert.equal(steps.refunded!.state, 'active')
    const approvals = await rpc.executeKw<number>('hub.process.signal', 'search_count', [[['process_id', '=', ret.id], ['signal', '=', 'approval.granted']]])
    assert.equal(approvals, 1)
  })

  it('compensation exactly once when killed mid-way: the sidecar dies after the partners undid, before it heard back', { timeout: 240_000 }, async () => {
    // This test needs a sidecar it can SIGKILL: an OS process instead of the in-process one, on a fixed
    // port the partners call back; the in-process sidecar is back for later tests.
    await sidecar.stop()
    const port = await freePort()
    const env = killableSidecarEnv(spec!.dbUrl, sidecarEnv())
    const logFile = join(process.env.HUB_E2E_WORK!, 'process-compensation-sidecar.log')
    let child = await sidecarProcess(port, env, logFile)
    callbacksTo(`http://127.0.0.1:${port}`)
    try {
      const { orderId, pickingId } = await confirmOrder(1)
      const started = await waitFor('process started', async () => await processOf(orderId), 30_000, 250)
      const booked = await waitFor('label booked', async () => { const [p] = await rpc.executeKw<Row[]>('stock.picking', 'read', [[pickingId], ['hub_tracking_number', 'hub_carrier_connector_id']]); return p!.hub_tracking_number ? p : null }, 60_000, 250)
      await waitFor('in transit awaited', async () => (await stateOf(started.id)).in_transit === 'active', 30_000, 250)
      const carrier = booked.hub_carrier_connector_id[1] === 'SwiftPost' ? swiftpost : parcelfast
      const tracking = booked.hub_tracking_number as string
      const fulfilment = [...wms.fulfilments.values()].find(f => f.request.client_reference === `stock.picking/${pickingId}`)!
      assert.ok(fulfilment, 'the WMS has the fulfilment')
      assert.equal(fulfilment.stages.includes('SHIPPED'), false, 'not shipped: it can still be cancelled')

      // Both partners undo at once but answer 4 s later (the connectors wait 5 s): the kill lands after
      // the effects and before the sidecar recorded them.
      wms.configure({ cancelAnswerDelayMs: 4000 })
      carrier.configure({ voidAnswerDelayMs: 4000 })
      // Plays a definition whose "in transit" step compensates when missed: nobody picked the parcel up
      // in time. Time passes: the deadline is now, the sidecar's timer fails the process.
      await db.query("UPDATE hub_process_step SET breach_policy = 'compensate', deadline = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE process_id = $1 AND code = 'in_transit'", [started.id])

      const cancelled = () => wms.cancellations.filter(c => c.fulfilment_id === fulfilment.fulfilment_id)
      const voided = () => carrier.voids.filter(v => v.tracking === tracking)
      await waitFor('both partners undid their part', () => cancelled().length > 0 && voided().length > 0, 60_000, 20)
      await kill(child, 'SIGKILL')
      wms.configure({ cancelAnswerDelayMs: 0 })
      carrier.configure({ voidAnswerDelayMs: 0 })
      // mid-way: Odoo still waits for both compensations
      const midway = await stateOf(started.id)
      assert.equal((await processOf(orderId))!.state, 'compensating')
      assert.deepEqual([midway.in_transit, midway.carrier_booked, midway.packed, midway.warehouse_acknowledged], ['failed', 'compensating', 'compensated', 'compensating'])

      child = await sidecarProcess(port, env, logFile)
      const failed = await waitFor('process failed after the restart', async () => { const p = await processOf(orderId); return p?.state === 'failed' ? p : null }, 90_000, 250)

      // at the partners: the new sidecar sent the same requests again (their answers were lost), and
      // each partner took effect once
      assert.equal(cancelled().length, 1, 'the WMS cancelled the fulfilment once')
      assert.equal(voided().length, 1, 'the carrier voided the label once')
      assert.ok(wms.duplicateCancellations.some(d => d.cause === 'repeated_request' && d.fulfilment_ids.includes(fulfilment.fulfilment_id)), 'the cancellation was sent again after the restart')
      assert.ok(carrier.duplicateVoids.some(d => d.tracking === tracking && d.cause === 'repeated_request'), 'the void was sent again after the restart')

      // in Odoo: failed at "in transit", everything done before it undone, newest first
      const steps = await rpc.executeKw<Row[]>('hub.process.step', 'search_read', [[['process_id', '=', started.id]]], { fields: ['code', 'state', 'compensation_event_id'] })
      const by = Object.fromEntries(steps.map(st => [st.code, st]))
      assert.deepEqual(steps.map(st => `${st.code}:${st.state}`), [
        'confirmed:done', 'warehouse_acknowledged:compensated', 'packed:compensated', 'carrier_booked:compensated',
        'in_transit:failed', 'delivered:pending', 'invoiced:pending'
      ])
      assert.ok(by.carrier_booked!.compensation_event_id[0] < by.warehouse_acknowledged!.compensation_event_id[0], 'the label is voided before the fulfilment is cancelled')
      const events = await rpc.executeKw<Row[]>('hub.event', 'read', [[by.carrier_booked!.compensation_event_id[0], by.warehouse_acknowledged!.compensation_event_id[0]], ['event_type', 'state']])
      assert.deepEqual(events.map(e => e.event_type), ['shipment.void', 'fulfilment.cancel'])
      const compensations = await rpc.executeKw<number>('hub.event', 'search_count', [[['correlation_id', '=', (await rpc.executeKw<Row[]>('hub.process', 'read', [[started.id], ['correlation_id']]))[0]!.correlation_id], ['event_type', 'in', ['shipment.void', 'fulfilment.cancel']]]])
      assert.equal(compensations, 2, 'each compensation emitted once, not again after the restart')

      const exceptions = await rpc.executeKw<Row[]>('hub.exception', 'search_read', [[['reason', '=', 'process_failed'], ['res_model', '=', 'sale.order'], ['res_id', '=', orderId]]], { fields: ['id', 'description'] })
      assert.equal(exceptions.length, 1, 'one process_failed exception')
      assert.equal(exceptions[0]!.id, failed.exception_id[0])
      const path = exceptions[0]!.description as string
      assert.ok(path.indexOf('Carrier booked:') < path.indexOf('Warehouse acknowledged:') && path.indexOf('Warehouse acknowledged:') > 0, `the path lists the compensations newest first:\n${path}`)
    } finally {
      wms.configure({ cancelAnswerDelayMs: 0 })
      parcelfast.configure({ voidAnswerDelayMs: 0 })
      swiftpost.configure({ voidAnswerDelayMs: 0 })
      await kill(child, 'SIGTERM')
      sidecar = await startSidecar(spec!.dbUrl, sidecarEnv())
      callbacksTo(sidecar.url)
    }
  })
})
