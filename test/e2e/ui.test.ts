import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { request } from 'undici'
import type { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { TmsSimulator } from '../../sidecar/simulators/tms/server.ts'
import { WmsSimulator } from '../../sidecar/simulators/wms/server.ts'
import { adminPage, launchChromium } from '../support/browser.ts'
import { newSecret } from '../support/fixtures.ts'
import { OdooServer, odooSpec } from '../support/odoo.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

const spec = odooSpec()
const root = fileURLToPath(new URL('../..', import.meta.url))
const screenshots = join(root, 'test-results', 'screenshots')
const ADMIN_TOKEN = 'ui-e2e-admin-token-0123456789'

/**
 * The database of this suite alone: the other e2e files route their events through connectors of
 * their own, and routes are global to a database, so sharing one would send each suite's deliveries
 * to the other's simulator.
 */
function ownDatabase (base: NonNullable<typeof spec>, db: string): NonNullable<typeof spec> {
  const args = base.args.map(arg => arg === base.db ? db : arg.startsWith('--db-filter=') ? `--db-filter=^${db}$` : arg)
  return { ...base, db, args, dbUrl: base.dbUrl.replace(/\/[^/]+$/, `/${db}`) }
}

/**
 * Sync status where people work, in real Odoo 18 in Chromium: the live badge on a delivery while the
 * warehouse (WMS simulator, through the real sidecar) acknowledges it, the timeline and a replay, the
 * exception workbench on a dead-lettered delivery, the dashboard and the connector test. Screenshots
 * of each screen land in test-results/screenshots.
 */
describe('sync status UI in real Odoo (Playwright, Chromium)', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)' }, () => {
  let odoo: OdooServer
  let rpc: OdooClient
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  let browser: Browser
  let page: Page
  const secret = newSecret()
  const wms = new WmsSimulator({ secret, callbackSecret: secret, autoConfirm: false })
  const pageErrors: string[] = []
  let connectorId: number
  let productId: number
  let partnerId: number

  const shot = async (name: string) => { await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: false }) }
  /** The test body, with a screenshot of the page as it was when it failed. */
  const ui = (name: string, body: () => Promise<void>) => async () => {
    try { await body() } catch (error) { await shot(`failed-${name}`).catch(() => {}); throw error }
  }
  const badge = (status?: string) => page.locator(`.o_form_view .o_hub_sync_badge[data-connector="UI WMS"]${status ? `[data-status="${status}"]` : ''}`)

  before(async () => {
    mkdirSync(screenshots, { recursive: true })
    const own = ownDatabase(spec!, `${spec!.db}_ui`)
    odoo = new OdooServer(own, process.env.HUB_E2E_WORK!)
    await odoo.start()
    rpc = odoo.client()
    await wms.start()
    sidecar = await startSidecar(own.dbUrl, {
      ODOO_URL: odoo.url, ODOO_DB: own.db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin', HUB_ODOO_RETRY_SECONDS: '1', HUB_ADMIN_TOKEN: ADMIN_TOKEN
    })
    wms.configure({ callbackUrl: `${sidecar.url}/hooks/wms-ui` })
    await rpc.executeKw('ir.config_parameter', 'set_param', ['logistics_hub.sidecar_url', sidecar.url])
    await rpc.executeKw('ir.config_parameter', 'set_param', ['logistics_hub.sidecar_token', ADMIN_TOKEN])

    connectorId = await rpc.executeKw<number>('hub.connector', 'create', [{
      name: 'UI WMS', code: 'wms-ui', kind: 'wms', adapter: 'wms', base_url: wms.url, secret, retry_delay: 1, retry_backoff: false, timeout: 5,
      route_ids: [[0, 0, { event_type: 'picking.ready' }]]
    }])
    productId = await rpc.executeKw<number>('product.product', 'create', [{ name: 'UI Roll Cage', default_code: 'UI-RC', type: 'consu', is_storable: true }])
    const [warehouse] = await rpc.executeKw<Array<{ lot_stock_id: [number, string] }>>('stock.warehouse', 'search_read', [[]], { fields: ['lot_stock_id'], limit: 1 })
    const quantId = await rpc.executeKw<number>('stock.quant', 'create', [{ product_id: productId, location_id: warehouse!.lot_stock_id[0], inventory_quantity: 100 }], { context: { inventory_mode: true } })
    await rpc.executeKw('stock.quant', 'action_apply_inventory', [[quantId]])
    partnerId = await rpc.executeKw<number>('res.partner', 'create', [{ name: 'UI Retail BV', street: '2 Quay', city: 'Rotterdam', zip: '3011' }])

    browser = await launchChromium()
    page = await adminPage(browser, odoo.url, pageErrors)
  })

  after(async () => {
    await browser?.close()
    await sidecar?.stop()
    await wms.stop()
    await odoo?.stop()
    assert.deepEqual(pageErrors, [], 'no uncaught error in the web client')
  })

  async function confirmOrder (qty: number): Promise<number> {
    const orderId = await rpc.executeKw<number>('sale.order', 'create', [{ partner_id: partnerId, order_line: [[0, 0, { product_id: productId, product_uom_qty: qty }]] }])
    await rpc.executeKw('sale.order', 'action_confirm', [[orderId]])
    const [order] = await rpc.executeKw<Array<{ picking_ids: number[] }>>('sale.order', 'read', [[orderId], ['picking_ids']])
    return order!.picking_ids[0]!
  }
  const syncStatus = async (pickingId: number) => (await rpc.executeKw<Array<{ status: string }>>('hub.sync.state', 'search_read',
    [[['res_model', '=', 'stock.picking'], ['res_id', '=', pickingId], ['connector_id', '=', connectorId]]], { fields: ['status'] }))[0]?.status
  const fulfilmentOf = (pickingId: number) => waitFor('the WMS got the fulfilment', () =>
    [...wms.fulfilments.values()].find(f => f.request.client_reference === `stock.picking/${pickingId}`), 30_000)

  let pickingId: number

  it('shows the delivery badge change live when the warehouse acknowledges', ui('badge', async () => {
    pickingId = await confirmOrder(2)
    await page.goto(`${odoo.url}/odoo/action-stock.action_picking_tree_all/${pickingId}`)
    await badge().waitFor()
    assert.match(await badge().getAttribute('data-status') ?? '', /^(pending|sent)$/)
    await page.evaluate(() => { (window as unknown as { hubMarker: string }).hubMarker = 'same page' })

    // The sidecar delivers to the WMS and writes "sent" back: the open form follows by itself.
    await badge('sent').waitFor({ timeout: 30_000 })
    await shot('01-picking-sent')

    const fulfilment = await fulfilmentOf(pickingId)
    await wms.advance(fulfilment.fulfilment_id, ['PICKED', 'PACKED'])
    await badge('acknowledged').waitFor({ timeout: 30_000 })
    // The same write-back validated the picking: the clean form reloaded its record, not the page.
    await page.locator('.o_statusbar_status button.o_arrow_button_current[data-value="done"]').waitFor({ timeout: 15_000 })
    assert.equal(await page.evaluate(() => (window as unknown as { hubMarker?: string }).hubMarker), 'same page', 'no page reload')
    assert.equal(await syncStatus(pickingId), 'acknowledged')
    await shot('02-picking-acknowledged')
  }))

  it('opens the timeline of the delivery and replays it as a new event', ui('timeline', async () => {
    await badge('acknowledged').click()
    const dialog = page.locator('.o_hub_timeline')
    await dialog.waitFor()
    const rows = dialog.locator('.o_hub_timeline_event')
    await waitFor('three events in the timeline', async () => await rows.count() === 3)
    const described = await rows.evaluateAll(els => els.map(el => `${(el as HTMLElement).dataset.direction}:${(el as HTMLElement).dataset.eventType}:${(el as HTMLElement).dataset.state}`))
    // Callbacks may be applied in either order; a late "picked" is stored as ignored.
    assert.equal(described.at(-1), 'out:picking.ready:delivered')
    assert.deepEqual(described.slice(0, 2).sort(), ['in:fulfilment.packed:applied', described.includes('in:fulfilment.picked:ignored') ? 'in:fulfilment.picked:ignored' : 'in:fulfilment.picked:applied'].sort())

    const outbound = rows.filter({ has: page.locator('.o_hub_replay') })
    await outbound.locator('.o_hub_preview_toggle').click()
    const payload = dialog.locator('.o_hub_payload')
    await payload.waitFor()
    await waitFor('the envelope preview', async () => (await payload.textContent() ?? '').includes('"picking"'))
    assert.match(await payload.textContent() ?? '', /"type": "picking\.ready"/)
    await shot('03-timeline')

    const before = wms.requests.length
    await outbound.locator('.o_hub_replay').click()
    // Replay asks first: the WMS confirmed this delivery, so it is refused unless the override is ticked.
    const resend = page.locator('.modal:has-text("Send 1 event(s) again")')
    await resend.locator('.o_field_widget[name="summary"] table').waitFor()
    assert.match(await resend.textContent() ?? '', /confirmed it \(reference FUL-/)
    await resend.locator('.o_field_widget[name="send_confirmed"] input').check()
    await shot('03b-replay-asks-first')
    await resend.locator('button[name="action_confirm"]').click()
    await page.locator('.o_notification:has-text("Sent again")').waitFor()
    // A new outbound row under the first request's key; the WMS answers with the fulfilment it has.
    await waitFor('the replay delivered', async () => await rows.count() === 4 &&
      await rows.first().getAttribute('data-state') === 'delivered' && await rows.first().getAttribute('data-direction') === 'out', 30_000, 250)
    assert.ok(wms.requests.length > before, 'the WMS was asked again')
    const { length: fulfilments } = [...wms.fulfilments.values()].filter(f => f.request.client_reference === `stock.picking/${pickingId}`)
    assert.equal(fulfilments, 1, 'the WMS deduplicated the repeated request: nothing ships twice')
    await dialog.locator('.o_hub_timeline_state[data-status="acknowledged"]').waitFor({ timeout: 15_000 })
    await shot('04-timeline-replayed')
    await page.locator('.modal-footer button:has-text("Close")').click()
    await badge('acknowledged').waitFor({ timeout: 15_000 })

    const messages = await rpc.executeKw<Array<{ body: string }>>('mail.message', 'search_read',
      [[['model', '=', 'stock.picking'], ['res_id', '=', pickingId]]], { fields: ['body'] })
    assert.ok(messages.some(m => m.body.includes('sent again to UI WMS')), 'the replay is logged in the chatter')
  }))

  it('lists a dead-lettered delivery in the exception workbench, previews and retries it', ui('workbench', async () => {
    wms.faults.set({ failNext: 1, failStatus: 422 })
    const deadPicking = await confirmOrder(1)
    await waitFor('dead-lettered', async () => await syncStatus(deadPicking) === 'dead', 30_000, 250)
    const [exception] = await waitFor('its exception', async () => await rpc.executeKw<Array<{ id: number, name: string, reason: string }>>('hub.exception', 'search_read',
      [[['res_model', '=', 'stock.picking'], ['res_id', '=', deadPicking]]], { fields: ['name', 'reason'] }).then(r => r.length ? r : null))
    assert.equal(exception!.reason, 'partner_rejected')

    await page.goto(`${odoo.url}/odoo/action-logistics_hub.hub_exception_action`)
    const connectorGroup = page.locator('.o_group_header:has-text("UI WMS")')
    await connectorGroup.click()
    const reasonGroup = page.locator('.o_group_header:has-text("Rejected by partner")')
    await reasonGroup.click()
    await page.locator(`.o_data_row:has-text("${exception!.name}")`).waitFor()
    await shot('05-workbench-list')

    await page.locator(`.o_data_row:has-text("${exception!.name}")`).click()
    const preview = page.locator('.o_field_widget[name="replay_preview"]')
    await preview.waitFor()
    assert.match(await preview.textContent() ?? '', /"type": "picking\.ready"/)
    const [withEvent] = await rpc.executeKw<Array<{ event_id: [number, string] }>>('hub.exception', 'read', [[exception!.id], ['event_id']])
    const [deadEvent] = await rpc.executeKw<Array<{ uuid: string }>>('hub.event', 'read', [[withEvent!.event_id[0]], ['uuid']])
    assert.match(await preview.textContent() ?? '', new RegExp(`"id": "${deadEvent!.uuid}"`), 'a retry repeats the request key of the event it re-sends')
    await shot('06-workbench-form')

    await page.locator('button[name="action_retry"]').click()
    const dialog = page.locator('.modal:has-text("Send 1 event(s) again")')
    await dialog.locator('.o_field_widget[name="summary"] table').waitFor()
    await shot('06b-retry-asks-first')
    await dialog.locator('button[name="action_confirm"]').click()
    await page.locator('.o-mail-Message:has-text("Sent again by")').waitFor({ timeout: 15_000 })
    await waitFor('the retry delivered', async () => await syncStatus(deadPicking) === 'sent', 30_000, 250)
    const [after] = await rpc.executeKw<Array<{ state: string }>>('hub.exception', 'read', [[exception!.id], ['state']])
    assert.equal(after!.state, 'resolved', 'a delivered retry resolves the exception')
    await page.reload()
    await page.locator('.o-mail-Message:has-text("Resolved automatically")').waitFor({ timeout: 15_000 })
    assert.equal(await preview.count(), 0, 'nothing left to resend once resolved')
    await page.locator('.o-mail-Message:has-text("Resolved automatically")').scrollIntoViewIfNeeded()
    await shot('07-workbench-resolved')
  }))

  it('shows the integration dashboard', ui('dashboard', async () => {
    await page.goto(`${odoo.url}/odoo/action-logistics_hub.hub_dashboard_action`)
    await page.locator('.o_hub_kpis').waitFor()
    await page.locator('canvas.o_hub_chart_events').waitFor()
    const events = Number(await page.locator('[data-kpi="events_per_minute"] .o_hub_kpi_value').textContent())
    assert.ok(events > 0, 'events were written in the last hour')
    assert.equal(await page.locator('.o_hub_sla tr[data-connector="UI WMS"]').count(), 1)
    await page.waitForTimeout(500) // Chart.js draws on the next frames
    await shot('08-dashboard')
  }))

  it('tests the connector through the sidecar from its form, next to its routes and sync mode', ui('connector', async () => {
    await page.goto(`${odoo.url}/odoo/action-logistics_hub.hub_connector_action/${connectorId}`)
    await page.locator('.o_field_widget[name="sync_mode"]').waitFor()
    assert.equal(await page.locator('.o_field_widget[name="route_ids"] .o_data_row').count(), 1)
    await page.locator('button[name="action_test_connection"]').click()
    const notification = page.locator('.o_notification:has-text("UI WMS is reachable")')
    await notification.waitFor({ timeout: 15_000 })
    assert.match(await notification.textContent() ?? '', /signature accepted \(HTTP 200\), \d+ ms/, 'the WMS verified our signature')
    await page.waitForTimeout(600) // the notification fades in
    await shot('09-connector-test')

    await page.goto(`${odoo.url}/odoo/action-logistics_hub.res_config_settings_action`)
    await page.locator('#hub_sidecar').waitFor()
    assert.equal(await page.locator('.o_field_widget[name="hub_connector_count"]').textContent(), '1')
    await shot('10-settings')
  }))

  it('shows a subgraph connector\'s composition verdict on its Supergraph tab, as the gateway reported it', ui('subgraph', async () => {
    // a TMS whose fleet subgraph declares a tracking number the hub's graph cannot compose with; it keeps
    // answering until the end, so the sidecar's own poll meanwhile reports the same verdict
    const key = newSecret()
    const tms = new TmsSimulator({ apiKey: key })
    tms.subgraph.useVariant('conflicting')
    try {
      const subgraphId = await rpc.executeKw<number>('hub.connector', 'create', [{
        name: 'UI Fleet TMS', code: 'fleet-ui', kind: 'subgraph', adapter: 'graphql_subgraph', base_url: `${await tms.start()}/graphql`, secret: key, timeout: 5
      }])
      // the sidecar composes now rather than at its next poll, and reports to Odoo
      const recompose = await request(`${sidecar.url}/admin/supergraph?refresh=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      assert.equal(recompose.statusCode, 200)
      await waitFor('the verdict in Odoo', async () => (await rpc.executeKw<Array<{ subgraph_status: string }>>('hub.connector', 'read', [[subgraphId], ['subgraph_status']]))[0]!.subgraph_status === 'failed', 30_000, 250)
      await page.goto(`${odoo.url}/odoo/action-logistics_hub.hub_connector_action/${subgraphId}`)
      await page.locator('a.nav-link:has-text("Supergraph")').click()
      const badge = page.locator('.o_field_widget[name="subgraph_status"]')
      await badge.waitFor()
      assert.equal((await badge.textContent())?.trim(), 'Composition failed')
      assert.match(await page.locator('.o_field_widget[name="subgraph_error"]').textContent() ?? '', /Shipment\.trackingNumber/)
      assert.equal(await page.locator('a.nav-link:has-text("Routes")').count(), 0, 'a subgraph takes no routed events')
      await shot('12-subgraph-connector')
      // out of the way of later tests: archived, it is no longer composed
      await rpc.executeKw('hub.connector', 'write', [[subgraphId], { active: false }])
    } finally {
      await tms.stop()
    }
  }))

  it('issues a partner API client secret, shown once, from Settings > Logistics Hub', ui('api-client', async () => {
    const clientId = await rpc.executeKw<number>('hub.api.client', 'create', [{ name: 'UI Retail portal', partner_id: partnerId }])
    await page.goto(`${odoo.url}/odoo/action-logistics_hub.res_config_settings_action`)
    await page.locator('#hub_api_clients button:has-text("API clients")').click()
    await page.locator('.o_data_row:has-text("UI Retail portal")').click()
    await page.locator('button[name="action_generate_secret"]').click()
    await page.locator('.modal-footer button:has-text("Ok")').click() // the confirmation
    const secret = page.locator('.modal .o_field_widget[name="secret"]')
    await secret.waitFor()
    const shown = /[\w-]{40,}/.exec(await secret.textContent() ?? '')?.[0] ?? ''
    assert.ok(shown, 'the secret is shown in the dialog')
    await page.waitForTimeout(300)
    await shot('11-api-client-secret')
    await page.locator('.modal-footer button:has-text("Done")').click()
    const [client] = await rpc.executeKw<Array<{ secret_set_at: string | false }>>('hub.api.client', 'read', [[clientId], ['secret_set_at']])
    assert.ok(client!.secret_set_at, 'a secret was issued')
    assert.equal(await page.locator(`text=${shown}`).count(), 0, 'and is not shown again')
  }))
})
