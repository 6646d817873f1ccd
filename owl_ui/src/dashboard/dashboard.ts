import { Component, onMounted, onWillStart, onWillUnmount, useEffect, useRef, useState } from '@odoo/owl'
import { loadBundle } from '@web/core/assets'
import { deserializeDateTime, formatDateTime } from '@web/core/l10n/dates'
import { _t } from '@web/core/l10n/translation'
import { registry } from '@web/core/registry'
import { useService } from '@web/core/utils/hooks'
import { standardActionServiceProps } from '@web/webclient/actions/action_service'

/** What the sidecar's replicas last said (hub_sidecar.heartbeat, read by the addon; hub/liveness.py). */
export interface SidecarStatus {
  state: 'live' | 'silent' | 'stopped' | 'never' | 'unknown'
  live_replicas: number
  version: string | null
  /** server datetime (UTC) of the last beat or stop */
  last_beat_at: string | null
  /** the addon's sentence for people: what it means and what to check */
  message: string
}

/** `hub.dashboard.get_stats(minutes)`: computed by the addon from the shared tables. */
export interface DashboardStats {
  window_minutes: number
  bucket_minutes: number
  sla_seconds: number
  kpis: {
    events: number
    events_per_minute: number
    latency_ms: { p50: number | null, p95: number | null, p99: number | null }
    queue_depth: number
    /** dead outbound events no later delivery of their record cleared (whenever they died) */
    dlq_size: number
    /** events that went dead in the period, and how many of those were delivered again since */
    dead_events: number
    dead_cleared: number
    retries: number
    failed_states: number
    open_exceptions: number | null
  }
  series: { labels: string[], outbound: number[], inbound: number[], exceptions: number[] | null }
  sla: Array<{ connector_id: number, connector: string, total: number, within: number, adherence: number | null }>
  exceptions_by_reason: Array<{ reason: string, label: string, count: number }>
  sidecar: SidecarStatus
}

export const PERIODS = [15, 60, 240, 1440]
export const REFRESH_MS = 30_000
const COLORS = { outbound: '#017e84', inbound: '#714b67', exceptions: '#d44c59', sla: '#28a745', slaMissed: '#f0ad4e' }

interface Bar { x: number, y: number, width: number, height: number, value: number, label: string }

function chartConstructor (): OdooWeb.ChartConstructor | null {
  return (globalThis as { Chart?: OdooWeb.ChartConstructor }).Chart ?? null
}

/** Bars of `values` scaled into a `width` x `height` box, for the SVG fallback without Chart.js. */
export function svgBars (values: number[], labels: string[], width = 600, height = 120): Bar[] {
  const max = Math.max(1, ...values)
  const step = values.length ? width / values.length : width
  return values.map((value, i) => {
    const h = Math.round((value / max) * (height - 4))
    return { x: Math.round(i * step), y: height - h, width: Math.max(1, Math.floor(step) - 1), height: h, value, label: labels[i] ?? '' }
  })
}

/**
 * Logistics Hub > Dashboard (client action `logistics_hub.dashboard`): throughput, delivery latency,
 * queue depth, dead letters, retries, SLA adherence per partner and exceptions over time. Charts use
 * the Chart.js Odoo bundles; when that bundle cannot be loaded the same series are drawn as SVG bars.
 * A banner says when the sidecar is not running (nothing moves then, whatever the figures say), and
 * each KPI card opens the records it counts (`hub.dashboard.action_open_kpi`).
 */
export class HubDashboard extends Component<OdooWeb.ActionProps> {
  static override template = 'logistics_hub.HubDashboard'
  static override props = { ...standardActionServiceProps }

  declare orm: OdooWeb.OrmService
  declare action: OdooWeb.ActionService
  declare state: { minutes: number, stats: DashboardStats | null, error: string | null, chartsAvailable: boolean, loading: boolean }
  declare charts: OdooWeb.ChartInstance[]
  declare eventsCanvas: { el: HTMLElement | null }
  declare exceptionsCanvas: { el: HTMLElement | null }
  declare slaCanvas: { el: HTMLElement | null }
  declare timer: ReturnType<typeof setInterval> | null

  override setup (): void {
    this.orm = useService('orm')
    this.action = useService('action')
    this.charts = []
    this.timer = null
    this.eventsCanvas = useRef('eventsCanvas')
    this.exceptionsCanvas = useRef('exceptionsCanvas')
    this.slaCanvas = useRef('slaCanvas')
    const params = this.props.action?.params ?? {}
    this.state = useState({
      minutes: typeof params.minutes === 'number' ? params.minutes : 60,
      stats: null,
      error: null,
      chartsAvailable: false,
      loading: true
    })
    onWillStart(async () => {
      try {
        await loadBundle('web.chartjs_lib')
      } catch (error) {
        console.warn('logistics_hub: Chart.js unavailable, drawing SVG charts', error)
      }
      this.state.chartsAvailable = chartConstructor() !== null
      await this.load()
    })
    useEffect(() => {
      this.renderCharts()
      return () => this.destroyCharts()
    }, () => [this.state.stats, this.state.chartsAvailable])
    onMounted(() => { this.timer = setInterval(() => { void this.load() }, REFRESH_MS) })
    onWillUnmount(() => { if (this.timer) clearInterval(this.timer) })
  }

  async load (): Promise<void> {
    this.state.loading = true
    try {
      this.state.stats = await this.orm.call<DashboardStats>('hub.dashboard', 'get_stats', [], { minutes: this.state.minutes })
      this.state.error = null
    } catch (error) {
      this.state.error = error instanceof Error ? error.message : String(error)
    } finally {
      this.state.loading = false
    }
  }

