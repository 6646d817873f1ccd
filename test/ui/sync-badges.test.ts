import './support/dom.ts'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { registry } from './support/web/core/registry.ts'
import { groups } from './support/web/core/user.ts'
import { loadOwlUi, makeEnv, makeRecord, mount, nextTick } from './support/owl-ui.ts'

const CHANNEL = 'logistics_hub.sync/stock.picking/7'
const HUB_USER = 'logistics_hub.group_hub_user'

function badge (connector: string, connectorId: number, status: string, extra: Record<string, unknown> = {}) {
  return { connector, connector_id: connectorId, status, attempts: 1, last_error: false, correlation_id: 'corr-1', last_sync_at: '2026-11-23 16:00:00', ...extra }
}

function pickingRecord (badges: unknown, options: { resId?: number | false, root?: boolean } = {}) {
  return makeRecord({ resId: options.resId ?? 7, resModel: 'stock.picking', data: { name: 'WH/OUT/00007', display_name: 'WH/OUT/00007', hub_sync_badges: badges }, root: options.root })
}

describe('hub_sync_badges field widget', () => {
  let ui: any
  before(async () => { ui = await loadOwlUi() })
  const mounted: Array<{ destroy: () => void }> = []
  after(() => { for (const m of mounted) m.destroy() })

  async function mountField (record: any, env = makeEnv()) {
    const m = await mount(ui.SyncBadgesField, { name: 'hub_sync_badges', record }, env)
    mounted.push(m)
    return m
  }
  const badges = (el: Element) => [...el.querySelectorAll<HTMLElement>('.o_hub_sync_badge')]

  it('is registered as a field widget for Json fields', () => {
    const descriptor = registry.category('fields').get('hub_sync_badges')
    assert.equal(descriptor.component, ui.SyncBadgesField)
    assert.deepEqual(descriptor.supportedTypes, ['json'])
  })

  it('shows one badge per connector with its status, colour, attempts and details', async () => {
    const { target } = await mountField(pickingRecord([
      badge('Main WMS', 1, 'acknowledged'),
      badge('Carrier', 2, 'dead', { attempts: 5, last_error: 'HTTP 422: address rejected' })
    ]))
    const [wms, carrier] = badges(target)
    assert.equal(badges(target).length, 2)
    assert.equal(wms!.textContent!.replace(/\s+/g, ' ').trim(), 'Main WMS: Acknowledged')
    assert.ok(wms!.classList.contains('text-bg-success'))
    assert.equal(carrier!.dataset.status, 'dead')
    assert.ok(carrier!.classList.contains('text-bg-danger'))
    assert.match(carrier!.textContent!, /\(5×\)/)
    assert.match(carrier!.title, /Last error: HTTP 422: address rejected/)
    assert.match(carrier!.title, /Correlation id: corr-1/)
  })

  it('shows nothing for a record never synced (the field is False)', async () => {
    const { target } = await mountField(pickingRecord(false))
    assert.equal(badges(target).length, 0)
  })

  it('follows the record channel while mounted', async () => {
    const env = makeEnv()
    const bus = env.services.bus_service
    const m = await mount(ui.SyncBadgesField, { name: 'hub_sync_badges', record: pickingRecord([badge('Main WMS', 1, 'sent')]) }, env)
    assert.deepEqual(bus.channels, [CHANNEL])
    assert.equal(bus.subscribers('logistics_hub.sync'), 1)
    m.destroy()
    assert.deepEqual(bus.channels, [])
    assert.equal(bus.subscribers('logistics_hub.sync'), 0)
  })

  it('changes live on a bus notification and reloads a form record without pending edits', async () => {
    const record = pickingRecord([badge('Main WMS', 1, 'sent')])
    record.onLoad = async (r: any) => { r.data.hub_sync_badges = [badge('Main WMS', 1, 'acknowledged')]; r.data.state = 'done' }
    const { target, env } = await mountField(record)
    env.services.bus_service.notify('logistics_hub.sync', { model: 'stock.picking', id: 7, badges: [badge('Main WMS', 1, 'acknowledged', { external_ref: 'WMS-9' })] })
    await nextTick()
    assert.equal(badges(target)[0]!.dataset.status, 'acknowledged')
    assert.equal(record.loads, 1, 'the form is reloaded: the write-back may have validated the picking')
    assert.equal(record.data.state, 'done')
  })

  it('keeps pending edits: a dirty form is not reloaded, the badges still change', async () => {
    const record = pickingRecord([badge('Main WMS', 1, 'sent')])
    record.dirty = true
    const { target, env } = await mountField(record)
    env.services.bus_service.notify('logistics_hub.sync', { model: 'stock.picking', id: 7, badges: [badge('Main WMS', 1, 'failed', { attempts: 2 })] })
    await nextTick()
    assert.equal(badges(target)[0]!.dataset.status, 'failed')
    assert.equal(record.loads, 0)
  })

  it('updates a list row in place without reloading it', async () => {
    const record = pickingRecord([badge('Main WMS', 1, 'pending')], { root: false })
    const { target, env } = await mountField(record)
    env.services.bus_service.notify('logistics_hub.sync', { model: 'stock.picking', id: 7, badges: [badge('Main WMS', 1, 'sent')] })
    await nextTick()
    assert.equal(badges(target)[0]!.dataset.status, 'sent')
    assert.equal(record.loads, 0)
  })

  it('ignores notifications of other records', async () => {
    const { target, env } = await mountField(pickingRecord([badge('Main WMS', 1, 'sent')]))
    env.services.bus_service.notify('logistics_hub.sync', { model: 'stock.picking', id: 8, badges: [badge('Main WMS', 1, 'dead')] })
    env.services.bus_service.notify('logistics_hub.sync', { model: 'sale.order', id: 7, badges: [badge('Main WMS', 1, 'dead')] })
    await nextTick()
    assert.equal(badges(target)[0]!.dataset.status, 'sent')
  })

  it('subscribes once a new record gets an id (saved, then confirmed in the same form)', async () => {
    const record = pickingRecord([], { resId: false })
    const { target, env } = await mountField(record)
    assert.deepEqual(env.services.bus_service.channels, [])
    record.resId = 7
    record.data.hub_sync_badges = [badge('Main WMS', 1, 'pending')]
    await nextTick()
    assert.equal(badges(target).length, 1)
    assert.deepEqual(env.services.bus_service.channels, [CHANNEL])
  })

  it('shares a channel between components: the first to leave does not unsubscribe the other', async () => {
    const env = makeEnv()
    const first = await mount(ui.SyncBadgesField, { name: 'hub_sync_badges', record: pickingRecord([badge('Main WMS', 1, 'sent')]) }, env)
    const second = await mount(ui.SyncBadgesField, { name: 'hub_sync_badges', record: pickingRecord([badge('Main WMS', 1, 'sent')]) }, env)
    assert.deepEqual(env.services.bus_service.added, [CHANNEL], 'added once')
    first.destroy()
    assert.deepEqual(env.services.bus_service.channels, [CHANNEL])
    second.destroy()
    assert.deepEqual(env.services.bus_service.channels, [])
  })

  it('opens the record timeline of the clicked connector for hub users', async () => {
    groups.add(HUB_USER)
    try {
      const { target, env } = await mountField(pickingRecord([badge('Main WMS', 1, 'sent'), badge('Carrier', 2, 'failed')]))
      assert.equal(badges(target)[1]!.tagName, 'BUTTON')
      badges(target)[1]!.click()
      assert.equal(env.services.dialog.added.length, 1)
      const { component, props } = env.services.dialog.added[0]!
      assert.equal(component, ui.SyncTimelineDialog)
      assert.deepEqual(props, { resModel: 'stock.picking', resId: 7, recordName: 'WH/OUT/00007', connectorId: 2 })
    } finally { groups.delete(HUB_USER) }
  })

  it('shows a status viewer (warehouse, sales) the badges without a way into the timeline', async () => {
    const { target, env } = await mountField(pickingRecord([badge('Main WMS', 1, 'acknowledged', { correlation_id: false, external_ref: 'WMS-9' })]))
    const [wms] = badges(target)
    assert.equal(wms!.tagName, 'SPAN', 'not a button: there is nothing to click')
    assert.equal(wms!.dataset.status, 'acknowledged')
    assert.doesNotMatch(wms!.title, /Click to see the timeline/)
    wms!.click()
    assert.equal(env.services.dialog.added.length, 0)
  })
})

