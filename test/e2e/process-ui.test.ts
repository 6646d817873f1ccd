import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { Browser, Page } from 'playwright-core'
import type { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { adminPage, launchChromium } from '../support/browser.ts'
import { newSecret } from '../support/fixtures.ts'
import { OdooServer, odooSpec } from '../support/odoo.ts'
import { waitFor } from '../support/wait.ts'

const spec = odooSpec()
const root = fileURLToPath(new URL('../..', import.meta.url))
const screenshots = join(root, 'test-results', 'screenshots')

type Row = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** This suite's own database (as ui.test.ts): routes are global to a database. */
function ownDatabase (base: NonNullable<typeof spec>, db: string): NonNullable<typeof spec> {
  const args = base.args.map(arg => arg === base.db ? db : arg.startsWith('--db-filter=') ? `--db-filter=^${db}$` : arg)
  return { ...base, db, args, dbUrl: base.dbUrl.replace(/\/[^/]+$/, `/${db}`) }
}

/** "YYYY-MM-DD HH:MM:SS" (Odoo, UTC) -> ISO with Z, as the sidecar's timer loop sends deadlines. */
const isoUtc = (value: string): string => value.replace(' ', 'T') + 'Z'

/**
 * The process card on the sale order and on a return, in real Odoo 18 in Chromium: the order's
 * order-to-delivery process with its current step, deadline and what it waits for; live changes
 * without reloading the page when a warehouse result, a timer and a validation arrive (applied
 * through Odoo's RPC as the sidecar applies them); a return waiting for an approver who approves on
 * the card. No sidecar runs: the test calls the sidecar's RPC methods itself. Screenshots land in
 * test-results/screenshots.
 */
describe('process card in real Odoo (Playwright, Chromium)', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)' }, () => {
  let odoo: OdooServer
  let rpc: OdooClient
  let db: pg.Pool
  let browser: Browser
  let page: Page
  const pageErrors: string[] = []
  let productId: number
  let partnerId: number
  let orderId: number
  let pickingId: number

  const shot = async (name: string) => {
    // as a user sees it once the page has settled: no "Loading" badge, no tooltip under the pointer
    await page.mouse.move(5, 895)
    await page.locator('.o_loading_indicator').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {})
    await page.waitForTimeout(300)
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: false })
  }
  const ui = (name: string, body: () => Promise<void>) => async () => {
    try { await body() } catch (error) { await shot(`failed-process-${name}`).catch(() => {}); throw error }
  }
  const card = (definition = 'order_to_delivery') => page.locator(`.o_form_view .o_hub_process_card[data-definition="${definition}"]`)
  const samePage = async () => await page.evaluate(() => (window as unknown as { hubMarker?: string }).hubMarker)

  before(async () => {
    mkdirSync(screenshots, { recursive: true })
    const own = ownDatabase(spec!, `${spec!.db}_procui`)
    odoo = new OdooServer(own, process.env.HUB_E2E_WORK!)
    await odoo.start()
    rpc = odoo.client()
    db = new pg.Pool({ connectionString: own.dbUrl, max: 2 })
    // A warehouse that is never reached (no sidecar runs): its events stay pending and the test
    // applies the warehouse's answer through hub_apply_results, as the sidecar would.
    await rpc.executeKw('hub.connector', 'create', [{
      name: 'Card WMS', code: 'wms-card', kind: 'wms', adapter: 'wms', base_url: 'http://127.0.0.1:9', secret: newSecret(),
      route_ids: [[0, 0, { event_type: 'picking.ready' }]]
    }])
    productId = await rpc.executeKw<number>('product.product', 'create', [{ name: 'Card Pallet', default_code: 'CARD-P', type: 'consu', is_storable: true }])
    const [warehouse] = await rpc.executeKw<Array<{ lot_stock_id: [number, string] }>>('stock.warehouse', 'search_read', [[]], { fields: ['lot_stock_id'], limit: 1 })
    const quantId = await rpc.executeKw<number>('stock.quant', 'create', [{ product_id: productId, location_id: warehouse!.lot_stock_id[0], inventory_quantity: 100 }], { context: { inventory_mode: true } })
    await rpc.executeKw('stock.quant', 'action_apply_inventory', [[quantId]])
    partnerId = await rpc.executeKw<number>('res.partner', 'create', [{ name: 'Card Retail BV', street: '4 Quay', city: 'Rotterdam', zip: '3011' }])

    browser = await launchChromium()
    page = await adminPage(browser, odoo.url, pageErrors)
  })

  after(async () => {
    await browser?.close()
    await db?.end()
    await odoo?.stop()
    assert.deepEqual(pageErrors, [], 'no uncaught error in the web client')
  })

  const processOf = async (definition: string): Promise<Row> => await waitFor(`the ${definition} process`, async () => (await rpc.executeKw<Row[]>('hub.process', 'search_read',
    [[['sale_order_id', '=', orderId], ['definition_code', '=', definition]]], { fields: ['id', 'name', 'state', 'res_id'] }))[0], 15_000, 250)
  const stepOf = async (processId: number, code: string): Promise<Row> => (await rpc.executeKw<Row[]>('hub.process.step', 'search_read',
    [[['process_id', '=', processId], ['code', '=', code]]], { fields: ['id', 'state', 'deadline', 'escalation_level'] }))[0]!

  async function validate (picking: number): Promise<void> {
    const moves = await rpc.executeKw<Row[]>('stock.move', 'search_read', [[['picking_id', '=', picking]]], { fields: ['id', 'product_uom_qty'] })
    for (const move of moves) await rpc.executeKw('stock.move', 'write', [[move.id], { quantity: move.product_uom_qty, picked: true }])
    await rpc.executeKw('stock.picking', 'button_validate', [[picking]])
  }

  it('shows the order\'s process and follows a warehouse answer, a late step and a validation live', ui('order', async () => {
    orderId = await rpc.executeKw<number>('sale.order', 'create', [{ partner_id: partnerId, order_line: [[0, 0, { product_id: productId, product_uom_qty: 2 }]] }])
    await rpc.executeKw('sale.order', 'action_confirm', [[orderId]])
    pickingId = (await rpc.executeKw<Row[]>('sale.order', 'read', [[orderId], ['picking_ids']]))[0]!.picking_ids[0]
    const process = await processOf('order_to_delivery')

    await page.goto(`${odoo.url}/odoo/action-sale.action_orders/${orderId}`)
    await card().waitFor()
    assert.equal(await card().getAttribute('data-state'), 'running')
    assert.equal(await card().getAttribute('data-current-step'), 'warehouse_acknowledged')
    const chips = card().locator('.o_hub_process_step')
    assert.deepEqual(await chips.evaluateAll(els => els.map(el => `${(el as HTMLElement).dataset.code}:${(el as HTMLElement).dataset.state}`)), [
      'confirmed:done', 'warehouse_acknowledged:active', 'packed:pending', 'carrier_booked:pending', 'in_transit:pending', 'delivered:pending', 'invoiced:pending'
    ])
    assert.match(await card().locator('.o_hub_process_deadline').textContent() ?? '', /due in (59|60) min/, 'an hour for the warehouse')
    assert.match(await card().locator('.o_hub_process_actor').textContent() ?? '', /Warehouse acknowledged the delivery/)
    // The sync badges sit right above the card: both tell where the order is.
    await page.locator('.o_form_view .o_hub_sync_badge').first().waitFor()
    await page.evaluate(() => { (window as unknown as { hubMarker: string }).hubMarker = 'same page' })
    await shot('20-process-card-order')

    // The warehouse acknowledges (the sidecar's write-back): the card moves on by itself.
    const [event] = await rpc.executeKw<Row[]>('hub.event', 'search_read', [[['res_model', '=', 'stock.picking'], ['res_id', '=', pickingId], ['event_type', '=', 'picking.ready']]], { fields: ['uuid'] })
    await rpc.executeKw('hub.sync.state', 'hub_apply_results', [[{ event_uuid: event!.uuid, status: 'acknowledged', attempt: 1, error: null, external_ref: 'WMS-CARD-1', at: new Date().toISOString() }]])
    await page.locator('.o_form_view .o_hub_process_card[data-current-step="packed"]').waitFor({ timeout: 15_000 })
    assert.equal(await card().locator('.o_hub_process_step[data-code="warehouse_acknowledged"]').getAttribute('data-state'), 'done')
    assert.equal(await samePage(), 'same page', 'no page reload')
    await shot('21-process-card-live')

    // The packing cut-off passes (the sidecar's timer): the step is late, escalated, shown in red.
    const packed = await stepOf(process.id, 'packed')
    await db.query("UPDATE hub_process_step SET deadline = date_trunc('second', now() AT TIME ZONE 'UTC') - interval '5 minutes' WHERE id = $1", [packed.id])
    const due = await stepOf(process.id, 'packed')
    const [fired] = await rpc.executeKw<Row[]>('hub.process.step', 'hub_fire_timers', [[{ step_id: packed.id, deadline: isoUtc(due.deadline) }]])
    assert.equal(fired!.outcome, 'fired')
    await page.locator('.o_form_view .o_hub_process_card[data-late="1"]').waitFor({ timeout: 15_000 })
    assert.ok(await card().locator('.o_hub_process_step.text-bg-danger[data-code="packed"]').count() === 1, 'the late step is red')
    assert.match(await card().locator('.o_hub_process_deadline').getAttribute('class') ?? '', /text-danger/)
    assert.equal(await card().locator('.o_hub_process_actor').getAttribute('data-kind'), 'escalation')
    assert.equal(await samePage(), 'same page')
    await shot('22-process-card-late')

    // Validated in Odoo: packed everywhere, the carrier is next.
    await validate(pickingId)
    await page.locator('.o_form_view .o_hub_process_card[data-current-step="carrier_booked"]').waitFor({ timeout: 15_000 })
    assert.equal(await card().getAttribute('data-late'), '0', 'the late step is behind it')
    assert.equal(await samePage(), 'same page')
  }))

  it('a return waits for an approver, who approves on the return\'s card', ui('return', async () => {
    const wizard = await rpc.executeKw<number>('stock.return.picking', 'create', [{ picking_id: pickingId }], { context: { active_id: pickingId, active_model: 'stock.picking' } })
    const lines = await rpc.executeKw<Row[]>('stock.return.picking.line', 'search_read', [[['wizard_id', '=', wizard]]], { fields: ['id'] })
    for (const line of lines) await rpc.executeKw('stock.return.picking.line', 'write', [[line.id], { quantity: 1 }])
    const action = await rpc.executeKw<Row>('stock.return.picking', 'action_create_returns', [[wizard]])
    const returnId = action.res_id as number
    const ret = await processOf('return_to_refund')
    assert.equal(ret.res_id, returnId)

    await page.goto(`${odoo.url}/odoo/action-stock.action_picking_tree_all/${returnId}`)
    const returnCard = card('return_to_refund')
    await returnCard.waitFor()
    assert.equal(await returnCard.getAttribute('data-current-step'), 'return_label')
    await page.evaluate(() => { (window as unknown as { hubMarker: string }).hubMarker = 'same page' })

    // Received at the warehouse (validated by someone else): the inspection waits for a hub manager.
    await validate(returnId)
    await page.locator('.o_form_view .o_hub_process_card[data-current-step="inspected"]').waitFor({ timeout: 15_000 })
    assert.equal(await returnCard.locator('.o_hub_process_actor').getAttribute('data-kind'), 'approval')
    assert.match(await returnCard.locator('.o_hub_process_actor').textContent() ?? '', /Waiting for approval by .*Hub Manager/)
    const approve = returnCard.locator('.o_hub_process_approve')
    await approve.waitFor({ timeout: 15_000 })
    assert.equal(await samePage(), 'same page')
    await shot('23-process-card-return-approval')

    await approve.click()
    await page.locator('.o_form_view .o_hub_process_card[data-current-step="refunded"]').waitFor({ timeout: 15_000 })
    assert.equal(await returnCard.locator('.o_hub_process_step[data-code="inspected"]').getAttribute('data-state'), 'done')
    assert.equal(await returnCard.locator('.o_hub_process_approve').count(), 0, 'nothing left to approve')
    const messages = await rpc.executeKw<Row[]>('mail.message', 'search_read', [[['model', '=', 'hub.process'], ['res_id', '=', ret.id]]], { fields: ['body'] })
    assert.ok(messages.some(m => /Approved/.test(m.body)), 'the decision is in the process chatter')
    await shot('24-process-card-return-approved')

    // The order shows both of its processes.
    await page.goto(`${odoo.url}/odoo/action-sale.action_orders/${orderId}`)
    await card('return_to_refund').waitFor()
    assert.equal(await page.locator('.o_form_view .o_hub_process_card').count(), 2)
    await shot('25-process-card-order-with-return')
  }))

  it('opens the process from the card; lists processes under Logistics Hub > Processes', ui('list', async () => {
    await card().locator('.o_hub_process_open').click()
    await page.locator('.o_form_view .o_field_widget[name="step_ids"]').waitFor({ timeout: 15_000 })
    await shot('26-process-form')

    await page.goto(`${odoo.url}/odoo/action-logistics_hub.hub_process_action`)
    await page.locator('.o_list_view .o_data_row').first().waitFor({ timeout: 15_000 })
    assert.ok(await page.locator('.o_list_view .o_data_row').count() >= 2)
    await shot('27-processes-list')

    // The kanban: one column per current step (the action's default grouping), as a user switches to it.
    await page.locator('.o_control_panel .o_switch_view.o_kanban').click()
    await page.locator('.o_kanban_view .o_kanban_group').first().waitFor({ timeout: 15_000 })
    const columns = await page.locator('.o_kanban_view .o_kanban_group .o_column_title').allTextContents()
    assert.ok(columns.some(c => /Carrier booked/.test(c)), `a column for the order's current step (columns: ${columns.join(', ')})`)
    const carrierColumn = page.locator('.o_kanban_view .o_kanban_group').filter({ has: page.locator('.o_column_title', { hasText: 'Carrier booked' }) })
    const order = (await rpc.executeKw<Row[]>('sale.order', 'read', [[orderId], ['name']]))[0]!.name as string
    assert.ok(await carrierColumn.locator('.o_kanban_record').filter({ hasText: order }).count() >= 1, 'the order\'s process is a card in it')
    await shot('28-processes-kanban')
  }))
})
