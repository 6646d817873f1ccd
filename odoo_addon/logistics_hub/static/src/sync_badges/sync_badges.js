/** @odoo-module **/
import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { useSyncChannel } from "../core/sync_channel";
import { HUB_USER_GROUP, RECORD_BADGES_FIELD, formatServerDateTime, statusColor, statusLabel } from "../core/sync_status";
import { SyncTimelineDialog } from "../sync_timeline/sync_timeline";
class SyncBadgesField extends Component {
  static template = "logistics_hub.SyncBadgesField";
  static props = { ...standardFieldProps };
  setup() {
    this.dialog = useService("dialog");
    this.state = useState({ live: null, canOpen: false });
    onWillStart(async () => {
      this.state.canOpen = await user.hasGroup(HUB_USER_GROUP);
    });
    useSyncChannel(
      ({ record }) => record.resId ? { model: record.resModel, id: record.resId } : null,
      (notification) => {
        void this.onSyncChange(notification);
      }
    );
    onWillUpdateProps((next) => {
      if (next.record !== this.props.record) this.state.live = null;
    });
  }
  get badges() {
    const value = this.state.live ?? this.props.record.data[this.props.name];
    return Array.isArray(value) ? value : [];
  }
  get isFormRecord() {
    return this.props.record.model.root === this.props.record;
  }
  async onSyncChange({ badges }) {
    if (this.props.name === RECORD_BADGES_FIELD) this.state.live = badges;
    const record = this.props.record;
    if (!this.isFormRecord || record.isNew || await record.isDirty()) return;
    await record.load();
    this.state.live = null;
  }
  color(badge) {
    return statusColor(badge.status);
  }
  label(badge) {
    return statusLabel(badge.status);
  }
  tooltip(badge) {
    const lines = [`${badge.connector}: ${statusLabel(badge.status)}`];
    for (const doc of badge.documents ?? []) {
      const ref = doc.external_ref ? " (" + doc.external_ref + ")" : "";
      lines.push(`• ${doc.name || doc.res_model}: ${statusLabel(doc.status)}` + ref);
    }
    if (badge.attempts) lines.push(_t("Attempts: %s", badge.attempts));
    if (badge.last_sync_at) lines.push(_t("Last sync: %s", formatServerDateTime(badge.last_sync_at)));
    if (badge.last_error) lines.push(_t("Last error: %s", badge.last_error));
    if (badge.correlation_id) lines.push(_t("Correlation id: %s", badge.correlation_id));
    if (this.state.canOpen) {
      lines.push(badge.document ? _t("Click to see the timeline of %s", badge.document) : _t("Click to see the timeline"));
    }
    return lines.join("\n");
  }
  openTimeline(badge) {
    const { record } = this.props;
    if (!this.state.canOpen || !record.resId) return;
    this.dialog.add(SyncTimelineDialog, {
      resModel: badge.res_model ?? record.resModel,
      resId: badge.res_id ?? record.resId,
      recordName: String(badge.document || record.data.display_name || record.data.name || ""),
      connectorId: badge.connector_id
    });
  }
}
const syncBadgesField = {
  component: SyncBadgesField,
  displayName: _t("Partner sync badges"),
  supportedTypes: ["json"]
};
registry.category("fields").add("hub_sync_badges", syncBadgesField);
export {
  SyncBadgesField,
  syncBadgesField
};
