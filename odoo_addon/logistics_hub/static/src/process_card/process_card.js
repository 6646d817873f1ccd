/** @odoo-module **/
import { Component, onMounted, onWillStart, onWillUnmount, onWillUpdateProps, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { useSyncChannel } from "../core/sync_channel";
import { HUB_USER_GROUP, PROCESS_NOTIFICATION_TYPE, formatServerDateTime } from "../core/sync_status";
import {
  formatDuration,
  processColor,
  serverTime,
  stepClass,
  stepIcon
} from "./process_types";
const TICK_MS = 3e4;
class ProcessCardField extends Component {
  static template = "logistics_hub.ProcessCardField";
  static props = { ...standardFieldProps };
  setup() {
    this.orm = useService("orm");
    this.action = useService("action");
    this.notification = useService("notification");
    this.state = useState({ live: null, canOpen: false, now: Date.now(), busy: null });
    onWillStart(async () => {
      this.state.canOpen = await user.hasGroup(HUB_USER_GROUP);
    });
    useSyncChannel(
      ({ record }) => record.resId ? { model: record.resModel, id: record.resId } : null,
      (notification) => {
        void this.onProcessChange(notification);
      },
      PROCESS_NOTIFICATION_TYPE
    );
    onWillUpdateProps((next) => {
      if (next.record !== this.props.record) this.state.live = null;
    });
    let timer;
    onMounted(() => {
      timer = setInterval(() => {
        this.state.now = Date.now();
      }, TICK_MS);
    });
    onWillUnmount(() => {
      clearInterval(timer);
    });
  }
  get stored() {
    const value = this.props.record.data[this.props.name];
    return Array.isArray(value) ? value : [];
  }
  get cards() {
    return this.state.live ?? this.stored;
  }
  get isFormRecord() {
    return this.props.record.model.root === this.props.record;
  }
  async onProcessChange({ cards }) {
    this.state.now = Date.now();
    this.state.live = cards;
    await this.refresh();
  }
  /** The record read again when that loses nothing; else only this field's value. */
  async refresh() {
    const record = this.props.record;
    if (!record.resId) return;
    if (this.isFormRecord && !record.isNew && !await record.isDirty()) {
      await record.load();
      this.state.live = null;
      return;
    }
    const [row] = await this.orm.call(record.resModel, "read", [[record.resId], [this.props.name]]);
    const value = row?.[this.props.name];
    if (Array.isArray(value)) this.state.live = value;
  }
  // ---------------------------------------------------------------- what the template shows
  stateColor(card) {
    return processColor(card.state);
  }
  stepClass(step) {
    return stepClass(step);
  }
  stepIcon(step) {
    return stepIcon(step);
  }
  currentStep(card) {
    return card.current_step ? card.steps.find((s) => s.code === card.current_step) : void 0;
  }
  /** How long the step has taken: until now while active, until it ended otherwise. */
  stepSeconds(step) {
    const start = serverTime(step.started_at);
    if (Number.isNaN(start)) return null;
    const end = step.state === "active" ? this.state.now : serverTime(step.done_at);
    return Number.isNaN(end) ? null : Math.max(0, (end - start) / 1e3);
  }
  timeInStep(step) {
    const seconds = this.stepSeconds(step);
    return seconds === null ? "" : formatDuration(seconds);
  }
  isLate(card, step) {
    const deadline = serverTime(step?.deadline || card.deadline);
    return card.is_late || Boolean(step?.late) || !Number.isNaN(deadline) && deadline < this.state.now;
  }
  /** "due in 55 min" / "2 h 5 min late", counted from now. */
  deadlineText(card, step) {
    const deadline = serverTime(step?.deadline || card.deadline);
    if (Number.isNaN(deadline)) return "";
    const seconds = (deadline - this.state.now) / 1e3;
    if (seconds < 0) return _t("%s late", formatDuration(seconds));
    return this.isLate(card, step) ? _t("late, next deadline in %s", formatDuration(seconds)) : _t("due in %s", formatDuration(seconds));
  }
  deadlineTitle(card, step) {
    return _t("Deadline: %s", formatServerDateTime(step?.deadline || card.deadline));
  }
  actorText(card) {
    const actor = card.actor;
    if (!actor) return "";
    switch (actor.kind) {
      case "approval":
        return actor.user && actor.group ? _t("Waiting for approval by %(user)s (%(group)s)", { user: actor.user, group: actor.group }) : _t("Waiting for approval by %s", actor.name);
      case "escalation":
        return _t("Late: escalated to %s", actor.name);
      case "compensation":
        return _t("Waiting for %s", actor.name);
      case "exception":
        return _t("Exception for %s", actor.name);
      default:
        return _t("Waiting for: %s", actor.name);
    }
  }
  canApprove(card) {
    if (!card.waiting_approval) return false;
    const known = card.can_approve ?? this.stored.find((c) => c.id === card.id)?.can_approve;
    return Boolean(known);
  }
  stepTitle(card, step) {
    const lines = [`${step.name}: ${step.state_label}`];
    if (step.started_at) lines.push(_t("Started: %s", formatServerDateTime(step.started_at)));
    if (step.done_at) lines.push(_t("Ended: %s", formatServerDateTime(step.done_at)));
    if (step.started_at && step.state !== "pending") lines.push(_t("Time in step: %s", this.timeInStep(step)));
    if (step.deadline) lines.push(_t("Deadline: %s", formatServerDateTime(step.deadline)) + (step.late ? " · " + _t("late") : ""));
    if (step.per_leg && step.legs_total) lines.push(_t("Deliveries: %(reached)s of %(total)s", { reached: step.legs_reached ?? 0, total: step.legs_total }));
    if (step.approval) lines.push(_t("A person approves this step"));
    else if (step.waiting_for && ["pending", "active"].includes(step.state)) lines.push(_t("Completed by: %s", step.waiting_for));
    if (step.escalation_level) lines.push(_t("Escalation level: %s", step.escalation_level));
    return lines.join("\n");
  }
  legSummary(card) {
    const names = new Map(card.steps.map((s) => [s.code, s.name]));
    return card.legs.map((leg) => {
      const last = leg.reached.at(-1);
      const where = leg.cancelled ? _t("cancelled") : last ? names.get(last) ?? last : _t("not started");
      return leg.picking + ": " + where;
    }).join(" · ");
  }
  startedText(card) {
    const started = serverTime(card.started_at);
    if (Number.isNaN(started)) return "";
    const ended = serverTime(card.ended_at);
    if (!Number.isNaN(ended)) return _t("took %s", formatDuration((ended - started) / 1e3));
    return _t("started %s ago", formatDuration((this.state.now - started) / 1e3));
  }
  // ---------------------------------------------------------------- actions
  async decide(card, approve) {
    if (this.state.busy) return;
    this.state.busy = card.id;
    try {
      const result = await this.orm.call("hub.process", approve ? "action_approve" : "action_reject", [[card.id]]);
      if (result && typeof result === "object" && "type" in result) {
        await this.action.doAction(result, { onClose: () => {
          void this.refresh();
        } });
      } else {
        const step = card.current_step_name || card.name;
        this.notification.add(approve ? _t("Approved: %s", step) : _t("Rejected: %s", step), { type: approve ? "success" : "warning" });
      }
      await this.refresh();
    } finally {
      this.state.busy = null;
    }
  }
  async openProcess(card) {
    if (!this.state.canOpen) return;
    await this.action.doAction({ type: "ir.actions.act_window", res_model: "hub.process", res_id: card.id, views: [[false, "form"]], target: "current" });
  }
}
const processCardField = {
  component: ProcessCardField,
  displayName: _t("Business process card"),
  supportedTypes: ["json"]
};
registry.category("fields").add("hub_process_card", processCardField);
export {
  ProcessCardField,
  processCardField
};
