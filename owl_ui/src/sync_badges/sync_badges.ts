import { Component, onWillUpdateProps, useState } from '@odoo/owl'
import { _t } from '@web/core/l10n/translation'
import { registry } from '@web/core/registry'
import { useService } from '@web/core/utils/hooks'
import { standardFieldProps } from '@web/views/fields/standard_field_props'
import { useSyncChannel } from '../core/sync_channel'
import { type SyncBadge, type SyncNotification, formatServerDateTime, statusColor, statusLabel } from '../core/sync_status'
import { SyncTimelineDialog } from '../sync_timeline/sync_timeline'

/**
 * `widget="hub_sync_badges"` on the Json field `hub_sync_badges` of sale orders, pickings and invoices:
 * one badge per connector with the record's sync status there. Clicking a badge opens the record's
 * integration timeline. The badges follow the record's bus channel, so a write-back of the sidecar
 * shows up without reloading the page; a form that has no unsaved changes is reloaded as well, since
 * the same write-back may have changed the record itself (a picking the warehouse validated).
 */
export class SyncBadgesField extends Component<OdooWeb.StandardFieldProps> {
  static override template = 'logistics_hub.SyncBadgesField'
  static override props = { ...standardFieldProps }

  declare dialog: OdooWeb.DialogService
  declare state: { live: SyncBadge[] | null }

  override setup (): void {
    this.dialog = useService('dialog')
    // Badges received on the bus since the record was last read; null when the record is current.
    this.state = useState({ live: null })
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
    this.state.live = badges
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
    if (badge.attempts) lines.push(_t('Attempts: %s', badge.attempts))
    if (badge.last_sync_at) lines.push(_t('Last sync: %s', formatServerDateTime(badge.last_sync_at)))
    if (badge.last_error) lines.push(_t('Last error: %s', badge.last_error))
    if (badge.correlation_id) lines.push(_t('Correlation id: %s', badge.correlation_id))
    lines.push(_t('Click to see the timeline'))
    return lines.join('\n')
  }

  openTimeline (badge: SyncBadge): void {
    const { record } = this.props
    if (!record.resId) return
    this.dialog.add(SyncTimelineDialog, {
      resModel: record.resModel,
      resId: record.resId,
      recordName: String(record.data.display_name || record.data.name || ''),
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
