/** @odoo-module **/
import { _t } from "@web/core/l10n/translation";
const PROCESS_COLORS = {
  running: "info",
  completed: "success",
  compensating: "warning",
  failed: "danger",
  cancelled: "secondary"
};
function processColor(state) {
  return PROCESS_COLORS[state] ?? "secondary";
}
const STEP_CLASSES = {
  pending: "bg-body text-muted border",
  active: "text-bg-info",
  done: "text-bg-success",
  passed: "bg-success-subtle text-success-emphasis border border-success-subtle",
  failed: "text-bg-danger",
  compensating: "text-bg-warning",
  compensated: "bg-warning-subtle text-warning-emphasis border border-warning-subtle"
};
function stepClass(step) {
  if (step.state === "active" && step.late) return "text-bg-danger";
  return STEP_CLASSES[step.state] ?? "text-bg-secondary";
}
const STEP_ICONS = {
  pending: "fa-circle-o",
  active: "fa-clock-o",
  done: "fa-check",
  passed: "fa-share",
  failed: "fa-times",
  compensating: "fa-undo",
  compensated: "fa-undo"
};
function stepIcon(step) {
  if (step.state === "active" && step.approval) return "fa-user";
  return STEP_ICONS[step.state] ?? "fa-circle-o";
}
function serverTime(value) {
  return value ? Date.parse(value.replace(" ", "T") + "Z") : NaN;
}
function formatDuration(seconds) {
  const minutes = Math.floor(Math.abs(seconds) / 60);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor(minutes % 1440 / 60);
  if (days) return hours ? _t("%(days)s d %(hours)s h", { days, hours }) : _t("%s d", days);
  if (hours) return minutes % 60 ? _t("%(hours)s h %(minutes)s min", { hours, minutes: minutes % 60 }) : _t("%s h", hours);
  return minutes ? _t("%s min", minutes) : _t("< 1 min");
}
export {
  formatDuration,
  processColor,
  serverTime,
  stepClass,
  stepIcon
};
