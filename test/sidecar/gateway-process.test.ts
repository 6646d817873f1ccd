import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ExecutionResult, graphql } from 'graphql'
import type { Audience, Caller } from '../../sidecar/src/auth/caller.ts'
import { BackendBudget } from '../../sidecar/src/gateway/backend-budget.ts'
import { type GatewayContext, createRequestData } from '../../sidecar/src/gateway/context.ts'
import { ExposurePolicy } from '../../sidecar/src/gateway/exposure.ts'
import { toOrder } from '../../sidecar/src/gateway/mappers.ts'
import { buildGatewaySchema } from '../../sidecar/src/gateway/schema.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'

/**
 * `Order.process { stage eta delayed }`: an order's order-to-delivery process as its customer may see it,
 * read by SQL from the addon's hub_process / hub_process_step (real PostgreSQL with the addon's columns).
 * The real gateway schema runs the query, with its scope and exposure guards; only the root `order`
 * field is swapped for one answering the order as the scoped Odoo reader would (that read is not under
 * test here), and the Odoo reader fails the test if anything asks Odoo.
 */

const FAR_DEADLINE = '2026-12-04 16:30:00'

interface StepSpec { code: string, name: string, state: string, deadline?: string }

const ORDER_TO_DELIVERY: Array<[string, string]> = [
  ['confirmed', 'Order confirmed'], ['warehouse_acknowledged', 'Warehouse acknowledged'], ['packed', 'Packed'],
  ['carrier_booked', 'Carrier booked'], ['in_transit', 'In transit'], ['delivered', 'Delivered'], ['invoiced', 'Invoiced']
]

/** the default order-to-delivery steps, the first `reached` done, the next one active unless the process ended */
function steps (reached: number, active = true, overrides: Record<string, Partial<StepSpec>> = {}): StepSpec[] {
  return ORDER_TO_DELIVERY.map(([code, name], i) => ({
    code, name, state: i < reached ? 'done' : i === reached && active ? 'active' : 'pending', ...overrides[code]
  }))
}

