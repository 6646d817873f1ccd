import assert from 'node:assert/strict'
import { type Server, createServer } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import type { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { QUEUES } from '../../sidecar/src/queues.ts'
import { BillingEngineSimulator } from '../../sidecar/simulators/billing/server.ts'
import { CarrierSimulator } from '../../sidecar/simulators/carrier/server.ts'
import { postSignedCallback } from '../../sidecar/simulators/signed-callback.ts'
import { TmsSimulator } from '../../sidecar/simulators/tms/server.ts'
import { newSecret } from '../support/fixtures.ts'
import { OdooServer, archiveAllConnectors, odooSpec } from '../support/odoo.ts'
import { startSidecar } from '../support/sidecar.ts'
import { freePort, kill, killableSidecarEnv, sidecarProcess } from '../support/sidecar-process.ts'
import { waitFor } from '../support/wait.ts'

const spec = odooSpec()

type Row = Record<string, any>
interface PodBody { jobId: string, eventNo: number, milestone: string }

/** Money as Odoo rounds it (the company currency has two decimals). */
const money = (amount: number) => Math.round(amount * 100) / 100

// The contract both customers get: two NL weight brackets, a minimum, 60 minutes' free waiting.
const CARD = {
  minimumCharge: 8,
  lanes: [
    { weight_from: 0, weight_to: 5, base_price: 5, price_per_kg: 0.5 },
    { weight_from: 5, weight_to: 50, base_price: 6, price_per_kg: 0.4 }
  ],
  detentionFreeMinutes: 60,
  detentionHourlyRate: 40
}
const FUEL_PERCENT = 10
const CRATE_KG = 4.5

/**
 * Billing in real Odoo 18 with the real sidecar and the TMS simulator as the partner: a delivery sent
 * to the TMS is charged from the customer's rate card when the TMS reports the proof of delivery
 * (transport, fuel, and detention for the wait after the truck arrived), and invoiced per shipment or
 * by the weekly consolidation (the real scheduled action). What is asserted is what Odoo holds
 * (hub.charge, account.move), never our queue's word; amounts are worked out by hand from the card.
 */
describe('billing from milestones to invoices, and freight audit, end to end in real Odoo', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)' }, () => {
  let odoo: OdooServer
  let rpc: OdooClient
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const secret = newSecret()
  // the connector's secret is also the TMS API key and signs the TMS's callbacks
  const tms = new TmsSimulator({ apiKey: secret, callbackSecret: secret })
  // the TMS calls back whichever sidecar runs: the in-process one, or an OS process a test SIGKILLs
  let sidecarUrl = ''
  const callbackUrl = () => `${sidecarUrl}/hooks/bill-tms`
  const sidecarEnv = () => ({ ODOO_URL: odoo.url, ODOO_DB: spec!.db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin', HUB_ODOO_RETRY_SECONDS: '1' })
  const pfSecret = newSecret()
  const parcelfast = new CarrierSimulator({ dialect: 'parcelfast', apiKey: pfSecret, callbackSecret: pfSecret })
  const engineSecret = newSecret()
  const engine = new BillingEngineSimulator({ secret: engineSecret })
  let tmsRouteId: number
  let productId: number
  let nlId: number

  before(async () => {
    odoo = new OdooServer(spec!, process.env.HUB_E2E_WORK!)
    await odoo.start()
    rpc = odoo.client()
    sidecar = await startSidecar(spec!.dbUrl, sidecarEnv())
    sidecarUrl = sidecar.url
    await archiveAllConnectors(rpc)

    // every validated delivery goes to the TMS (the TMS job id becomes its tracking number)
    const tmsId = await rpc.executeKw<number>('hub.connector', 'create', [{
      name: 'Fleet TMS', code: 'bill-tms', kind: 'tms', adapter: 'tms', base_url: await tms.start(), secret, retry_delay: 1, retry_backoff: false, timeout: 5
    }])
    tmsRouteId = await rpc.executeKw<number>('hub.route', 'create', [{ connector_id: tmsId, event_type: 'picking.done' }])
    tms.configure({ callbackUrl: callbackUrl() })

    productId = await rpc.executeKw<number>('product.product', 'create', [{ name: 'Billing Crate', default_code: 'BILL-CRATE', type: 'consu', is_storable: true, weight: CRATE_KG }])
    const [warehouse] = await rpc.executeKw<Array<{ lot_stock_id: [number, string] }>>('stock.warehouse', 'search_read', [[]], { fields: ['lot_stock_id'], limit: 1 })
    const quantId = await rpc.executeKw<number>('stock.quant', 'create', [{ product_id: productId, location_id: warehouse!.lot_stock_id[0], inventory_quantity: 100 }], { context: { inventory_mode: true } })
    await rpc.executeKw('stock.quant', 'action_apply_inventory', [[quantId]])
    nlId = (await rpc.executeKw<number[]>('res.country', 'search', [[['code', '=', 'NL']]]))[0]!
    // the fuel index valid on every delivery date of this file
    await rpc.executeKw('hub.fuel.index', 'create', [{ date_from: '2026-01-01', percent: FUEL_PERCENT }])
  })

  after(async () => {
    await sidecar?.stop()
    await tms.stop()
    await parcelfast.stop()
    await engine.stop()
    await odoo?.stop()
  })

  /** A company customer in NL with its own rate card (in the company currency, as its orders). */
  async function customerWithCard (name: string, policy: 'shipment' | 'weekly' | 'external'): Promise<number> {
    const partnerId = await rpc.executeKw<number>('res.partner', 'create', [{
      name, is_company: true, street: '1 Dock Road', city: 'Rotterdam', zip: '3011', country_id: nlId, hub_billing_policy: policy, hub_billing_post: true
    }])
    await rpc.executeKw('hub.rate.card', 'create', [{
      name: `${name} 2026`,
      partner_id: partnerId,
      date_from: '2026-01-01',
      minimum_charge: CARD.minimumCharge,
      detention_free_minutes: CARD.detentionFreeMinutes,
      detention_hourly_rate: CARD.detentionHourlyRate,
      line_ids: CARD.lanes.map(lane => [0, 0, { country_id: nlId, ...lane }])
    }])
    return partnerId
  }

  /** Confirms an order and validates its delivery by hand (no WMS here). */
  async function validateDelivery (partnerId: number, qty: number): Promise<{ pickingId: number, pickingName: string }> {
    const orderId = await rpc.executeKw<number>('sale.order', 'create', [{ partner_id: partnerId, order_line: [[0, 0, { product_id: productId, product_uom_qty: qty }]] }])
    await rpc.executeKw('sale.order', 'action_confirm', [[orderId]])
    const [order] = await rpc.executeKw<Array<{ picking_ids: number[] }>>('sale.order', 'read', [[orderId], ['picking_ids']])
    const pickingId = order!.picking_ids[0]!
    const moves = await rpc.executeKw<Row[]>('stock.move', 'search_read', [[['picking_id', '=', pickingId]]], { fields: ['id', 'product_uom_qty'] })
    for (const m of moves) await rpc.executeKw('stock.move', 'write', [[m.id], { quantity: m.product_uom_qty, picked: true }])
    await rpc.executeKw('stock.picking', 'button_validate', [[pickingId]])
    const [picking] = await rpc.executeKw<Row[]>('stock.picking', 'read', [[pickingId], ['state', 'name']])
    assert.equal(picking!.state, 'done', 'the delivery is validated')
    return { pickingId, pickingName: picking!.name }
  }

  /** A validated delivery sent to the TMS; returns the TMS job id once Odoo has it. */
  async function shipToTms (partnerId: number, qty: number): Promise<{ pickingId: number, pickingName: string, jobId: string }> {
    const { pickingId, pickingName } = await validateDelivery(partnerId, qty)
    const job = await waitFor('transport order at the TMS', () => [...tms.jobs.values()].find(j => j.order.customerRef === `stock.picking/${pickingId}`), 60_000, 250)
    // milestones are only accepted for a job Odoo knows as the delivery's tracking number
    const [recorded] = await waitFor('TMS job recorded on the delivery', async () => {
      const rows = await rpc.executeKw<Row[]>('stock.picking', 'read', [[pickingId], ['hub_tracking_number', 'hub_distance_km']])
      return rows[0]!.hub_tracking_number === job.jobId ? rows : null
    }, 60_000, 250)
    assert.equal(recorded!.hub_distance_km, job.plannedKm, 'the route distance the TMS planned is on the delivery (distance bands rate by it)')
    return { pickingId, pickingName, jobId: job.jobId }
  }

  const chargesOf = async (pickingIds: number[]) => await rpc.executeKw<Row[]>('hub.charge', 'search_read', [[['picking_id', 'in', pickingIds]]],
    { fields: ['charge_type', 'amount', 'milestone', 'milestone_at', 'state', 'partner_id', 'picking_id', 'invoice_line_id', 'invoice_id'], order: 'id' })
  const invoicesOf = async (partnerId: number) => await rpc.executeKw<Row[]>('account.move', 'search_read', [[['partner_id', '=', partnerId], ['move_type', '=', 'out_invoice']]],
    { fields: ['state', 'invoice_line_ids', 'amount_untaxed'], order: 'id' })
  const linesOf = async (invoice: Row) => await rpc.executeKw<Row[]>('account.move.line', 'read', [invoice.invoice_line_ids, ['name', 'price_unit', 'quantity', 'hub_charge_ids']])

  /** One invoice line per charge: priced at the charge's amount, labelled with its delivery. */
  async function assertOneLinePerCharge (invoice: Row, charges: Row[], pickingNames: Record<number, string>): Promise<void> {
    const lines = await linesOf(invoice)
    assert.equal(lines.length, charges.length, 'one line per charge')
    for (const charge of charges) {
      const line = lines.find(l => l.id === charge.invoice_line_id[0])
      assert.ok(line, `the line of the ${charge.charge_type} charge is on the invoice`)
      assert.deepEqual(line.hub_charge_ids, [charge.id], 'the line invoices exactly this charge')
      assert.equal(line.price_unit, charge.amount)
      assert.equal(line.quantity, 1)
      assert.ok(line.name.includes(pickingNames[charge.picking_id[0]]!), `the label names the delivery: ${line.name}`)
    }
    assert.equal(invoice.amount_untaxed, money(charges.reduce((sum, c) => sum + c.amount, 0)))
  }

  it('per shipment: POD after a long wait at the address charges transport, fuel and detention once, on one posted invoice', async () => {
    const customerId = await customerWithCard('Billing Builders BV', 'shipment')
    const { pickingId, pickingName, jobId } = await shipToTms(customerId, 3)

    // The truck arrives at 08:10 and the POD is signed at 10:30: 140 minutes waited. The arrival is
    // applied before the POD is sent, as in life, so everything is charged (and invoiced) at the POD.
    const arrived = new Date('2026-11-25T08:10:00Z')
    const pod = new Date('2026-11-25T10:30:00Z')
    await tms.report(jobId, ['DEPARTED', 'ARRIVED'], { at: [new Date('2026-11-25T07:00:00Z'), arrived] })
    await waitFor('arrival applied in Odoo', async () => (await rpc.executeKw<Row[]>('stock.picking', 'read', [[pickingId], ['hub_shipment_status']]))[0]!.hub_shipment_status === 'out_for_delivery', 60_000, 250)
    assert.deepEqual(await chargesOf([pickingId]), [], 'nothing is charged before the proof of delivery')
    const [podBody] = await tms.report(jobId, ['POD'], { at: [pod] }) as PodBody[]
    await waitFor('delivered in Odoo', async () => (await rpc.executeKw<Row[]>('stock.picking', 'read', [[pickingId], ['hub_shipment_status']]))[0]!.hub_shipment_status === 'delivered', 60_000, 250)

    // By hand from the card: 3 x 4.5 kg = 13.5 kg is in the 5-50 kg bracket: 6 + 0.4 x 13.5 = 11.40
    // (above the minimum of 8); fuel 10 % of that = 1.14; 140 min waited - 60 free = 80 min = 2 started
    // hours x 40 = 80.00.
    const transport = Math.max(CARD.minimumCharge, money(CARD.lanes[1]!.base_price + CARD.lanes[1]!.price_per_kg * 3 * CRATE_KG))
    const fuel = money(transport * FUEL_PERCENT / 100)
    const waitedMinutes = (pod.getTime() - arrived.getTime()) / 60_000
    const detention = Math.ceil((waitedMinutes - CARD.detentionFreeMinutes) / 60) * CARD.detentionHourlyRate
    assert.deepEqual([transport, fuel, detention], [11.4, 1.14, 80], 'the hand calculation itself')

    const charges = await waitFor('three charges', async () => { const c = await chargesOf([pickingId]); return c.length >= 3 ? c : null }, 30_000, 250)
    assert.deepEqual(charges.map(c => [c.charge_type, c.amount]).sort(), [['detention', detention], ['fuel', fuel], ['transport', transport]])
    for (const c of charges) {
      assert.equal(c.partner_id[0], customerId, 'charged to the customer')
      assert.equal(c.milestone_at, '2026-11-25 10:30:00', 'at the TMS\'s POD time')
      assert.equal(c.state, 'invoiced', 'a per-shipment customer is invoiced at the POD')
    }

    const invoices = await invoicesOf(customerId)
    assert.equal(invoices.length, 1, 'one invoice for the shipment')
    const [invoice] = invoices
    assert.equal(invoice!.state, 'posted', 'the customer\'s invoices are posted')
    assert.deepEqual([...new Set(charges.map(c => c.invoice_id[0]))], [invoice!.id])
    await assertOneLinePerCharge(invoice!, charges, { [pickingId]: pickingName })

    // The TMS sends the POD again: first the very same webhook (its answer was lost), which the
    // sidecar recognises by its id; then the same event in a new message, which reaches Odoo.
    const payload = JSON.stringify(podBody)
    assert.equal(await postSignedCallback(callbackUrl(), secret, `tms_${jobId}_${podBody!.eventNo}`, payload), 200, 'the same webhook is a duplicate at the sidecar')
    const replayId = `tms_${jobId}_${podBody!.eventNo}_resent`
    assert.equal(await postSignedCallback(callbackUrl(), secret, replayId, payload), 202, 'a new message is accepted')
    const replay = await waitFor('the resent POD applied in Odoo', async () => (await rpc.executeKw<Row[]>('hub.event', 'search_read', [[['uuid', '=', replayId], ['direction', '=', 'in']]], { fields: ['state'] }))[0], 60_000, 250)
    assert.equal(replay.state, 'ignored', 'Odoo knew the event already')
    assert.deepEqual(await chargesOf([pickingId]), charges, 'nothing more charged')
    assert.deepEqual((await invoicesOf(customerId)).map(i => i.id), [invoice!.id], 'nothing more invoiced')
  })

  it('weekly: the POD charges wait; the scheduled consolidation invoices last week\'s charges once', async () => {
    const customerId = await customerWithCard('Weekly Wholesale BV', 'weekly')
    const first = await shipToTms(customerId, 1)
    const second = await shipToTms(customerId, 2)
    // the TMS dates both PODs 2026-11-25 (last week: today is 2026-12-02), no arrival: no detention
    await tms.report(first.jobId, ['DEPARTED', 'POD'])
    await tms.report(second.jobId, ['DEPARTED', 'POD'])
    const pickingIds = [first.pickingId, second.pickingId]
    const charges = await waitFor('four charges', async () => { const c = await chargesOf(pickingIds); return c.length >= 4 ? c : null }, 60_000, 250)

    // By hand: 1 x 4.5 kg in the 0-5 kg bracket: 5 + 0.5 x 4.5 = 7.25, below the minimum: 8.00, fuel
    // 0.80; 2 x 4.5 = 9 kg in the 5-50 kg bracket: 6 + 0.4 x 9 = 9.60, fuel 0.96.
    const amounts = (pickingId: number) => charges.filter(c => c.picking_id[0] === pickingId).map(c => [c.charge_type, c.amount]).sort()
    assert.deepEqual(amounts(first.pickingId), [['fuel', 0.8], ['transport', 8]])
    assert.deepEqual(amounts(second.pickingId), [['fuel', 0.96], ['transport', 9.6]])
    assert.deepEqual(charges.map(c => c.state), ['to_invoice', 'to_invoice', 'to_invoice', 'to_invoice'], 'waiting for the consolidation')
    assert.deepEqual(await invoicesOf(customerId), [])

    // the real scheduled action, run as an administrator's "Run Manually" does
    const [cron] = await rpc.executeKw<Row[]>('ir.model.data', 'search_read', [[['module', '=', 'logistics_hub'], ['name', '=', 'ir_cron_hub_consolidate_charges']]], { fields: ['model', 'res_id'] })
    assert.equal(cron?.model, 'ir.cron')
    await rpc.executeKw('ir.cron', 'method_direct_trigger', [[cron!.res_id]])

    const invoices = await invoicesOf(customerId)
    assert.equal(invoices.length, 1, 'one invoice for the week')
    assert.equal(invoices[0]!.state, 'posted')
    const invoiced = await chargesOf(pickingIds)
    assert.deepEqual(invoiced.map(c => [c.state, c.invoice_id[0]]), charges.map(() => ['invoiced', invoices[0]!.id]))
    await assertOneLinePerCharge(invoices[0]!, invoiced, { [first.pickingId]: first.pickingName, [second.pickingId]: second.pickingName })

    await rpc.executeKw('ir.cron', 'method_direct_trigger', [[cron!.res_id]])
    assert.deepEqual((await invoicesOf(customerId)).map(i => i.id), [invoices[0]!.id], 'run again: no new invoice')
    assert.deepEqual(await chargesOf(pickingIds), invoiced, 'and the charges unchanged')
  })

  it('external billing engine: each charge once on the engine\'s invoice and its number in Odoo, though the sidecar is SIGKILLed between the engine\'s effect and its answer', { timeout: 240_000 }, async () => {
    const customerId = await customerWithCard('Engine Billed BV', 'external')
    const engineId = await rpc.executeKw<number>('hub.connector', 'create', [{
      name: 'Billing Engine', code: 'bill-engine', kind: 'billing', adapter: 'rest', base_url: await engine.start(), secret: engineSecret,
      retry_delay: 1, retry_backoff: false, timeout: 5,
      rest_mapping: JSON.stringify({
        path: 'v1/charges',
        request: '{"chargeKey": data.charge.key, "amount": data.charge.amount, "currency": data.charge.currency, "customer": data.charge.customer.name, "shipment": data.charge.shipment.name}',
        reference: 'invoice.number'
      })
    }])
    await rpc.executeKw('hub.route', 'create', [{ connector_id: engineId, event_type: 'charge.billable' }])

    // a sidecar the test can SIGKILL, on a port the TMS calls back
    await sidecar.stop()
    const port = await freePort()
    const env = killableSidecarEnv(spec!.dbUrl, sidecarEnv())
    const logFile = join(process.env.HUB_E2E_WORK!, 'billing-engine-sidecar.log')
    let child = await sidecarProcess(port, env, logFile)
    sidecarUrl = `http://127.0.0.1:${port}`
    tms.configure({ callbackUrl: callbackUrl() })
    try {
      const { pickingId, jobId } = await shipToTms(customerId, 3)
      // the engine invoices each charge at once but answers 4 s later (the connector waits 5 s)
      engine.configure({ answerDelayMs: 4000 })
      await tms.report(jobId, ['DEPARTED', 'POD'])
      const charges = await waitFor('transport and fuel charged', async () => { const c = await chargesOf([pickingId]); return c.length >= 2 ? c : null }, 60_000, 250)
      const keys = (await rpc.executeKw<Row[]>('hub.charge', 'read', [charges.map(c => c.id), ['occurrence_key']])).map(c => c.occurrence_key as string)
      await waitFor('both charges on the engine\'s invoice', () => keys.every(k => engine.invoiceOf(k)), 60_000, 20)
      await kill(child, 'SIGKILL')
      engine.configure({ answerDelayMs: 0 })
      const midway = await rpc.executeKw<Row[]>('hub.charge', 'read', [charges.map(c => c.id), ['external_invoice_ref', 'state']])
      assert.deepEqual(midway.map(c => [c.external_invoice_ref, c.state]), [[false, 'to_invoice'], [false, 'to_invoice']], 'the answers died with the sidecar')

      child = await sidecarProcess(port, env, logFile)
      const billed = await waitFor('the engine\'s invoice number on both charges', async () => {
        const rows = await rpc.executeKw<Row[]>('hub.charge', 'read', [charges.map(c => c.id), ['occurrence_key', 'external_invoice_ref', 'state', 'invoice_id']])
        return rows.every(r => r.external_invoice_ref) ? rows : null
      }, 90_000, 250)

      // counted at the engine: one line per charge on one invoice, the repeated requests recognised
      const counts = engine.lineCounts()
      assert.deepEqual(keys.map(k => counts.get(k)), [1, 1], 'each charge is on the engine\'s invoice once')
      for (const k of keys) assert.ok(engine.duplicates.some(d => d.key === k && d.cause === 'repeated_request'), `${k} was sent again after the restart`)
      const [number] = new Set(keys.map(k => engine.invoiceOf(k)))
      assert.match(number!, /^ENG-\d{5}$/)
      // in Odoo: the engine's number on each charge, invoiced, and no invoice of Odoo's own
      assert.deepEqual(billed.map(r => [r.external_invoice_ref, r.state, r.invoice_id]), billed.map(() => [number, 'invoiced', false]))
      assert.deepEqual(await invoicesOf(customerId), [], 'Odoo did not invoice what the engine billed')
      assert.equal(await rpc.executeKw<number>('hub.event', 'search_count', [[['event_type', '=', 'charge.billable'], ['connector_id', '=', engineId]]]), 2, 'one message per charge')
    } finally {
      engine.configure({ answerDelayMs: 0 })
      await kill(child, 'SIGTERM')
      sidecar = await startSidecar(spec!.dbUrl, sidecarEnv())
      sidecarUrl = sidecar.url
      tms.configure({ callbackUrl: callbackUrl() })
    }
  })

  it('exactly once across a SIGKILL: Odoo applied the POD and charged, the sidecar died before it heard back', { timeout: 240_000 }, async () => {
    const db = new pg.Pool({ connectionString: spec!.dbUrl, max: 1 })
    const customerId = await customerWithCard('Crash Test Haulage BV', 'shipment')
    const { pickingId, jobId } = await shipToTms(customerId, 2)

    // Between the sidecar and Odoo: passes every call, but once Odoo has answered the POD's apply (its
    // transaction committed, the charges with it), holds that answer back for good, as a dying process would.
    let podApplied!: () => void
    const applied = new Promise<void>(resolve => { podApplied = resolve })
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks)
        const pod = body.includes('hub_apply_inbound') && body.includes('"delivered"')
        void fetch(`${odoo.url}${req.url ?? '/'}`, { method: req.method, headers: { 'content-type': String(req.headers['content-type'] ?? 'application/json'), cookie: String(req.headers.cookie ?? '') }, body: req.method === 'GET' ? undefined : body })
          .then(async answer => {
            const text = await answer.text()
            if (pod) { podApplied(); return } // Odoo committed; the answer never reaches the sidecar
            res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', ...(answer.headers.get('set-cookie') ? { 'set-cookie': answer.headers.get('set-cookie')! } : {}) })
            res.end(text)
          }, () => { res.destroy() })
      })
    })
    await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`

    await sidecar.stop()
    const port = await freePort()
    // the apply job held by the killed process comes back after HUB_ODOO_EXPIRE_SECONDS
    const env = killableSidecarEnv(spec!.dbUrl, { ...sidecarEnv(), HUB_ODOO_EXPIRE_SECONDS: '5' })
    const logFile = join(process.env.HUB_E2E_WORK!, 'billing-pod-sidecar.log')
    let child = await sidecarProcess(port, { ...env, ODOO_URL: proxyUrl }, logFile)
    sidecarUrl = `http://127.0.0.1:${port}`
    tms.configure({ callbackUrl: callbackUrl() })
    try {
      await tms.report(jobId, ['DEPARTED', 'POD'])
      await applied
      await kill(child, 'SIGKILL')
      const charged = await chargesOf([pickingId])
      assert.deepEqual(charged.map(c => c.charge_type).sort(), ['fuel', 'transport'], 'Odoo charged the POD before the kill')
      const invoicesBefore = await invoicesOf(customerId)
      assert.equal(invoicesBefore.length, 1)

      // a new sidecar, straight to Odoo: the apply job comes back and is applied again
      child = await sidecarProcess(port, env, logFile)
      const podJob = async () => (await db.query<{ state: string, retry_count: number }>(
        "SELECT state, retry_count FROM pgboss.job WHERE name = $1 AND data::text LIKE '%' || $2 || '%' AND data::text LIKE '%delivered%'", [QUEUES.inbound, jobId])).rows
      const [settled] = await waitFor('the POD\'s apply job settled after the restart', async () => { const rows = await podJob(); return rows[0]?.state === 'completed' ? rows : null }, 90_000, 250)
      assert.ok(settled!.retry_count >= 1, 'the job the killed sidecar held was applied again')
      assert.deepEqual(await chargesOf([pickingId]), charged, 'charged once: the second apply found its message applied')
      assert.deepEqual((await invoicesOf(customerId)).map(i => i.id), invoicesBefore.map(i => i.id), 'invoiced once')
    } finally {
      await kill(child, 'SIGTERM')
      proxy.closeAllConnections()
      await new Promise<void>(resolve => proxy.close(() => resolve()))
      await db.end()
      sidecar = await startSidecar(spec!.dbUrl, sidecarEnv())
      sidecarUrl = sidecar.url
      tms.configure({ callbackUrl: callbackUrl() })
    }
  })

  it('freight audit: the carrier\'s bill is fetched, accepted lines make a vendor bill, an overcharge and an unknown parcel are exceptions with the numbers', async () => {
    // deliveries now book with ParcelFast (its cheapest service), which bills them later
    await rpc.executeKw('hub.route', 'write', [[tmsRouteId], { active: false }])
    const pfId = await rpc.executeKw<number>('hub.connector', 'create', [{
      name: 'ParcelFast', code: 'bill-pf', kind: 'carrier', adapter: 'parcelfast', base_url: await parcelfast.start(), secret: pfSecret,
      retry_delay: 1, retry_backoff: false, timeout: 5, freight_tolerance_amount: 0.1, freight_tolerance_percent: 2
    }])
    await rpc.executeKw('hub.route', 'create', [{ connector_id: pfId, event_type: 'picking.done' }])
    const customerId = await rpc.executeKw<number>('res.partner', 'create', [{ name: 'Audit Retail BV', street: '2 Dock Road', city: 'Rotterdam', zip: '3011', country_id: nlId }])
    const booked: Row[] = []
    for (const qty of [1, 2]) {
      const { pickingId } = await validateDelivery(customerId, qty)
      booked.push(await waitFor('booked with ParcelFast', async () => {
        const [p] = await rpc.executeKw<Row[]>('stock.picking', 'read', [[pickingId], ['hub_tracking_number', 'hub_shipping_cost', 'hub_shipping_currency']])
        return p!.hub_tracking_number ? p : null
      }, 60_000, 250))
    }
    const [ok, over] = booked as [Row, Row]

    // the carrier bills one parcel at its booked price, the other 4.50 more, and one it never moved for us
    const bill = parcelfast.issueFreightBill({ overcharge: { [over.hub_tracking_number]: over.hub_shipping_cost + 4.5 }, unknown: { PF999999999: 5 } })
    assert.equal(bill.lines.length, 3)
    // the scheduled fetch (HUB_FREIGHT_BILLS_CRON), run now rather than at the next hour
    await sidecar.boss.send(QUEUES.freightBills, {})
    const [audited] = await waitFor('the bill audited in Odoo', async () => {
      const bills = await rpc.executeKw<Row[]>('hub.freight.bill', 'search_read', [[['name', '=', bill.id]]], { fields: ['line_ids', 'vendor_bill_id', 'variance_count', 'connector_id'] })
      return bills.length ? bills : null
    }, 60_000, 250)
    assert.equal(audited!.connector_id[0], pfId)
    const lines = await rpc.executeKw<Row[]>('hub.freight.bill.line', 'read', [audited!.line_ids, ['tracking_number', 'status', 'amount', 'booked_amount']])
    assert.deepEqual(lines.map(l => [l.tracking_number, l.status]), [
      [ok.hub_tracking_number, 'accepted'], [over.hub_tracking_number, 'overcharge'], ['PF999999999', 'unknown_shipment']
    ])

    const [vendorBill] = await rpc.executeKw<Row[]>('account.move', 'read', [[audited!.vendor_bill_id[0]], ['move_type', 'state', 'ref', 'invoice_line_ids']])
    assert.deepEqual([vendorBill!.move_type, vendorBill!.state, vendorBill!.ref], ['in_invoice', 'draft', bill.id])
    const paid = await rpc.executeKw<Row[]>('account.move.line', 'read', [vendorBill!.invoice_line_ids, ['price_unit', 'name']])
    assert.deepEqual(paid.map(l => l.price_unit), [ok.hub_shipping_cost], 'only the accepted line is on the vendor bill')

    const variances = await rpc.executeKw<Row[]>('hub.exception', 'search_read', [[['reason', '=', 'freight_variance']]], { fields: ['description'], order: 'id' })
    assert.equal(variances.length, 2)
    const cost = Number(over.hub_shipping_cost).toFixed(2)
    const billed = (Number(over.hub_shipping_cost) + 4.5).toFixed(2)
    assert.ok(variances.some(v => v.description.includes(`${over.hub_tracking_number}: billed ${billed} EUR, booked ${cost} EUR, difference +4.50`)), JSON.stringify(variances))
    assert.ok(variances.some(v => v.description.includes('PF999999999: no shipment was booked')))

    // fetched again (the next run, another replica): the same bill is audited once
    await sidecar.boss.send(QUEUES.freightBills, {})
    await waitFor('the second fetch done', async () => Number((await sidecar.pool.query(`SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'`, [QUEUES.freightBills])).rows[0].n) >= 2, 60_000, 250)
    assert.equal(await rpc.executeKw<number>('hub.freight.bill', 'search_count', [[['name', '=', bill.id]]]), 1)
    assert.equal(await rpc.executeKw<number>('hub.exception', 'search_count', [[['reason', '=', 'freight_variance']]]), 2)
  })
})
