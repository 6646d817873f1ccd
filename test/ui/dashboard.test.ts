import './support/dom.ts'
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { bundles } from './support/web/core/assets.ts'
import { registry } from './support/web/core/registry.ts'
import { type OrmCall, loadOwlUi, makeEnv, mount, nextTick } from './support/owl-ui.ts'

function stats (minutes = 60, extra: Record<string, unknown> = {}) {
  const labels = ['2026-11-23 16:00:00', '2026-11-23 16:01:00', '2026-11-23 16:02:00']
  return {
    window_minutes: minutes,
    bucket_minutes: 1,
    sla_seconds: 300,
    kpis: {
      events: 42, events_per_minute: 0.7, latency_ms: { p50: 850, p95: 4200, p99: null },
      queue_depth: 3, dlq_size: 2, dead_events: 1, dead_cleared: 0, retries: 5, failed_states: 1, open_exceptions: 4
    },
    series: { labels, outbound: [1, 4, 2], inbound: [0, 1, 1], exceptions: [0, 2, 0] },
    sla: [
      { connector_id: 1, connector: 'Main WMS', total: 10, within: 10, adherence: 1 },
      { connector_id: 2, connector: 'Carrier', total: 8, within: 6, adherence: 0.75 }
    ],
    exceptions_by_reason: [{ reason: 'partner_rejected', label: 'Rejected by partner', count: 4 }],
    sidecar: { state: 'live', live_replicas: 2, version: '0.1.0', last_beat_at: '2026-11-23 16:02:55', message: '2 replica(s) running, version 0.1.0; last heartbeat 5 s ago.' },
    ...extra
  }
}

/** Chart.js as web.chartjs_lib defines it: a global constructor; instances recorded. */
class FakeChart {
  static instances: FakeChart[] = []
  destroyed = false
  constructor (readonly canvas: HTMLCanvasElement, readonly config: any) { FakeChart.instances.push(this) }
  update (): void {}
  destroy (): void { this.destroyed = true }
}

