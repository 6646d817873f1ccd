import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { request } from 'undici'
import { DEMO_CONNECTORS } from '../../sidecar/demo/partners.ts'
import type { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { OdooServer, archiveAllConnectors, odooSpec } from '../support/odoo.ts'
import { inlineEnv, readmeBlock, readmeSection } from '../support/readme.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

const spec = odooSpec()
const root = new URL('../..', import.meta.url).pathname
const SET_UP = '### Without Docker: the demo in two commands'

async function freePort (): Promise<number> {
  return await new Promise(resolve => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) }) })
}

/** The README's demo command in a shell of its own process group (npm and tsx in between), until `demo ready`. */
class DemoRun {
  output = ''
  #child: ChildProcess
  #exited: Promise<number | null>

  constructor (command: string, env: Record<string, string>) {
    this.#child = spawn('bash', ['-c', command], { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    this.#child.stdout!.on('data', chunk => { this.output += String(chunk) })
    this.#child.stderr!.on('data', chunk => { this.output += String(chunk) })
    this.#exited = new Promise(resolve => this.#child.once('exit', code => resolve(code)))
  }

  async ready (): Promise<void> {
    const exited = this.#exited.then(code => { throw new Error(`npm run demo exited (${code}):\n${this.output}`) })
    await Promise.race([waitFor('demo ready', () => this.output.includes('\ndemo ready'), 180_000, 200), exited])
  }

  async stop (): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    process.kill(-this.#child.pid!, 'SIGTERM') // the whole group: bash, npm, tsx and the demo itself
    await this.#exited.catch(() => {})
  }
}

/**
 * What the README promises a newcomer without Docker: `npm run demo` seeds the demo into a real Odoo
 * once however often it runs, and its simulators, the seeded connectors and a sidecar started with the
 * README's settings agree with each other (secrets, API keys, callback URLs, admin token), so an order
 * goes through WMS, carrier and TMS, Test Connection works and the GraphQL quick start answers.
 */
