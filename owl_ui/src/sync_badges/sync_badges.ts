import { Component, onWillStart, onWillUpdateProps, useState } from '@odoo/owl'
import { _t } from '@web/core/l10n/translation'
import { registry } from '@web/core/registry'
import { user } from '@web/core/user'
import { useService } from '@web/core/utils/hooks'
import { standardFieldProps } from '@web/views/fields/standard_field_props'
import { useSyncChannel } from '../core/sync_channel'
import { HUB_USER_GROUP, RECORD_BADGES_FIELD, type SyncBadge, type SyncNotification, formatServerDateTime, statusColor, statusLabel } from '../core/sync_status'
import { SyncTimelineDialog } from '../sync_timeline/sync_timeline'

/**
 * `widget="hub_sync_badges"` on the Json field `hub_sync_badges` of sale orders, pickings and invoices:
 * one badge per connector with the record's sync status there. Clicking a badge opens the record's
 * integration timeline. The badges follow the record's bus channel, so a write-back of the sidecar
 * shows up without reloading the page; a form that has no unsaved changes is reloaded as well, since
 * the same write-back may have changed the record itself (a picking the warehouse validated).
 *
 * On a sale order the field is the order's aggregate (`hub_order_sync_badges`): one badge per
 * connector over the order, its deliveries and invoices, opening the timeline of the document it
 * shows. Only Hub Users open timelines; Status Viewers (warehouse, sales) see the badges and tooltips.
 */
export class SyncBadgesField extends Component<OdooWeb.StandardFieldProps> {
  static override template = 'logistics_hub.SyncBadgesField'
  static override props = { ...standardFieldProps }

  declare dialog: OdooWeb.DialogService
  declare state: { live: SyncBadge[] | null, canOpen: boolean }

  override setup (): void {
    this.dialog = useService('dialog')
    // Badges received on the bus since the record was last read; null when the record is current.
    this.state = useState({ live: null, canOpen: false })
    onWillStart(async () => { this.state.canOpen = await user.hasGroup(HUB_USER_GROUP) })
    useSyncChannel<OdooWeb.StandardFieldProps>(
      ({ record }) => record.resId ? { model: record.resModel, id: record.resId } : null,
      notification => { void this.onSyncChange(notification) }
    )
    onWillUpdateProps(next => {
      if (next.record !== this.props.record) this.state.live = null
    })
  }

  get badges (): SyncBadge[] {
    const value: unknown = this.state.live ?? this.props.record.data[this.props.name]
    return Array.isArray(value) ? value as SyncBadge[] : []
  }

  get isFormRecord (): boolean {
    return this.props.record.model.root === this.props.record
  }

  async onSyncChange ({ badges }: SyncNotification): Promise<void> {
    // The notification carries the record's own badges; an aggregate is only current once reloaded.
    if (this.props.name === RECORD_BADGES_FIELD) this.state.live = badges
    const record = this.props.record
    // A list row is not reloaded on its own, and a form with pending edits must keep them.
    if (!this.isFormRecord || record.isNew || await record.isDirty()) return
    await record.load()
    this.state.live = null
  }

  color (badge: SyncBadge): string {
    return statusColor(badge.status)
  }

  label (badge: SyncBadge): string {
    return statusLabel(badge.status)
  }

  tooltip (badge: SyncBadge): string {
    const lines = [`${badge.connector}: ${statusLabel(badge.status)}`]
    for (const doc of badge.documents ?? []) {
      // a quoted string, not a nested template: Odoo's asset minifier drops a template's leading space
      const ref = doc.external_ref ? ' (' + doc.external_ref + ')' : ''
      lines.push(`• ${doc.name || doc.res_model}: ${statusLabel(doc.status)}` + ref)
    }
    if (badge.attempts) lines.push(_t('Attempts: %s', badge.attempts))
    if (badge.last_sync_at) lines.push(_t('Last sync: %s', formatServerDateTime(badge.last_sync_at)))
    if (badge.last_error) lines.push(_t('Last error: %s', badge.last_error))
    if (badge.correlation_id) lines.push(_t('Correlation id: %s', badge.correlation_id))
    if (this.state.canOpen) {
      lines.push(badge.document ? _t('Click to see the timeline of %s', badge.document) : _t('Click to see the timeline'))
    }
    return lines.join('\n')
  }

  openTimeline (badge: SyncBadge): void {
    const { record } = this.props
    if (!this.state.canOpen || !record.resId) return
    this.dialog.add(SyncTimelineDialog, {
      resModel: badge.res_model ?? record.resModel,
      resId: badge.res_id ?? record.resId,
      recordName: String(badge.document || record.data.display_name || record.data.name || ''),
      connectorId: badge.connector_id
    })
  }
}

export const syncBadgesField = {
  component: SyncBadgesField,
  displayName: _t('Partner sync badges'),
  supportedTypes: ['json']
}

registry.category('fields').add('hub_sync_badges', syncBadgesField)
