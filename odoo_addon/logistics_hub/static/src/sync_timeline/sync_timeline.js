/** @odoo-module **/
import { Component, onWillStart, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { useSyncChannel } from "../core/sync_channel";
import { formatServerDateTime, statusColor, statusLabel } from "../core/sync_status";
const EVENT_FIELDS = ["uuid", "direction", "event_type", "event_type_label", "state", "connector_id", "correlation_id", "create_date", "relayed_at", "done_at"];
const STATE_FIELDS = ["connector_id", "status", "attempts", "last_error", "correlation_id", "last_sync_at", "external_ref", "last_event_id"];
const ATTEMPT_FIELDS = ["event_id", "attempt", "max_attempts", "status", "http_status", "duration_ms", "response_excerpt", "error", "attempted_at", "next_retry_at"];
const EVENT_LIMIT = 200;
const ATTEMPT_LIMIT = 1e3;
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
      attempts: [],
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
  /** The attempts of each outbound event, first attempt first. */
  get attemptsByEvent() {
    const byEvent = /* @__PURE__ */ new Map();
    for (const attempt of this.state.attempts) {
      if (!attempt.event_id) continue;
      const list = byEvent.get(attempt.event_id[0]) ?? byEvent.set(attempt.event_id[0], []).get(attempt.event_id[0]);
      list.push(attempt);
    }
    for (const list of byEvent.values()) list.sort((a, b) => a.attempt - b.attempt);
    return byEvent;
  }
  attemptsOf(event) {
    return this.attemptsByEvent.get(event.id) ?? [];
  }
  /** The newest attempt of the event a sync state last reported, shown on its card. */
  lastAttempt(syncState) {
    return syncState.last_event_id ? this.attemptsByEvent.get(syncState.last_event_id[0])?.at(-1) : void 0;
  }
  async load() {
    const domain = [["res_model", "=", this.props.resModel], ["res_id", "=", this.props.resId]];
    const attemptDomain = [["event_id.res_model", "=", this.props.resModel], ["event_id.res_id", "=", this.props.resId]];
    const [events, syncStates, attempts] = await Promise.all([
      this.orm.searchRead("hub.event", domain, EVENT_FIELDS, { order: "id desc", limit: EVENT_LIMIT }),
      this.orm.searchRead("hub.sync.state", domain, STATE_FIELDS, { order: "connector_id, id" }),
      this.orm.searchRead("hub.event.attempt", attemptDomain, ATTEMPT_FIELDS, { order: "event_id desc, attempt desc", limit: ATTEMPT_LIMIT })
    ]);
    this.state.events = events;
    this.state.syncStates = syncStates;
    this.state.attempts = attempts;
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
  /** "Attempt 2 of 5" (just "Attempt 2" when the connector's limit is unknown). */
  attemptLabel(attempt) {
    return attempt.max_attempts ? _t("Attempt %s of %s", attempt.attempt, attempt.max_attempts) : _t("Attempt %s", attempt.attempt);
  }
  /** What came back: "HTTP 503", or "no answer" (timeout, network error, nothing called). */
  answerLabel(attempt) {
    return attempt.http_status ? `HTTP ${attempt.http_status}` : _t("no answer");
  }
  /** What happens after this attempt, when it is the last one reported. */
  nextStep(attempt) {
    if (attempt.next_retry_at) return _t("next retry at %s", this.formatDate(attempt.next_retry_at));
    if (attempt.status === "dead") return _t("no more retries");
    return "";
  }
  /** The card's line: "Attempt 2 of 5, next retry at …". */
  attemptSummary(syncState) {
    const last = this.lastAttempt(syncState);
    if (!last) return "";
    const next = syncState.status === "failed" || syncState.status === "dead" ? this.nextStep(last) : "";
    return next ? `${this.attemptLabel(last)}, ${next}` : this.attemptLabel(last);
  }
  directionLabel(event) {
    return event.direction === "out" ? _t("Outbound") : _t("Inbound");
  }
}
export {
  ATTEMPT_FIELDS,
  EVENT_FIELDS,
  MANAGER_GROUP,
  STATE_FIELDS,
  SyncTimelineDialog
};