describe('npm run demo against real Odoo', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)' }, () => {
  let odoo: OdooServer
  let rpc: OdooClient
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  let demo: DemoRun | undefined
  let demoEnv: Record<string, string>
  const demoCommand = readmeBlock(SET_UP, 'npm run demo')
  const sidecarEnv = inlineEnv(readmeBlock(SET_UP, 'npm start'))

  before(async () => {
    odoo = new OdooServer(spec!, process.env.HUB_E2E_WORK!)
    await odoo.start()
    rpc = odoo.client()
    await archiveAllConnectors(rpc)
    const port = await freePort()
    // the README's sidecar line, pointed at this test's Odoo and database
    sidecar = await startSidecar(spec!.dbUrl, {
      ...sidecarEnv, DATABASE_URL: spec!.dbUrl, ODOO_URL: odoo.url, ODOO_DB: spec!.db, PORT: String(port), HUB_ODOO_RETRY_SECONDS: '1'
    })
    demoEnv = {
      ODOO_URL: odoo.url, ODOO_DB: spec!.db, HUB_DEMO_SIDECAR_URL: sidecar.url, HOST: '127.0.0.1',
      WMS_PORT: '0', PARCELFAST_PORT: '0', SWIFTPOST_PORT: '0', TMS_PORT: '0', WMS_CONFIRM_DELAY_MS: '100'
    }
  })

  after(async () => {
    await demo?.stop()
    await sidecar?.stop()
    if (rpc) {
      // later suites create connectors with these codes (wms-main): free them
      const ids = await rpc.executeKw<number[]>('hub.connector', 'search', [[['code', 'in', DEMO_CONNECTORS.map(c => c.code)]]], { context: { active_test: false } })
      for (const id of ids) await rpc.executeKw('hub.connector', 'write', [[id], { code: `demo-e2e-${id}`, active: false }])
    }
    await odoo?.stop()
  })

  const count = (model: string, domain: unknown[]) => rpc.executeKw<number>(model, 'search_count', [domain], { context: { active_test: false } })

  it('seeds the connectors, routes and demo records once, however often it runs', async () => {
    const first = new DemoRun(demoCommand, demoEnv)
    await first.ready()
    await first.stop()
    assert.match(first.output, /created: connector wms-main; route wms-main picking\.ready/)
    demo = new DemoRun(demoCommand, demoEnv)
    await demo.ready()
    assert.match(demo.output, /already there: .*route wms-main picking\.ready/)

    for (const c of DEMO_CONNECTORS) assert.equal(await count('hub.connector', [['code', '=', c.code]]), 1, `one connector ${c.code}`)
    const routes = await rpc.executeKw<Array<{ connector_id: [number, string], event_type: string, active: boolean }>>('hub.route', 'search_read',
      [[['connector_id.code', 'in', DEMO_CONNECTORS.map(c => c.code)]]], { fields: ['connector_id', 'event_type', 'active'], context: { active_test: false } })
    assert.deepEqual(routes.map(r => `${r.connector_id[1]}:${r.event_type}:${r.active}`).sort(),
      ['Best carrier:picking.done:true', 'Demo TMS:picking.done:true', 'Demo WMS:picking.ready:true'])
    assert.equal(await count('hub.api.client', [['client_id', '=', 'hub_demo_client']]), 1)
    assert.equal(await count('res.partner', [['ref', '=', 'HUB-DEMO-CUSTOMER']]), 1)
    const [product] = await rpc.executeKw<Array<{ qty_available: number }>>('product.product', 'search_read', [[['default_code', '=', 'HUB-DEMO-CRATE']]], { fields: ['qty_available'] })
    assert.equal(product!.qty_available, 100, 'stock was put in once, not on every run')
  })

  it('the README names every event type as Odoo shows it', async () => {
    const fields = await rpc.executeKw<{ event_type: { selection: Array<[string, string]> } }>('hub.route', 'fields_get', [['event_type']], { attributes: ['selection'] })
    const names = readmeSection(SET_UP).replace(/\s+/g, ' ')
    for (const [code, label] of fields.event_type.selection) assert.ok(names.includes(`\`${code}\` ${label}`), `README lists ${code} as "${label}"`)
  })

  const ids = async (model: string, domain: unknown[]) => await rpc.executeKw<number[]>(model, 'search', [domain])
  const picking = async (id: number) => (await rpc.executeKw<Array<Record<string, any>>>('stock.picking', 'read', [[id],
    ['state', 'name', 'hub_sync_status', 'hub_tracking_number', 'hub_carrier_connector_id', 'hub_shipment_status']]))[0]!
  const syncStatus = async (pickingId: number, code: string) => (await rpc.executeKw<Array<{ status: string }>>('hub.sync.state', 'search_read',
    [[['res_model', '=', 'stock.picking'], ['res_id', '=', pickingId], ['connector_id.code', '=', code]]], { fields: ['status'] }))[0]?.status

  async function confirmOrder (partnerId: number): Promise<{ orderName: string, pickingId: number }> {
    const [productId] = await ids('product.product', [['default_code', '=', 'HUB-DEMO-CRATE']])
    const orderId = await rpc.executeKw<number>('sale.order', 'create', [{ partner_id: partnerId, order_line: [[0, 0, { product_id: productId, product_uom_qty: 1 }]] }])
    await rpc.executeKw('sale.order', 'action_confirm', [[orderId]])
    const [order] = await rpc.executeKw<Array<{ name: string, picking_ids: number[] }>>('sale.order', 'read', [[orderId], ['name', 'picking_ids']])
    return { orderName: order!.name, pickingId: order!.picking_ids[0]! }
  }

  let customerOrder = ''

  it('the simulators accept what the seeded connectors send and their callbacks are applied: WMS, carrier, TMS', async () => {
    const [customerId] = await ids('res.partner', [['ref', '=', 'HUB-DEMO-CUSTOMER']])
    const { orderName, pickingId } = await confirmOrder(customerId!)
    customerOrder = orderName
    const booked = await waitFor('label booked after the WMS packed it', async () => { const p = await picking(pickingId); return p.hub_tracking_number ? p : null }, 90_000, 250)
    assert.equal(booked.state, 'done', 'the WMS callbacks validated the delivery')
    assert.equal(await syncStatus(pickingId, 'wms-main'), 'acknowledged')
    assert.equal(booked.hub_shipment_status, 'label_created')

    // the README's tracking step, against the carrier that won the rate shop
    const [carrier] = await rpc.executeKw<Array<{ base_url: string }>>('hub.connector', 'read', [[booked.hub_carrier_connector_id[0]], ['base_url']])
    const res = await request(`${carrier!.base_url}/_sim/shipments/${booked.hub_tracking_number}/events`, { method: 'POST', body: '{"milestones":["picked_up","delivered"],"pod":true}' })
    await res.body.dump()
    assert.equal(res.statusCode, 200)
    await waitFor('delivered in Odoo through the carrier callback', async () => (await picking(pickingId)).hub_shipment_status === 'delivered', 60_000, 250)

    const companyId = await rpc.executeKw<number>('res.partner', 'create', [{ name: 'Demo E2E Builders BV', is_company: true, street: '1 Dock Road', city: 'Antwerp', zip: '2000' }])
    const business = await confirmOrder(companyId)
    const status = await waitFor('transport order sent to the TMS', async () => { const s = await syncStatus(business.pickingId, 'tms'); return s && s !== 'pending' ? s : null }, 90_000, 250)
    assert.ok(['sent', 'acknowledged'].includes(status), `the TMS took the order (sync status ${status})`)
    assert.equal(await syncStatus(business.pickingId, 'shipping'), undefined, 'a company delivery is not rate-shopped')
  })

  it('Test Connection reaches the sidecar with the seeded URL and token, and the README GraphQL quick start answers', async () => {
    const [wmsId] = await ids('hub.connector', [['code', '=', 'wms-main']])
    const action = await rpc.executeKw<{ params: { type: string, message: string } }>('hub.connector', 'action_test_connection', [[wmsId]])
    assert.equal(action.params.type, 'success', action.params.message)

    const quickStart = readmeBlock('### GraphQL quick start', 'oauth/token').replaceAll('http://127.0.0.1:4000', sidecar.url)
    const { stdout } = await promisify(execFile)('bash', ['-c', quickStart], { cwd: root })
    const answer = JSON.parse(stdout) as { data: { viewer: { partner: { name: string } }, orders: { nodes: Array<{ number: string, shipments: Array<{ trackingStatus: string }> }> } } }
    assert.equal(answer.data.viewer.partner.name, 'Demo Customer')
    const order = answer.data.orders.nodes.find(o => o.number === customerOrder)
    assert.ok(order, `the quick start lists ${customerOrder}: ${stdout}`)
    assert.equal(order.shipments[0]!.trackingStatus, 'delivered')
  })
})
