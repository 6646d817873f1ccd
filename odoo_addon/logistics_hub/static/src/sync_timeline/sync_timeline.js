/** @odoo-module **/
import { Component, onWillStart, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { useSyncChannel } from "../core/sync_channel";
import { formatServerDateTime, statusColor, statusLabel } from "../core/sync_status";
const EVENT_FIELDS = ["uuid", "direction", "event_type", "state", "connector_id", "correlation_id", "create_date", "relayed_at", "done_at"];
const STATE_FIELDS = ["connector_id", "status", "attempts", "last_error", "correlation_id", "last_sync_at", "external_ref", "last_event_id"];
const EVENT_LIMIT = 200;
const MANAGER_GROUP = "logistics_hub.group_hub_manager";
class SyncTimelineDialog extends Component {
  static template = "logistics_hub.SyncTimelineDialog";
  static components = { Dialog };
  static props = {
    resModel: String,
    resId: Number,
    recordName: { type: String, optional: true },
    connectorId: { type: Number, optional: true },
    close: Function
  };
  setup() {
    this.orm = useService("orm");
    this.action = useService("action");
    this.notification = useService("notification");
    this.state = useState({
      loading: true,
      events: [],
      syncStates: [],
      isManager: false,
      connectorFilter: this.props.connectorId ?? null,
      expanded: {},
      previews: {},
      busy: false
    });
    useSyncChannel((props) => ({ model: props.resModel, id: props.resId }), () => {
      void this.load();
    });
    onWillStart(async () => {
      const [isManager] = await Promise.all([user.hasGroup(MANAGER_GROUP), this.load()]);
      this.state.isManager = isManager;
    });
  }
  get title() {
    return this.props.recordName ? _t("Integration timeline: %s", this.props.recordName) : _t("Integration timeline");
  }
  get connectors() {
    const seen = /* @__PURE__ */ new Map();
    for (const row of [...this.state.syncStates, ...this.state.events]) {
      if (row.connector_id) seen.set(row.connector_id[0], row.connector_id[1]);
    }
    return [...seen].map(([id, name]) => ({ id, name }));
  }
  get visibleEvents() {
    const only = this.state.connectorFilter;
    return only ? this.state.events.filter((e) => e.connector_id && e.connector_id[0] === only) : this.state.events;
  }
  async load() {
    const domain = [["res_model", "=", this.props.resModel], ["res_id", "=", this.props.resId]];
    const [events, syncStates] = await Promise.all([
      this.orm.searchRead("hub.event", domain, EVENT_FIELDS, { order: "id desc", limit: EVENT_LIMIT }),
      this.orm.searchRead("hub.sync.state", domain, STATE_FIELDS, { order: "connector_id, id" })
    ]);
    this.state.events = events;
    this.state.syncStates = syncStates;
    this.state.loading = false;
  }
  setConnectorFilter(connectorId) {
    this.state.connectorFilter = connectorId;
  }
  async togglePreview(event) {
    this.state.expanded[event.id] = !this.state.expanded[event.id];
    if (!this.state.expanded[event.id] || event.id in this.state.previews) return;
    const rows = await this.orm.call("hub.event", "hub_event_preview", [[event.id]]);
    this.state.previews[event.id] = rows[0]?.preview ?? "";
  }
  /** Sends the event's record again to the event's connector, as a new outbound event. */
  async replay(eventId) {
    if (this.state.busy) return;
    this.state.busy = true;
    try {
      const action = await this.orm.call("hub.event", "action_hub_replay", [[eventId]]);
      if (action && typeof action === "object") await this.action.doAction(action);
      await this.load();
    } finally {
      this.state.busy = false;
    }
  }
  async retry(syncState) {
    if (!syncState.last_event_id) {
      this.notification.add(_t("Nothing to retry: no event was sent to %s yet.", syncState.connector_id ? syncState.connector_id[1] : ""), { type: "warning" });
      return;
    }
    await this.replay(syncState.last_event_id[0]);
  }
  canRetry(syncState) {
    return this.state.isManager && (syncState.status === "failed" || syncState.status === "dead") && Boolean(syncState.last_event_id);
  }
  color(status) {
    return statusColor(status);
  }
  label(status) {
    return statusLabel(status);
  }
  formatDate(value) {
    return formatServerDateTime(value);
  }
  directionLabel(event) {
    return event.direction === "out" ? _t("Outbound") : _t("Inbound");
  }
}
export {
  EVENT_FIELDS,
  MANAGER_GROUP,
  STATE_FIELDS,
  SyncTimelineDialog
};
