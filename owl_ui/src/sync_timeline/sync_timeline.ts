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
  /** what people call it ("Delivery ready"); the technical type stays in data-event-type */
  event_type_label: string
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

/** One delivery attempt of an outbound event (hub.event.attempt), as the sidecar reported it. */
export interface TimelineAttempt {
  id: number
  event_id: Many2one
  attempt: number
  max_attempts: number
  status: string
  /** 0 when no answer came (Odoo reads an empty integer as 0) */
  http_status: number
  duration_ms: number
  response_excerpt: string | false
  error: string | false
  attempted_at: string | false
  next_retry_at: string | false
}

export const EVENT_FIELDS = ['uuid', 'direction', 'event_type', 'event_type_label', 'state', 'connector_id', 'correlation_id', 'create_date', 'relayed_at', 'done_at']
export const STATE_FIELDS = ['connector_id', 'status', 'attempts', 'last_error', 'correlation_id', 'last_sync_at', 'external_ref', 'last_event_id']
export const ATTEMPT_FIELDS = ['event_id', 'attempt', 'max_attempts', 'status', 'http_status', 'duration_ms', 'response_excerpt', 'error', 'attempted_at', 'next_retry_at']
const EVENT_LIMIT = 200
const ATTEMPT_LIMIT = 1000
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
 * server) and, for outbound events, each delivery attempt: the partner's status code, an excerpt of
 * its answer, the duration, "attempt 2 of 5" and when the next one is due. Hub managers may send an event again (Replay) or retry a failed connector (Retry); both
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
    attempts: TimelineAttempt[]
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
      attempts: [],
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

  /** The attempts of each outbound event, first attempt first. */
  get attemptsByEvent (): Map<number, TimelineAttempt[]> {
    const byEvent = new Map<number, TimelineAttempt[]>()
    for (const attempt of this.state.attempts) {
      if (!attempt.event_id) continue
      const list = byEvent.get(attempt.event_id[0]) ?? byEvent.set(attempt.event_id[0], []).get(attempt.event_id[0])!
      list.push(attempt)
    }
    for (const list of byEvent.values()) list.sort((a, b) => a.attempt - b.attempt)
    return byEvent
  }

  attemptsOf (event: TimelineEvent): TimelineAttempt[] {
    return this.attemptsByEvent.get(event.id) ?? []
  }

  /** The newest attempt of the event a sync state last reported, shown on its card. */
  lastAttempt (syncState: TimelineSyncState): TimelineAttempt | undefined {
    return syncState.last_event_id ? this.attemptsByEvent.get(syncState.last_event_id[0])?.at(-1) : undefined
  }

  async load (): Promise<void> {
    const domain: OdooWeb.Domain = [['res_model', '=', this.props.resModel], ['res_id', '=', this.props.resId]]
    const attemptDomain: OdooWeb.Domain = [['event_id.res_model', '=', this.props.resModel], ['event_id.res_id', '=', this.props.resId]]
    const [events, syncStates, attempts] = await Promise.all([
      this.orm.searchRead<TimelineEvent>('hub.event', domain, EVENT_FIELDS, { order: 'id desc', limit: EVENT_LIMIT }),
      this.orm.searchRead<TimelineSyncState>('hub.sync.state', domain, STATE_FIELDS, { order: 'connector_id, id' }),
      this.orm.searchRead<TimelineAttempt>('hub.event.attempt', attemptDomain, ATTEMPT_FIELDS, { order: 'event_id desc, attempt desc', limit: ATTEMPT_LIMIT })
    ])
    this.state.events = events
    this.state.syncStates = syncStates
    this.state.attempts = attempts
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

  /** "Attempt 2 of 5" (just "Attempt 2" when the connector's limit is unknown). */
  attemptLabel (attempt: TimelineAttempt): string {
    return attempt.max_attempts
      ? _t('Attempt %s of %s', attempt.attempt, attempt.max_attempts)
      : _t('Attempt %s', attempt.attempt)
  }

  /** What came back: "HTTP 503", or "no answer" (timeout, network error, nothing called). */
  answerLabel (attempt: TimelineAttempt): string {
    return attempt.http_status ? `HTTP ${attempt.http_status}` : _t('no answer')
  }

  /** What happens after this attempt, when it is the last one reported. */
  nextStep (attempt: TimelineAttempt): string {
    if (attempt.next_retry_at) return _t('next retry at %s', this.formatDate(attempt.next_retry_at))
    if (attempt.status === 'dead') return _t('no more retries')
    return ''
  }

  /** The card's line: "Attempt 2 of 5, next retry at …". */
  attemptSummary (syncState: TimelineSyncState): string {
    const last = this.lastAttempt(syncState)
    if (!last) return ''
    const next = syncState.status === 'failed' || syncState.status === 'dead' ? this.nextStep(last) : ''
    return next ? `${this.attemptLabel(last)}, ${next}` : this.attemptLabel(last)
  }

  directionLabel (event: TimelineEvent): string {
    return event.direction === 'out' ? _t('Outbound') : _t('Inbound')
  }
}
