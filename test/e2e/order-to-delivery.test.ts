import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import type { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { CarrierSimulator } from '../../sidecar/simulators/carrier/server.ts'
import { WebhookReceiver } from '../../sidecar/simulators/webhook-receiver.ts'
import { WmsSimulator } from '../../sidecar/simulators/wms/server.ts'
import { reconcile } from '../../sidecar/src/workers/reconcile.ts'
import { newSecret } from '../support/fixtures.ts'
import { OdooServer, archiveAllConnectors, odooSpec } from '../support/odoo.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

const spec = odooSpec()

/**
 * From confirmed order to delivered shipment in real Odoo 18: the WMS packs, the validated picking is
 * rate-shopped across two carriers speaking different wire formats, the cheapest books a label that
 * lands on the picking, tracking webhooks (duplicated and out of order) move the shipment forward to
 * delivered with proof of delivery, and `shipment.delivered` reaches billing.
 */
describe('order to delivered shipment, end to end in real Odoo', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)' }, () => {
  let odoo: OdooServer
  let rpc: OdooClient
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  let db: pg.Pool
  // every connector has its own secret (the hub refuses one secret on two connectors)
  const secrets = { wms: newSecret(), parcelfast: newSecret(), swiftpost: newSecret(), billing: newSecret(), shipping: newSecret() }
  const wms = new WmsSimulator({ secret: secrets.wms, callbackSecret: secrets.wms, autoConfirm: true, confirmDelayMs: 100 })
  const parcelfast = new CarrierSimulator({ dialect: 'parcelfast', apiKey: secrets.parcelfast, callbackSecret: secrets.parcelfast })
  const swiftpost = new CarrierSimulator({ dialect: 'swiftpost', apiKey: secrets.swiftpost, callbackSecret: secrets.swiftpost })
  const billing = new WebhookReceiver(secrets.billing)
  let partnerId: number
  let productId: number

  const connector = async (vals: Record<string, unknown>, events: Array<string | [string, Record<string, unknown>]>) => {
    const id = await rpc.executeKw<number>('hub.connector', 'create', [{ retry_delay: 1, retry_backoff: false, timeout: 5, ...vals }])
    for (const e of events) {
      const [eventType, extra] = typeof e === 'string' ? [e, {}] : e
      await rpc.executeKw('hub.route', 'create', [{ connector_id: id, event_type: eventType, ...extra }])
    }
    return id
  }

  before(async () => {
    odoo = new OdooServer(spec!, process.env.HUB_E2E_WORK!)
    await odoo.start()
    rpc = odoo.client()
    db = new pg.Pool({ connectionString: spec!.dbUrl, max: 2 })
    sidecar = await startSidecar(spec!.dbUrl, { ODOO_URL: odoo.url, ODOO_DB: spec!.db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin', HUB_ODOO_RETRY_SECONDS: '1' })
    await archiveAllConnectors(rpc)

    await connector({ name: 'WMS', code: 'e2e-wms', kind: 'wms', adapter: 'wms', base_url: await wms.start(), secret: secrets.wms }, ['picking.ready'])
    await connector({ name: 'Best carrier', code: 'e2e-shipping', kind: 'carrier', adapter: 'rate_shop', secret: secrets.shipping }, [['picking.done', { carrier_rule: 'cheapest' }]])
    await connector({ name: 'ParcelFast', code: 'e2e-parcelfast', kind: 'carrier', adapter: 'parcelfast', base_url: await parcelfast.start(), secret: secrets.parcelfast }, [])
    await connector({ name: 'SwiftPost', code: 'e2e-swiftpost', kind: 'carrier', adapter: 'swiftpost', base_url: await swiftpost.start(), secret: secrets.swiftpost }, [])
    await connector({ name: 'Billing', code: 'e2e-billing', kind: 'billing', adapter: 'webhook', base_url: await billing.start(), secret: secrets.billing }, ['shipment.delivered'])
    wms.configure({ callbackUrl: `${sidecar.url}/hooks/e2e-wms` })
    parcelfast.configure({ callbackUrl: `${sidecar.url}/hooks/e2e-parcelfast` })
    swiftpost.configure({ callbackUrl: `${sidecar.url}/hooks/e2e-swiftpost` })

    productId = await rpc.executeKw<number>('product.product', 'create', [{ name: 'E2E Crate', default_code: 'E2E-CRATE', type: 'consu', is_storable: true, weight: 4.5 }])
    const [warehouse] = await rpc.executeKw<Array<{ lot_stock_id: [number, string] }>>('stock.warehouse', 'search_read', [[]], { fields: ['lot_stock_id'], limit: 1 })
    const quantId = await rpc.executeKw<number>('stock.quant', 'create', [{ product_id: productId, location_id: warehouse!.lot_stock_id[0], inventory_quantity: 50 }], { context: { inventory_mode: true } })
    await rpc.executeKw('stock.quant', 'action_apply_inventory', [[quantId]])
    const nl = await rpc.executeKw<number[]>('res.country', 'search', [[['code', '=', 'NL']]])
    partnerId = await rpc.executeKw<number>('res.partner', 'create', [{ name: 'E2E Shop BV', street: '2 Canal St', city: 'Utrecht', zip: '3511', country_id: nl[0] }])
  })

  after(async () => {
    await sidecar?.stop()
    for (const sim of [wms, parcelfast, swiftpost, billing]) await sim.stop()
    await db?.end()
    await odoo?.stop()
  })

  const picking = async (id: number) => (await rpc.executeKw<Array<Record<string, any>>>('stock.picking', 'read', [[id],
    ['state', 'hub_shipment_status', 'hub_tracking_number', 'hub_carrier_connector_id', 'hub_carrier_service', 'hub_label_attachment_id', 'hub_pod_signed_by', 'hub_delivered_at']]))[0]!

  it('books the cheapest carrier with a label, follows tracking to delivered with POD, and tells billing', async () => {
    const orderId = await rpc.executeKw<number>('sale.order', 'create', [{ partner_id: partnerId, order_line: [[0, 0, { product_id: productId, product_uom_qty: 2 }]] }])
    await rpc.executeKw('sale.order', 'action_confirm', [[orderId]])
    const [order] = await rpc.executeKw<Array<{ picking_ids: number[] }>>('sale.order', 'read', [[orderId], ['picking_ids']])
    const pickingId = order!.picking_ids[0]!

    const booked = await waitFor('label on the picking', async () => { const p = await picking(pickingId); return p.hub_tracking_number ? p : null }, 60_000, 250)
    assert.equal(booked.state, 'done', 'the WMS packed it')
    assert.equal(booked.hub_carrier_connector_id[1], 'SwiftPost', 'SwiftPost SP-48 is the cheapest rate')
    assert.equal(booked.hub_carrier_service, 'SP-48')
    assert.equal(booked.hub_shipment_status, 'label_created')
    assert.ok(booked.hub_label_attachment_id, 'label PDF attached')
    const [label] = await rpc.executeKw<Array<{ mimetype: string, name: string }>>('ir.attachment', 'read', [[booked.hub_label_attachment_id[0]], ['mimetype', 'name']])
    assert.equal(label!.mimetype, 'application/pdf')
    const shipment = swiftpost.shipments.get(booked.hub_tracking_number)
    assert.ok(shipment, 'the carrier holds the booking')
    assert.equal(parcelfast.shipments.size, 0)

    swiftpost.faults.set({ duplicateCallbacks: true, outOfOrderCallbacks: true })
    await swiftpost.track(booked.hub_tracking_number, ['picked_up', 'in_transit', 'out_for_delivery', 'delivered'], { pod: true })
    const delivered = await waitFor('delivered in Odoo', async () => { const p = await picking(pickingId); return p.hub_shipment_status === 'delivered' ? p : null }, 60_000, 250)
    assert.equal(delivered.hub_pod_signed_by, 'J. Peeters')
    assert.ok(delivered.hub_delivered_at)
    const trackingEvents = () => rpc.executeKw<Array<{ status: string }>>('hub.tracking.event', 'search_read', [[['picking_id', '=', pickingId]]], { fields: ['status'] })
    await waitFor('all four tracking events', async () => (await trackingEvents()).length >= 4, 30_000, 250)
    await waitFor('duplicates delivered too', () => swiftpost.webhooks.length >= 8, 30_000, 250)
    const events = await trackingEvents()
    assert.deepEqual(events.map(e => e.status).sort(), ['delivered', 'in_transit', 'out_for_delivery', 'picked_up'], 'each tracking event stored once despite duplicates')

    const notice = await waitFor('shipment.delivered at billing', () => billing.accepted.find(a => a.body.type === 'shipment.delivered' && a.body.source.id === pickingId), 60_000, 250)
    assert.equal(notice.body.source.model, 'stock.picking')
  })

  it('reconciles by the hub\'s clock: a delivery the carrier dates a week back is no invoicing drift yet; an unscanned label is asked about without a failure', async () => {
    swiftpost.faults.reset()
    const shipped = async () => {
      const orderId = await rpc.executeKw<number>('sale.order', 'create', [{ partner_id: partnerId, order_line: [[0, 0, { product_id: productId, product_uom_qty: 1 }]] }])
      await rpc.executeKw('sale.order', 'action_confirm', [[orderId]])
      const [order] = await rpc.executeKw<Array<{ picking_ids: number[] }>>('sale.order', 'read', [[orderId], ['picking_ids']])
      const id = order!.picking_ids[0]!
      return { id, tracking: (await waitFor(`label on picking ${id}`, async () => (await picking(id)).hub_tracking_number || null, 60_000, 250)) as string }
    }
    const late = await shipped()
    const unscanned = await shipped()

    // the carrier reports the delivery with its clock a week behind (as the demo simulator used to)
    swiftpost.configure({ clockOffsetMs: -7 * 24 * 3600_000 })
    const wire = await swiftpost.track(late.tracking, ['picked_up', 'delivered'], { pod: true }) as Array<{ statusCode: number, at: string }>
    swiftpost.configure({ clockOffsetMs: 0 })
    const delivered = await waitFor('late delivery applied', async () => { const p = await picking(late.id); return p.hub_shipment_status === 'delivered' ? p : null }, 60_000, 250)
    const carrierTime = wire.find(e => e.statusCode === 500)!.at.slice(0, 19).replace('T', ' ')
    assert.equal(delivered.hub_delivered_at, carrierTime, 'the delivery date stays the carrier\'s')

    // the other label waits for its first scan for over a day
    await db.query("UPDATE stock_picking SET write_date = write_date - interval '25 hours' WHERE id = $1", [unscanned.id])
    const warnings: string[] = []
    const logger = createLogger('warn', new Writable({ write (chunk, _enc, done) { warnings.push(String(chunk)); done() } }))
    const deps = { pool: db, inbound: sidecar.inbound, odoo: rpc, logger, breakers: sidecar.breakers }
    const settings = { ackMinutes: 120, scanHours: 24, invoiceHours: 48, portalMinutes: 30 }
    const found = (drift: Awaited<ReturnType<typeof reconcile>>) => drift.filter(d => [late.id, unscanned.id].includes(d.res_id)).map(d => [d.res_id, d.reason])

    assert.deepEqual(found(await reconcile(deps, settings)), [[unscanned.id, 'no_carrier_scan']], 'received a minute ago: not late for invoicing')
    assert.deepEqual(warnings.filter(w => w.includes(unscanned.tracking)), [], 'the carrier answered (no scans yet): nothing failed')

    // two days after the hub RECEIVED the delivery, it is drift
    await db.query("UPDATE hub_tracking_event SET create_date = create_date - interval '49 hours' WHERE picking_id = $1", [late.id])
    assert.deepEqual(found(await reconcile(deps, settings)), [[unscanned.id, 'no_carrier_scan'], [late.id, 'not_invoiced']])
  })
})
