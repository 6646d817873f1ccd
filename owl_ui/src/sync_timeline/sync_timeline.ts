import { Component, onWillStart, useState } from '@odoo/owl'
import { Dialog } from '@web/core/dialog/dialog'
import { _t } from '@web/core/l10n/translation'
import { user } from '@web/core/user'
import { useService } from '@web/core/utils/hooks'
import { useSyncChannel } from '../core/sync_channel'
import { formatServerDateTime, statusColor, statusLabel } from '../core/sync_status'

type Many2one = [number, string] | false

export interface TimelineEvent {
  id: number
  uuid: string
  direction: 'out' | 'in'
  event_type: string
  state: string
  connector_id: Many2one
  correlation_id: string | false
  create_date: string
  relayed_at: string | false
  done_at: string | false
}

export interface TimelineSyncState {
  id: number
  connector_id: Many2one
  status: string
  attempts: number
  last_error: string | false
  correlation_id: string | false
  last_sync_at: string | false
  external_ref: string | false
  last_event_id: Many2one
}

export const EVENT_FIELDS = ['uuid', 'direction', 'event_type', 'state', 'connector_id', 'correlation_id', 'create_date', 'relayed_at', 'done_at']
export const STATE_FIELDS = ['connector_id', 'status', 'attempts', 'last_error', 'correlation_id', 'last_sync_at', 'external_ref', 'last_event_id']
const EVENT_LIMIT = 200
export const MANAGER_GROUP = 'logistics_hub.group_hub_manager'

interface Props {
  resModel: string
  resId: number
  recordName?: string
  connectorId?: number
  close: () => void
}

/**
 * The integration history of one business record: its sync state per connector, then every outbound
 * and inbound hub.event of it, newest first, with the message each carried (secrets masked by the
 * server). Hub managers may send an event again (Replay) or retry a failed connector (Retry); both
 * write a NEW outbound event, the rows the sidecar already handled stay as they are.
 */
export class SyncTimelineDialog extends Component<Props> {
  static override template = 'logistics_hub.SyncTimelineDialog'
  static components = { Dialog }
  static override props = {
    resModel: String,
    resId: Number,
    recordName: { type: String, optional: true },
    connectorId: { type: Number, optional: true },
    close: Function
  }

  declare orm: OdooWeb.OrmService
  declare action: OdooWeb.ActionService
  declare notification: OdooWeb.NotificationService
  declare state: {
    loading: boolean
    events: TimelineEvent[]
    syncStates: TimelineSyncState[]
    isManager: boolean
    connectorFilter: number | null
    expanded: Record<number, boolean>
    previews: Record<number, string>
    busy: boolean
  }

  override setup (): void {
    this.orm = useService('orm')
    this.action = useService('action')
    this.notification = useService('notification')
    this.state = useState({
      loading: true,
      events: [],
      syncStates: [],
      isManager: false,
      connectorFilter: this.props.connectorId ?? null,
      expanded: {},
      previews: {},
      busy: false
    })
    useSyncChannel<Props>(props => ({ model: props.resModel, id: props.resId }), () => { void this.load() })
    onWillStart(async () => {
      const [isManager] = await Promise.all([user.hasGroup(MANAGER_GROUP), this.load()])
      this.state.isManager = isManager
    })
  }

  get title (): string {
    return this.props.recordName ? _t('Integration timeline: %s', this.props.recordName) : _t('Integration timeline')
  }

  get connectors (): Array<{ id: number, name: string }> {
    const seen = new Map<number, string>()
    for (const row of [...this.state.syncStates, ...this.state.events]) {
      if (row.connector_id) seen.set(row.connector_id[0], row.connector_id[1])
    }
    return [...seen].map(([id, name]) => ({ id, name }))
  }

  get visibleEvents (): TimelineEvent[] {
    const only = this.state.connectorFilter
    return only ? this.state.events.filter(e => e.connector_id && e.connector_id[0] === only) : this.state.events
  }

  async load (): Promise<void> {
    const domain: OdooWeb.Domain = [['res_model', '=', this.props.resModel], ['res_id', '=', this.props.resId]]
    const [events, syncStates] = await Promise.all([
      this.orm.searchRead<TimelineEvent>('hub.event', domain, EVENT_FIELDS, { order: 'id desc', limit: EVENT_LIMIT }),
      this.orm.searchRead<TimelineSyncState>('hub.sync.state', domain, STATE_FIELDS, { order: 'connector_id, id' })
    ])
    this.state.events = events
    this.state.syncStates = syncStates
    this.state.loading = false
  }

  setConnectorFilter (connectorId: number | null): void {
    this.state.connectorFilter = connectorId
  }

  async togglePreview (event: TimelineEvent): Promise<void> {
    this.state.expanded[event.id] = !this.state.expanded[event.id]
    if (!this.state.expanded[event.id] || event.id in this.state.previews) return
    const rows = await this.orm.call<Array<{ id: number, preview: string }>>('hub.event', 'hub_event_preview', [[event.id]])
    this.state.previews[event.id] = rows[0]?.preview ?? ''
  }

  /** Sends the event's record again to the event's connector, as a new outbound event. */
  async replay (eventId: number): Promise<void> {
    if (this.state.busy) return
    this.state.busy = true
    try {
      const action = await this.orm.call('hub.event', 'action_hub_replay', [[eventId]])
      if (action && typeof action === 'object') await this.action.doAction(action)
      await this.load()
    } finally {
      this.state.busy = false
    }
  }

  async retry (syncState: TimelineSyncState): Promise<void> {
    if (!syncState.last_event_id) {
      this.notification.add(_t('Nothing to retry: no event was sent to %s yet.', syncState.connector_id ? syncState.connector_id[1] : ''), { type: 'warning' })
      return
    }
    await this.replay(syncState.last_event_id[0])
  }

  canRetry (syncState: TimelineSyncState): boolean {
    return this.state.isManager && (syncState.status === 'failed' || syncState.status === 'dead') && Boolean(syncState.last_event_id)
  }

  color (status: string): string {
    return statusColor(status)
  }

  label (status: string): string {
    return statusLabel(status)
  }

  formatDate (value: string | false): string {
    return formatServerDateTime(value)
  }

  directionLabel (event: TimelineEvent): string {
    return event.direction === 'out' ? _t('Outbound') : _t('Inbound')
  }
}
