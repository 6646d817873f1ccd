import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { request } from 'undici'
import type { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { WebhookReceiver } from '../../sidecar/simulators/webhook-receiver.ts'
import { adminPage, launchChromium } from '../support/browser.ts'
import { newSecret, signedHeaders, writebackResults } from '../support/fixtures.ts'
import { OdooServer, archiveAllConnectors, odooSpec } from '../support/odoo.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

const spec = odooSpec()
const root = fileURLToPath(new URL('../..', import.meta.url))
/** HUB_SCREENSHOT_DIR to keep them elsewhere */
const screenshots = process.env.HUB_SCREENSHOT_DIR ?? join(root, 'test-results', 'screenshots')

interface Attempt { error: string | false, attempt: number, max_attempts: number, status: string, http_status: number, duration_ms: number, response_excerpt: string | false, next_retry_at: string | false, connector_id: [number, string] }

/**
 * Against real Odoo 18, the real sidecar and simulated partners: each delivery attempt
 * is kept in Odoo with the partner's status code, a masked excerpt of its answer and its duration, a
 * replayed write-back adds nothing, the timeline shows "attempt n of max, next retry at ...", and a
 * callback the sidecar refused (forged signature) is listed in Odoo under Monitoring.
 */
describe('delivery attempts and refused callbacks, visible in Odoo', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)' }, () => {
  let odoo: OdooServer
  let rpc: OdooClient
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  let browser: Browser | undefined
  const secret = newSecret()
  // two partners, each with its own secret: one recovers after two failures, the other keeps failing (its retry is far off)
  const recovering = new WebhookReceiver(secret)
  const failing = new WebhookReceiver(newSecret())
  const suffix = randomUUID().slice(0, 6)
  const connectorIds: number[] = []
  let orderId: number

  before(async () => {
    odoo = new OdooServer(spec!, process.env.HUB_E2E_WORK!)
    await odoo.start()
    rpc = odoo.client()
    await archiveAllConnectors(rpc)
    sidecar = await startSidecar(spec!.dbUrl, { ODOO_URL: odoo.url, ODOO_DB: spec!.db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin', HUB_ODOO_RETRY_SECONDS: '1' })
    for (const [name, receiver, retryDelay] of [['Billing portal', recovering, 1], ['Customer portal', failing, 600]] as const) {
      connectorIds.push(await rpc.executeKw<number>('hub.connector', 'create', [{
        name, code: `${name.split(' ')[0]!.toLowerCase()}-${suffix}`, kind: 'portal', adapter: 'webhook', base_url: await receiver.start(), secret: receiver.secret,
        max_attempts: 5, retry_delay: retryDelay, retry_backoff: false, route_ids: [[0, 0, { event_type: 'order.confirmed' }]]
      }]))
    }
  })

  after(async () => {
    await browser?.close()
    await sidecar?.stop()
    await recovering.stop()
    await failing.stop()
    if (connectorIds.length) await rpc.executeKw('hub.connector', 'write', [connectorIds, { active: false }]).catch(() => {})
    await odoo?.stop()
  })

  const attemptsOf = async (connectorId: number) => await rpc.executeKw<Attempt[]>('hub.event.attempt', 'search_read',
    [[['event_id.res_model', '=', 'sale.order'], ['event_id.res_id', '=', orderId], ['event_id.connector_id', '=', connectorId]]],
    { fields: ['error', 'attempt', 'max_attempts', 'status', 'http_status', 'duration_ms', 'response_excerpt', 'next_retry_at', 'connector_id'], order: 'attempt' })
  const syncStatus = async (connectorId: number) => (await rpc.executeKw<Array<{ status: string }>>('hub.sync.state', 'search_read',
    [[['res_model', '=', 'sale.order'], ['res_id', '=', orderId], ['connector_id', '=', connectorId]]], { fields: ['status'] }))[0]?.status

  it('keeps every attempt with the partner status, masked answer and duration; a replayed write-back adds nothing', async () => {
    const overloaded = { error: 'warehouse API overloaded', echo: { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', key: secret } }
    recovering.faults.set({ failNext: 2, failStatus: 503, failBody: overloaded })
    failing.faults.set({ failNext: 1000, failStatus: 502, failBody: { error: 'bad gateway' } })
    const partnerId = await rpc.executeKw<number>('res.partner', 'create', [{ name: 'Attempts Retail BV' }])
    const productId = await rpc.executeKw<number>('product.product', 'create', [{ name: `Handling fee ${suffix}`, type: 'service' }])
    orderId = await rpc.executeKw<number>('sale.order', 'create', [{ partner_id: partnerId, order_line: [[0, 0, { product_id: productId, product_uom_qty: 1 }]] }])
    await rpc.executeKw('sale.order', 'action_confirm', [[orderId]])

    const [billing, portal] = connectorIds as [number, number]
    await waitFor('the billing portal took it on the third attempt', async () => await syncStatus(billing) === 'sent' && (await attemptsOf(billing)).length === 3, 60_000, 250)
    await waitFor('the customer portal failed once', async () => await syncStatus(portal) === 'failed' && (await attemptsOf(portal)).length === 1, 60_000, 250)

    const attempts = await attemptsOf(billing)
    assert.deepEqual(attempts.map(a => [a.attempt, a.max_attempts, a.status, a.http_status]), [[1, 5, 'failed', 503], [2, 5, 'failed', 503], [3, 5, 'sent', 200]])
    assert.match(String(attempts[0]!.response_excerpt), /"error":"warehouse API overloaded"/)
    for (const a of attempts) {
      assert.ok(!String(a.response_excerpt).includes(secret.slice(6)), 'the connector secret never reaches Odoo')
      assert.ok(!String(a.response_excerpt).includes('eyJzdWIiOiJ4In0'), 'nor the echoed token')
      assert.ok(!String(a.error).includes(secret.slice(6)) && !String(a.error).includes('eyJzdWIiOiJ4In0'), 'nor the error quoting the answer')
    }
    assert.ok(attempts[0]!.next_retry_at && attempts[1]!.next_retry_at && !attempts[2]!.next_retry_at, 'failed attempts say when the next is due')
    const [failed] = await attemptsOf(portal)
    assert.deepEqual([failed!.status, failed!.http_status, failed!.response_excerpt], ['failed', 502, '{"error":"bad gateway"}'])
    assert.ok(failed!.next_retry_at, 'the next retry of the failing partner is announced')

    // the sidecar's write-backs, sent to Odoo again as they were: nothing new
    const uuids = await rpc.executeKw<Array<{ uuid: string }>>('hub.event', 'search_read', [[['res_model', '=', 'sale.order'], ['res_id', '=', orderId]]], { fields: ['uuid'] })
    const ours = (await writebackResults(sidecar.pool)).filter(r => uuids.some(u => u.uuid === r.event_uuid)).map(({ job_state: _, ...result }) => result)
    assert.equal(ours.length, 4)
    await rpc.executeKw('hub.sync.state', 'hub_apply_results', [ours])
    assert.equal((await attemptsOf(billing)).length, 3)
    assert.equal((await attemptsOf(portal)).length, 1)
  })

  it('lists a forged callback the sidecar refused under Monitoring > Rejected Callbacks', async () => {
    const code = `billing-${suffix}`
    const body = JSON.stringify({ type: 'invoice.paid', data: { api_key: 'k-live-123456' } })
    const res = await request(`${sidecar.url}/hooks/${code}`, { method: 'POST', body, headers: signedHeaders(newSecret(), body, { id: `msg_forged_${suffix}` }) })
    await res.body.dump()
    assert.equal(res.statusCode, 401)
    const [refusal] = await rpc.executeKw<Array<Record<string, any>>>('hub.inbound.refusal', 'search_read',
      [[['webhook_id', '=', `msg_forged_${suffix}`]]], { fields: ['reason', 'connector_id', 'http_status', 'body_excerpt', 'remote_addr'] })
    assert.deepEqual([refusal?.reason, refusal?.connector_id[0], refusal?.http_status, refusal?.remote_addr], ['bad_signature', connectorIds[0], 401, '127.0.0.1'])
    assert.equal(refusal!.body_excerpt, '{"type":"invoice.paid","data":{"api_key":"***"}}')
  })

  it('shows the attempts in the timeline (screenshot)', async () => {
    mkdirSync(screenshots, { recursive: true })
    browser = await launchChromium()
    const pageErrors: string[] = []
    const page = await adminPage(browser, odoo.url, pageErrors, { width: 1440, height: 1000 })
    await page.goto(`${odoo.url}/odoo/action-sale.action_orders/${orderId}`)
    await page.locator('.o_form_view .o_hub_sync_badge[data-connector="Billing portal"]').click()
    const dialog = page.locator('.o_hub_timeline')
    await dialog.waitFor()
    try {
      // the dialog opens on the clicked connector's events; "All" shows the other partner's too
      await waitFor('the billing portal\'s three attempts', async () => await dialog.locator('.o_hub_attempt').count() === 3, 15_000, 250)
      await dialog.locator('.o_hub_filter:has-text("All")').click()
      await waitFor('four attempts in the timeline', async () => await dialog.locator('.o_hub_attempt').count() === 4, 15_000, 250)
    } catch (error) {
      await page.screenshot({ path: join(screenshots, 'failed-attempts-timeline.png') })
      throw error
    }
    await dialog.locator('.o_hub_timeline_state[data-status="failed"] .o_hub_attempt_summary').waitFor()
    assert.match(await dialog.locator('.o_hub_timeline_state[data-status="failed"] .o_hub_attempt_summary').textContent() ?? '', /^Attempt 1 of 5, next retry at /)
    assert.match(await dialog.locator('.o_hub_attempt[data-attempt="2"] .o_hub_attempt_http').first().textContent() ?? '', /HTTP 503/)
    await page.screenshot({ path: join(screenshots, 'attempts-timeline.png') })
    await page.locator('.modal-footer button:has-text("Close")').click()

    await page.goto(`${odoo.url}/odoo/action-logistics_hub.hub_inbound_refusal_action`)
    await page.locator(`.o_data_row:has-text("msg_forged_${suffix}")`).waitFor()
    await page.screenshot({ path: join(screenshots, 'rejected-callbacks.png') })
    assert.deepEqual(pageErrors, [], 'no uncaught error in the web client')
  })
})