describe('integration dashboard client action', () => {
  let ui: any
  before(async () => { ui = await loadOwlUi() })
  beforeEach(() => {
    FakeChart.instances = []
    bundles.loaded = []
    bundles.load = async () => { (globalThis as any).Chart = FakeChart }
    delete (globalThis as any).Chart
  })
  const mounted: Array<{ destroy: () => void }> = []
  after(() => { for (const m of mounted) m.destroy(); delete (globalThis as any).Chart })

  async function open (answer: (call: OrmCall) => unknown = call => stats(call.kwargs.minutes as number)) {
    const env = makeEnv()
    env.services.orm.handle = answer
    const m = await mount(ui.HubDashboard, { action: { tag: 'logistics_hub.dashboard', params: { minutes: 60 } } }, env)
    mounted.push(m)
    return m
  }
  const kpi = (el: Element, name: string) => el.querySelector(`[data-kpi="${name}"] .o_hub_kpi_value`)?.textContent?.trim()

  it('is the logistics_hub.dashboard client action', () => {
    assert.equal(registry.category('actions').get('logistics_hub.dashboard'), ui.HubDashboard)
  })

  it('shows the KPIs of the last hour', async () => {
    const { target, env } = await open()
    assert.deepEqual(env.services.orm.calls, [{ model: 'hub.dashboard', method: 'get_stats', args: [], kwargs: { minutes: 60 } }])
    assert.equal(kpi(target, 'events_per_minute'), '0.70')
    assert.equal(kpi(target, 'p50'), '850 ms')
    assert.equal(kpi(target, 'p95'), '4.2 s')
    assert.equal(kpi(target, 'p99'), '—', 'no percentile without deliveries')
    assert.equal(kpi(target, 'queue_depth'), '3')
    assert.equal(kpi(target, 'dlq_size'), '2')
    assert.ok(target.querySelector('[data-kpi="dlq_size"]')!.classList.contains('border-danger'))
    assert.equal(kpi(target, 'retries'), '5')
    assert.equal(kpi(target, 'open_exceptions'), '4')
    const sla = [...target.querySelectorAll<HTMLElement>('.o_hub_sla tbody tr')].map(tr => [...tr.children].map(td => td.textContent))
    assert.deepEqual(sla, [['Main WMS', '10', '100.0 %'], ['Carrier', '8', '75.0 %']])
    assert.equal(target.querySelector('.o_hub_exception_reasons td')!.textContent, 'Rejected by partner')
  })

  it('draws the series with Chart.js from the web.chartjs_lib bundle', async () => {
    await open()
    assert.deepEqual(bundles.loaded, ['web.chartjs_lib'])
    const [events, exceptions, sla] = FakeChart.instances
    assert.equal(FakeChart.instances.length, 3)
    assert.equal(events!.config.type, 'line')
    assert.deepEqual(events!.config.data.labels, ['16:00', '16:01', '16:02'])
    assert.deepEqual(events!.config.data.datasets.map((d: any) => d.data), [[1, 4, 2], [0, 1, 1]])
    assert.deepEqual(exceptions!.config.data.datasets[0].data, [0, 2, 0])
    assert.deepEqual(sla!.config.data.labels, ['Main WMS', 'Carrier'])
    assert.deepEqual(sla!.config.data.datasets[0].data, [100, 75])
    assert.ok(events!.canvas.classList.contains('o_hub_chart_events'))
  })

  it('reloads for another period and redraws', async () => {
    const { target, env } = await open()
    target.querySelector<HTMLElement>('.o_hub_period[data-minutes="15"]')!.click()
    await nextTick()
    assert.deepEqual(env.services.orm.calls.at(-1)!.kwargs, { minutes: 15 })
    assert.ok(target.querySelector('.o_hub_period[data-minutes="15"]')!.classList.contains('btn-primary'))
    assert.equal(FakeChart.instances.length, 6)
    assert.ok(FakeChart.instances.slice(0, 3).every(c => c.destroyed), 'the old charts are destroyed')
  })

  it('falls back to SVG bars when Chart.js cannot be loaded', async () => {
    bundles.load = async () => { throw new Error('bundle unavailable') }
    const { target } = await open()
    assert.equal(FakeChart.instances.length, 0)
    const bars = [...target.querySelectorAll('.o_hub_svg_events rect')]
    assert.deepEqual(bars.map(b => Number(b.getAttribute('height'))), [23, 116, 70], 'outbound + inbound, scaled to the tallest')
    assert.equal(target.querySelectorAll('.o_hub_svg_exceptions rect').length, 3)
  })

  it('says so when exceptions are not tracked', async () => {
    const { target } = await open(() => stats(60, { series: { labels: [], outbound: [], inbound: [], exceptions: null } }))
    assert.match(target.textContent!, /Exceptions are not tracked in this database/)
  })

  it('shows a server error instead of the figures', async () => {
    const { target } = await open(() => { throw new Error('Access denied') })
    assert.equal(target.querySelector('.alert-danger')!.textContent, 'Access denied')
    assert.equal(target.querySelector('.o_hub_kpis'), null)
  })

  it('shows the sidecar running, without a banner', async () => {
    const { target } = await open()
    assert.equal(target.querySelector('.o_hub_sidecar_banner'), null)
    assert.equal(target.querySelector('.o_hub_sidecar_status')!.textContent!.trim(), 'Sidecar: 2 replica(s) running, version 0.1.0; last heartbeat 5 s ago.')
  })

  it('warns with a banner when the sidecar is silent (badges just stayed pending)', async () => {
    const message = 'No heartbeat from the sidecar for 5 min: nothing is delivered to partners or applied from them until it runs again (nothing is lost: events wait in the outbox). Check the sidecar process and its log.'
    const { target } = await open(() => stats(60, { sidecar: { state: 'silent', live_replicas: 0, version: '0.1.0', last_beat_at: '2026-11-23 15:57:10', message } }))
    const banner = target.querySelector<HTMLElement>('.o_hub_sidecar_banner')!
    assert.ok(banner, 'a banner')
    assert.equal(banner.dataset.state, 'silent')
    assert.ok(banner.classList.contains('alert-warning'))
    assert.equal(banner.querySelector('.o_hub_sidecar_title')!.textContent, 'The sidecar is silent')
    assert.equal(banner.querySelector('.o_hub_sidecar_message')!.textContent, message)
    assert.match(banner.textContent!, /Last heartbeat: 2026-11-23 15:57/)
    assert.equal(target.querySelector('.o_hub_sidecar_status'), null)
    assert.ok(target.querySelector('.o_hub_kpis'), 'the figures are still shown')
  })

  it('says a sidecar that never started, without a last heartbeat', async () => {
    const { target } = await open(() => stats(60, { sidecar: { state: 'never', live_replicas: 0, version: null, last_beat_at: null, message: 'No sidecar has reported to this database yet.' } }))
    const banner = target.querySelector('.o_hub_sidecar_banner')!
    assert.equal(banner.querySelector('.o_hub_sidecar_title')!.textContent, 'No sidecar has started yet')
    assert.doesNotMatch(banner.textContent!, /Last heartbeat/)
  })

  it('tells dead letters delivered again since instead of contradicting itself', async () => {
    const { target } = await open(() => stats(60, { kpis: { ...stats().kpis, dlq_size: 0, dead_events: 1, dead_cleared: 1 } }))
    assert.equal(kpi(target, 'dlq_size'), '0')
    assert.equal(target.querySelector('[data-kpi="dlq_size"] .text-truncate:last-child')!.textContent, '1 went dead in the period, 1 delivered again since')
    const quiet = await open(() => stats(60, { kpis: { ...stats().kpis, dlq_size: 2, dead_events: 0, dead_cleared: 0 } }))
    assert.equal(quiet.target.querySelector('[data-kpi="dlq_size"] .text-truncate:last-child')!.textContent, 'none went dead in the period')
  })

  it('opens the records behind a card', async () => {
    const listAction = { type: 'ir.actions.act_window', res_model: 'hub.event', name: 'Dead letters', domain: [['id', 'in', [7, 9]]] }
    const { target, env } = await open(call => call.method === 'action_open_kpi' ? listAction : stats(call.kwargs.minutes as number))
    target.querySelector<HTMLElement>('.o_hub_period[data-minutes="240"]')!.click()
    await nextTick()
    target.querySelector<HTMLElement>('[data-kpi="dlq_size"]')!.click()
    await nextTick()
    assert.deepEqual(env.services.orm.calls.at(-1), { model: 'hub.dashboard', method: 'action_open_kpi', args: ['dlq_size'], kwargs: { minutes: 240 } })
    assert.deepEqual(env.services.action.done, [listAction])
    target.querySelector<HTMLElement>('[data-kpi="open_exceptions"]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
    await nextTick()
    assert.deepEqual(env.services.orm.calls.at(-1)!.args, ['open_exceptions'])
  })

  it('scales SVG bars into their box', () => {
    assert.deepEqual(ui.svgBars([0, 5, 10], ['a', 'b', 'c'], 300, 104), [
      { x: 0, y: 104, width: 99, height: 0, value: 0, label: 'a' },
      { x: 100, y: 54, width: 99, height: 50, value: 5, label: 'b' },
      { x: 200, y: 4, width: 99, height: 100, value: 10, label: 'c' }
    ])
  })
})
