/** @odoo-module **/
import { Component, onMounted, onWillStart, onWillUnmount, useEffect, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";
const PERIODS = [15, 60, 240, 1440];
const REFRESH_MS = 3e4;
const COLORS = { outbound: "#017e84", inbound: "#714b67", exceptions: "#d44c59", sla: "#28a745", slaMissed: "#f0ad4e" };
function chartConstructor() {
  return globalThis.Chart ?? null;
}
function svgBars(values, labels, width = 600, height = 120) {
  const max = Math.max(1, ...values);
  const step = values.length ? width / values.length : width;
  return values.map((value, i) => {
    const h = Math.round(value / max * (height - 4));
    return { x: Math.round(i * step), y: height - h, width: Math.max(1, Math.floor(step) - 1), height: h, value, label: labels[i] ?? "" };
  });
}
class HubDashboard extends Component {
  static template = "logistics_hub.HubDashboard";
  static props = { ...standardActionServiceProps };
  setup() {
    this.orm = useService("orm");
    this.action = useService("action");
    this.charts = [];
    this.timer = null;
    this.eventsCanvas = useRef("eventsCanvas");
    this.exceptionsCanvas = useRef("exceptionsCanvas");
    this.slaCanvas = useRef("slaCanvas");
    const params = this.props.action?.params ?? {};
    this.state = useState({
      minutes: typeof params.minutes === "number" ? params.minutes : 60,
      stats: null,
      error: null,
      chartsAvailable: false,
      loading: true
    });
    onWillStart(async () => {
      try {
        await loadBundle("web.chartjs_lib");
      } catch (error) {
        console.warn("logistics_hub: Chart.js unavailable, drawing SVG charts", error);
      }
      this.state.chartsAvailable = chartConstructor() !== null;
      await this.load();
    });
    useEffect(() => {
      this.renderCharts();
      return () => this.destroyCharts();
    }, () => [this.state.stats, this.state.chartsAvailable]);
    onMounted(() => {
      this.timer = setInterval(() => {
        void this.load();
      }, REFRESH_MS);
    });
    onWillUnmount(() => {
      if (this.timer) clearInterval(this.timer);
    });
  }
  async load() {
    this.state.loading = true;
    try {
      this.state.stats = await this.orm.call("hub.dashboard", "get_stats", [], { minutes: this.state.minutes });
      this.state.error = null;
    } catch (error) {
      this.state.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.state.loading = false;
    }
  }
  async setPeriod(minutes) {
    this.state.minutes = minutes;
    await this.load();
  }
  /** The records behind a card, filtered by the server with the definition its figure was computed with. */
  async openKpi(kpi) {
    const action = await this.orm.call("hub.dashboard", "action_open_kpi", [kpi], { minutes: this.state.minutes });
    await this.action.doAction(action);
  }
  /** Cards are buttons: Enter and Space open them from the keyboard too. */
  onKpiKey(ev, kpi) {
    if (ev.key !== "Enter" && ev.key !== " ") return;
    ev.preventDefault();
    void this.openKpi(kpi);
  }
  get sidecarSilent() {
    const sidecar = this.state.stats?.sidecar;
    return Boolean(sidecar && sidecar.state !== "live");
  }
  get sidecarTitle() {
    switch (this.state.stats?.sidecar.state) {
      case "silent":
        return _t("The sidecar is silent");
      case "stopped":
        return _t("The sidecar is stopped");
      case "never":
        return _t("No sidecar has started yet");
      case "unknown":
        return _t("The sidecar cannot be checked");
      default:
        return _t("Sidecar running");
    }
  }
  get sidecarLastBeat() {
    const at = this.state.stats?.sidecar.last_beat_at;
    const parsed = at ? deserializeDateTime(at) : null;
    return parsed?.isValid ? formatDateTime(parsed) : "";
  }
  /** Under "Dead letters N": the period's dead events, and those delivered again since (N cannot be fewer than the difference). */
  get deadLettersHint() {
    const kpis = this.state.stats?.kpis;
    if (!kpis?.dead_events) return _t("none went dead in the period");
    return kpis.dead_cleared ? _t("%s went dead in the period, %s delivered again since", kpis.dead_events, kpis.dead_cleared) : _t("%s went dead in the period", kpis.dead_events);
  }
  get periods() {
    return PERIODS;
  }
  periodLabel(minutes) {
    return minutes < 60 ? _t("%s min", minutes) : minutes < 1440 ? _t("%s h", minutes / 60) : _t("%s d", minutes / 1440);
  }
  formatMs(value) {
    if (value === null || value === void 0) return "—";
    return value < 1e3 ? `${Math.round(value)} ms` : `${(value / 1e3).toFixed(value < 1e4 ? 1 : 0)} s`;
  }
  formatPercent(value) {
    return value === null || value === void 0 ? "—" : `${(value * 100).toFixed(1)} %`;
  }
  formatCount(value) {
    return value === null || value === void 0 ? "—" : String(value);
  }
  get bucketLabels() {
    const labels = this.state.stats?.series.labels ?? [];
    const withDay = (this.state.stats?.window_minutes ?? 0) > 1440;
    return labels.map((label) => {
      const parsed = deserializeDateTime(label);
      return parsed.isValid ? formatDateTime(parsed, { format: withDay ? "dd/MM HH:mm" : "HH:mm" }) : label;
    });
  }
  /** Outbound + inbound per bucket (the SVG fallback draws one series). */
  get eventBars() {
    const series = this.state.stats?.series;
    const totals = (series?.outbound ?? []).map((value, i) => value + (series?.inbound[i] ?? 0));
    return svgBars(totals, this.bucketLabels);
  }
  get exceptionBars() {
    return svgBars(this.state.stats?.series.exceptions ?? [], this.bucketLabels);
  }
  renderCharts() {
    this.destroyCharts();
    const Chart = chartConstructor();
    const stats = this.state.stats;
    if (!Chart || !this.state.chartsAvailable || !stats) return;
    const labels = [...this.bucketLabels];
    const common = { responsive: true, maintainAspectRatio: false, animation: false };
    if (this.eventsCanvas.el) {
      this.charts.push(new Chart(this.eventsCanvas.el, {
        type: "line",
        data: {
          labels,
          datasets: [
            { label: _t("Outbound / min"), data: [...stats.series.outbound], borderColor: COLORS.outbound, backgroundColor: COLORS.outbound, tension: 0, pointRadius: 0 },
            { label: _t("Inbound / min"), data: [...stats.series.inbound], borderColor: COLORS.inbound, backgroundColor: COLORS.inbound, tension: 0, pointRadius: 0 }
          ]
        },
        options: { ...common, scales: { y: { beginAtZero: true } } }
      }));
    }
    if (this.exceptionsCanvas.el && stats.series.exceptions) {
      this.charts.push(new Chart(this.exceptionsCanvas.el, {
        type: "bar",
        data: { labels, datasets: [{ label: _t("Exceptions"), data: [...stats.series.exceptions], backgroundColor: COLORS.exceptions }] },
        options: { ...common, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      }));
    }
    if (this.slaCanvas.el && stats.sla.length) {
      this.charts.push(new Chart(this.slaCanvas.el, {
        type: "bar",
        data: {
          labels: stats.sla.map((row) => row.connector),
          datasets: [{
            label: _t("Delivered within SLA (%)"),
            data: stats.sla.map((row) => row.adherence === null ? null : Math.round(row.adherence * 1e3) / 10),
            backgroundColor: stats.sla.map((row) => (row.adherence ?? 1) >= 0.95 ? COLORS.sla : COLORS.slaMissed)
          }]
        },
        options: { ...common, indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { min: 0, max: 100 } } }
      }));
    }
  }
  destroyCharts() {
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
  }
}
registry.category("actions").add("logistics_hub.dashboard", HubDashboard);
export {
  HubDashboard,
  PERIODS,
  REFRESH_MS,
  svgBars
};