  async setPeriod (minutes: number): Promise<void> {
    this.state.minutes = minutes
    await this.load()
  }

  /** The records behind a card, filtered by the server with the definition its figure was computed with. */
  async openKpi (kpi: string): Promise<void> {
    const action = await this.orm.call('hub.dashboard', 'action_open_kpi', [kpi], { minutes: this.state.minutes })
    await this.action.doAction(action)
  }

  /** Cards are buttons: Enter and Space open them from the keyboard too. */
  onKpiKey (ev: KeyboardEvent, kpi: string): void {
    if (ev.key !== 'Enter' && ev.key !== ' ') return
    ev.preventDefault()
    void this.openKpi(kpi)
  }

  get sidecarSilent (): boolean {
    const sidecar = this.state.stats?.sidecar
    return Boolean(sidecar && sidecar.state !== 'live')
  }

  get sidecarTitle (): string {
    switch (this.state.stats?.sidecar.state) {
      case 'silent': return _t('The sidecar is silent')
      case 'stopped': return _t('The sidecar is stopped')
      case 'never': return _t('No sidecar has started yet')
      case 'unknown': return _t('The sidecar cannot be checked')
      default: return _t('Sidecar running')
    }
  }

  get sidecarLastBeat (): string {
    const at = this.state.stats?.sidecar.last_beat_at
    const parsed = at ? deserializeDateTime(at) : null
    return parsed?.isValid ? formatDateTime(parsed) : ''
  }

  /** Under "Dead letters N": the period's dead events, and those delivered again since (N cannot be fewer than the difference). */
  get deadLettersHint (): string {
    const kpis = this.state.stats?.kpis
    if (!kpis?.dead_events) return _t('none went dead in the period')
    return kpis.dead_cleared
      ? _t('%s went dead in the period, %s delivered again since', kpis.dead_events, kpis.dead_cleared)
      : _t('%s went dead in the period', kpis.dead_events)
  }

  get periods (): number[] {
    return PERIODS
  }

  periodLabel (minutes: number): string {
    return minutes < 60 ? _t('%s min', minutes) : minutes < 1440 ? _t('%s h', minutes / 60) : _t('%s d', minutes / 1440)
  }

  formatMs (value: number | null): string {
    if (value === null || value === undefined) return '—'
    return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(value < 10_000 ? 1 : 0)} s`
  }

  formatPercent (value: number | null): string {
    return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)} %`
  }

  formatCount (value: number | null): string {
    return value === null || value === undefined ? '—' : String(value)
  }

  get bucketLabels (): string[] {
    const labels = this.state.stats?.series.labels ?? []
    const withDay = (this.state.stats?.window_minutes ?? 0) > 1440
    return labels.map(label => {
      const parsed = deserializeDateTime(label)
      return parsed.isValid ? formatDateTime(parsed, { format: withDay ? 'dd/MM HH:mm' : 'HH:mm' }) : label
    })
  }

  /** Outbound + inbound per bucket (the SVG fallback draws one series). */
  get eventBars (): Bar[] {
    const series = this.state.stats?.series
    const totals = (series?.outbound ?? []).map((value, i) => value + (series?.inbound[i] ?? 0))
    return svgBars(totals, this.bucketLabels)
  }

  get exceptionBars (): Bar[] {
    return svgBars(this.state.stats?.series.exceptions ?? [], this.bucketLabels)
  }

  renderCharts (): void {
    this.destroyCharts()
    const Chart = chartConstructor()
    const stats = this.state.stats
    if (!Chart || !this.state.chartsAvailable || !stats) return
    // Chart.js instruments the arrays it is given: hand it copies, not OWL's reactive proxies.
    const labels = [...this.bucketLabels]
    const common = { responsive: true, maintainAspectRatio: false, animation: false }
    if (this.eventsCanvas.el) {
      this.charts.push(new Chart(this.eventsCanvas.el as HTMLCanvasElement, {
        type: 'line',
        data: {
          labels,
          datasets: [
            { label: _t('Outbound / min'), data: [...stats.series.outbound], borderColor: COLORS.outbound, backgroundColor: COLORS.outbound, tension: 0, pointRadius: 0 },
            { label: _t('Inbound / min'), data: [...stats.series.inbound], borderColor: COLORS.inbound, backgroundColor: COLORS.inbound, tension: 0, pointRadius: 0 }
          ]
        },
        options: { ...common, scales: { y: { beginAtZero: true } } }
      }))
    }
    if (this.exceptionsCanvas.el && stats.series.exceptions) {
      this.charts.push(new Chart(this.exceptionsCanvas.el as HTMLCanvasElement, {
        type: 'bar',
        data: { labels, datasets: [{ label: _t('Exceptions'), data: [...stats.series.exceptions], backgroundColor: COLORS.exceptions }] },
        options: { ...common, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      }))
    }
    if (this.slaCanvas.el && stats.sla.length) {
      this.charts.push(new Chart(this.slaCanvas.el as HTMLCanvasElement, {
        type: 'bar',
        data: {
          labels: stats.sla.map(row => row.connector),
          datasets: [{
            label: _t('Delivered within SLA (%)'),
            data: stats.sla.map(row => row.adherence === null ? null : Math.round(row.adherence * 1000) / 10),
            backgroundColor: stats.sla.map(row => (row.adherence ?? 1) >= 0.95 ? COLORS.sla : COLORS.slaMissed)
          }]
        },
        options: { ...common, indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { min: 0, max: 100 } } }
      }))
    }
  }

  destroyCharts (): void {
    for (const chart of this.charts) chart.destroy()
    this.charts = []
  }
}

registry.category('actions').add('logistics_hub.dashboard', HubDashboard)
