import './support/dom.ts'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { registry } from './support/web/core/registry.ts'
import { loadOwlUi, makeEnv, makeRecord, mount, nextTick } from './support/owl-ui.ts'

const CHANNEL = 'logistics_hub.sync/stock.picking/7'

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

  it('opens the record timeline of the clicked connector', async () => {
    const { target, env } = await mountField(pickingRecord([badge('Main WMS', 1, 'sent'), badge('Carrier', 2, 'failed')]))
    badges(target)[1]!.click()
    assert.equal(env.services.dialog.added.length, 1)
    const { component, props } = env.services.dialog.added[0]!
    assert.equal(component, ui.SyncTimelineDialog)
    assert.deepEqual(props, { resModel: 'stock.picking', resId: 7, recordName: 'WH/OUT/00007', connectorId: 2 })
  })
})