describe('gateway: Order.process, the customer-safe view of the order-to-delivery process', () => {
  let db: TestDatabase
  const schema = buildGatewaySchema()
  const odooCalls: string[] = []

  before(async () => {
    db = await createTestDatabase()
    schema.getQueryType()!.getFields().order!.resolve = (_s: unknown, args: { id: string }) => toOrder({ id: Number(args.id), name: `S${args.id}` })
  })
  after(async () => { await db?.drop() })

  async function process (orderId: number, state: string, isLate: boolean, spec: StepSpec[], definition = 'order_to_delivery', resModel = 'sale.order'): Promise<void> {
    const { rows: [p] } = await db.pool.query<{ id: number }>(
      `INSERT INTO hub_process (name, definition_id, definition_code, res_model, res_id, state, is_late, deadline)
       VALUES ($1, 1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [`${definition} S${orderId}`, definition, resModel, orderId, state, isLate, spec.find(s => s.state === 'active')?.deadline ?? null])
    for (const [i, s] of spec.entries()) {
      await db.pool.query('INSERT INTO hub_process_step (process_id, sequence, code, name, state, deadline) VALUES ($1, $2, $3, $4, $5, $6)',
        [p!.id, i + 1, s.code, s.name, s.state, s.deadline ?? null])
    }
  }

  /** runs `source` as a caller of `audience` (an Odoo user with `odooSession`), through the real context */
  async function run (source: string, { audience = 'customer', odooSession }: { audience?: Audience, odooSession?: string } = {}): Promise<ExecutionResult> {
    const caller: Caller = {
      kind: odooSession ? 'odoo_user' : 'client', label: 'test', scopePartnerId: odooSession ? null : 10, partnerId: 10,
      scopes: new Set(['orders:read']), audience, rateKey: 'test', rateLimit: 0, ...(odooSession ? { odooSession } : {})
    }
    const refuse = async (model: string): Promise<never> => { odooCalls.push(model); throw new Error(`Order.process asked Odoo for ${model}`) }
    const data = await createRequestData(caller, {
      pool: db.pool, readerFor: () => ({ searchRead: refuse, searchCount: refuse }), backend: new BackendBudget({ perCaller: 1, total: 1 }),
      exposure: new ExposurePolicy(db.pool, 0, createLogger('silent')),
      warehouseStock: { available: async () => [] }, carrierTracking: { track: async () => [] }, log: createLogger('silent')
    })
    return await graphql({ schema, source, contextValue: { ...data, caller } as unknown as GatewayContext })
  }

  const query = async (orderId: number, options?: Parameters<typeof run>[1]): Promise<ExecutionResult> =>
    await run(`{ order(id: "${orderId}") { number process { stage eta delayed } } }`, options)

  const processOf = async (orderId: number, options?: Parameters<typeof query>[1]): Promise<unknown> => {
    const result = await query(orderId, options)
    assert.equal(result.errors, undefined, JSON.stringify(result.errors))
    // graphql-js answers objects without a prototype: compared as the JSON a client receives
    return JSON.parse(JSON.stringify((result.data as { order: { process: unknown } }).order.process)) as unknown
  }

  it('shows the last milestone reached, not the step in progress, with the delivery promise while delivery is in progress', async () => {
    await process(601, 'running', false, steps(2))
    assert.deepEqual(await processOf(601), { stage: 'Warehouse acknowledged', eta: null, delayed: false })
    await process(602, 'running', false, steps(5, true, { delivered: { deadline: FAR_DEADLINE } }))
    assert.deepEqual(await processOf(602), { stage: 'In transit', eta: '2026-12-04T16:30:00Z', delayed: false },
      'the step in progress is named "Delivered": showing it would announce a delivery that has not happened')
  })

  it('counts a milestone passed by a later one as reached, and says "delayed" when the process is late', async () => {
    await process(603, 'running', true, steps(5, true, { in_transit: { state: 'passed' }, delivered: { deadline: '2026-12-01 08:00:00' } }))
    assert.deepEqual(await processOf(603), { stage: 'In transit', eta: '2026-12-01T08:00:00Z', delayed: true })
  })

  it('says Completed or Cancelled when the process ended, without a promise or a delay', async () => {
    await process(604, 'completed', true, steps(7, false))
    assert.deepEqual(await processOf(604), { stage: 'Completed', eta: null, delayed: false })
    await process(605, 'cancelled', false, steps(3, true, { packed: { deadline: FAR_DEADLINE } }))
    assert.deepEqual(await processOf(605), { stage: 'Cancelled', eta: null, delayed: false })
  })

  it('shows a failed or compensating process as "On hold", never its step names, failure or compensation', async () => {
    await process(606, 'compensating', true, steps(4, false, {
      warehouse_acknowledged: { state: 'compensating' }, carrier_booked: { state: 'failed' }, delivered: { state: 'active', deadline: FAR_DEADLINE }
    }))
    await process(607, 'failed', false, steps(4, false, { warehouse_acknowledged: { state: 'compensated' }, carrier_booked: { state: 'failed' } }))
    for (const [id, delayed] of [[606, true], [607, false]] as const) {
      const shown = await processOf(id)
      assert.deepEqual(shown, { stage: 'On hold', eta: null, delayed }, `order ${id}`)
      assert.doesNotMatch(JSON.stringify(shown), /booked|compensat|fail|Warehouse/i)
    }
  })

  it('is null for an order no process follows, and reads only the order-to-delivery process rooted at the order', async () => {
    assert.equal(await processOf(699), null)
    // a return's process names the order too (sale_order_id) but is rooted at the return picking
    await process(608, 'running', false, [{ code: 'authorised', name: 'Return authorised', state: 'done' }], 'return_to_refund', 'stock.picking')
    assert.equal(await processOf(608), null)
  })

  it('is hidden from an audience by the exposure policy (hub_field_exposure), without being read', async () => {
    await db.pool.query("INSERT INTO hub_field_exposure (audience, type_name, field_name) VALUES ('customer', 'Order', 'process'), ('partner', 'OrderProcess', 'eta')")
    try {
      assert.equal(await processOf(602), null, 'hidden from customers')
      assert.deepEqual(await processOf(602, { audience: 'partner' }), { stage: 'In transit', eta: null, delayed: false }, 'partners see it, without the hidden ETA')
    } finally {
      await db.pool.query('DELETE FROM hub_field_exposure')
    }
  })

  it('is null for Odoo users, who see processes in Odoo (hub users only there)', async () => {
    assert.equal(await processOf(602, { audience: 'partner', odooSession: 'sess-1' }), null)
  })

  it('reads the processes of a page of orders in one query, and asks Odoo nothing', async () => {
    const ids = [601, 602, 603]
    schema.getQueryType()!.getFields().orders!.resolve = () => ({ edges: [], nodes: ids.map(id => toOrder({ id, name: `S${id}` })), pageInfo: { hasNextPage: false } })
    const query = db.pool.query.bind(db.pool)
    let processQueries = 0
    // counts the plan's statements as they reach the pool (a DataLoader batches one page into one)
    db.pool.query = ((...args: Parameters<typeof query>) => {
      if (String((args[0] as { text?: string }).text ?? args[0]).includes('FROM hub_process p')) processQueries++
      return query(...args)
    }) as typeof db.pool.query
    try {
      const result = await run('{ orders { nodes { process { stage } } } }')
      assert.equal(result.errors, undefined, JSON.stringify(result.errors))
      assert.deepEqual((result.data as { orders: { nodes: Array<{ process: { stage: string } }> } }).orders.nodes.map(o => o.process.stage),
        ['Warehouse acknowledged', 'In transit', 'In transit'])
      assert.equal(processQueries, 1)
    } finally {
      db.pool.query = query
    }
    assert.deepEqual(odooCalls, [])
  })
})