describe('hub_sync_badges on a sale order: the aggregate of the order, its deliveries and invoices', () => {
  let ui: any
  before(async () => { ui = await loadOwlUi(); groups.add(HUB_USER) })
  const mounted: Array<{ destroy: () => void }> = []
  after(() => { for (const m of mounted) m.destroy(); groups.delete(HUB_USER) })

  const documents = [
    { res_model: 'sale.order', res_id: 3, name: 'S00003', status: 'sent', external_ref: false },
    { res_model: 'stock.picking', res_id: 7, name: 'WH/OUT/00007', status: 'failed', external_ref: 'WMS-9' }
  ]
  const aggregate = (status = 'failed') => badge('Main WMS', 1, status, { res_model: 'stock.picking', res_id: 7, document: 'WH/OUT/00007', documents })
  function orderRecord (value: unknown, root = true) {
    return makeRecord({ resId: 3, resModel: 'sale.order', data: { name: 'S00003', display_name: 'S00003', hub_order_sync_badges: value }, root })
  }
  async function mountAggregate (record: any) {
    const m = await mount(ui.SyncBadgesField, { name: 'hub_order_sync_badges', record })
    mounted.push(m)
    return m
  }

  it('lists every document in the tooltip and opens the timeline of the document the badge shows', async () => {
    const { target, env } = await mountAggregate(orderRecord([aggregate()]))
    const [wms] = [...target.querySelectorAll<HTMLElement>('.o_hub_sync_badge')]
    assert.match(wms!.title, /• S00003: Sent/)
    assert.match(wms!.title, /• WH\/OUT\/00007: Failed \(WMS-9\)/)
    assert.match(wms!.title, /Click to see the timeline of WH\/OUT\/00007/)
    wms!.click()
    assert.deepEqual(env.services.dialog.added[0]!.props, { resModel: 'stock.picking', resId: 7, recordName: 'WH/OUT/00007', connectorId: 1 })
  })

  it('reloads the order on a notification instead of showing the order-only badges it carries', async () => {
    const record = orderRecord([aggregate()])
    record.onLoad = async (r: any) => { r.data.hub_order_sync_badges = [aggregate('acknowledged')] }
    const { target, env } = await mountAggregate(record)
    assert.deepEqual(env.services.bus_service.channels, ['logistics_hub.sync/sale.order/3'])
    env.services.bus_service.notify('logistics_hub.sync', { model: 'sale.order', id: 3, badges: [badge('Main WMS', 1, 'sent')] })
    await nextTick()
    assert.equal(record.loads, 1)
    const shown = [...target.querySelectorAll<HTMLElement>('.o_hub_sync_badge')]
    assert.equal(shown[0]!.dataset.status, 'acknowledged', 'the reloaded aggregate, not the payload')
  })

  it('never replaces an aggregate with the order-only badges a notification carries (list row)', async () => {
    const { target, env } = await mountAggregate(orderRecord([aggregate()], false))
    env.services.bus_service.notify('logistics_hub.sync', { model: 'sale.order', id: 3, badges: [badge('Main WMS', 1, 'sent')] })
    await nextTick()
    const shown = [...target.querySelectorAll<HTMLElement>('.o_hub_sync_badge')]
    assert.equal(shown[0]!.dataset.status, 'failed', 'the delivery still failed: the order alone would hide it')
  })
})
