/** @odoo-module **/
import { _t } from "@web/core/l10n/translation";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
const RECORD_BADGES_FIELD = "hub_sync_badges";
const HUB_USER_GROUP = "logistics_hub.group_hub_user";
const SYNC_NOTIFICATION_TYPE = "logistics_hub.sync";
const PROCESS_NOTIFICATION_TYPE = "logistics_hub.process";
function syncChannel(model, id) {
  return `logistics_hub.sync/${model}/${id}`;
}
const STATUS_LABELS = {
  pending: () => _t("Pending"),
  held: () => _t("Held"),
  sent: () => _t("Sent"),
  acknowledged: () => _t("Acknowledged"),
  failed: () => _t("Failed"),
  dead: () => _t("Dead"),
  queued: () => _t("Queued"),
  delivered: () => _t("Delivered"),
  applied: () => _t("Applied"),
  ignored: () => _t("Ignored")
};
const STATUS_COLORS = {
  pending: "secondary",
  queued: "secondary",
  // held back by a failed business process until a manager releases or discards it
  held: "warning",
  sent: "info",
  acknowledged: "success",
  delivered: "success",
  applied: "success",
  failed: "warning",
  dead: "danger",
  ignored: "light"
};
function statusLabel(status) {
  return STATUS_LABELS[status]?.() ?? status;
}
function statusColor(status) {
  return STATUS_COLORS[status] ?? "secondary";
}
function formatServerDateTime(value) {
  if (!value) return "";
  const parsed = deserializeDateTime(value);
  return parsed.isValid ? formatDateTime(parsed) : value;
}
export {
  HUB_USER_GROUP,
  PROCESS_NOTIFICATION_TYPE,
  RECORD_BADGES_FIELD,
  SYNC_NOTIFICATION_TYPE,
  formatServerDateTime,
  statusColor,
  statusLabel,
  syncChannel
};
