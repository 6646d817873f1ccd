import { _t } from '@web/core/l10n/translation'
import { deserializeDateTime, formatDateTime } from '@web/core/l10n/dates'

/**
 * One connector's sync state of a record, as `hub.sync.mixin.hub_sync_badges` computes it. For a
 * reader who is not a Hub User (a Status Viewer) `last_error` and `correlation_id` are always false.
 */
export interface SyncBadge {
  connector: string
  connector_id: number
  status: SyncStatus
  attempts: number
  last_error: string | false
  correlation_id: string | false
  /** server format, UTC ("YYYY-MM-DD HH:MM:SS") */
  last_sync_at: string | false
  external_ref?: string | false
  /** An aggregate badge (`sale.order.hub_order_sync_badges`) is about the document it shows... */
  res_model?: string
  res_id?: number
  document?: string | false
  /** ...and lists every document of the order sent to that connector. */
  documents?: SyncDocument[]
}

/** One document behind an aggregate badge: the order, one of its deliveries or invoices. */
export interface SyncDocument {
  res_model: string
  res_id: number
  name: string | false
  status: SyncStatus
  external_ref: string | false
}

export type SyncStatus = 'pending' | 'sent' | 'acknowledged' | 'failed' | 'dead'

/**
 * What `hub.sync.state._hub_notify_changed` sends on the record's bus channel: `badges` is the value
 * of the record's own `RECORD_BADGES_FIELD`. A sale order's channel also hears of its deliveries and
 * invoices; a widget showing another field (the order's aggregate) reloads the record instead.
 */
export interface SyncNotification {
  model: string
  id: number
  badges: SyncBadge[]
}

export const RECORD_BADGES_FIELD = 'hub_sync_badges'

/** Who may open the timeline (messages, partner errors); the server enforces it, the UI follows. */
export const HUB_USER_GROUP = 'logistics_hub.group_hub_user'

export const SYNC_NOTIFICATION_TYPE = 'logistics_hub.sync'

/** The processes of a sale order or a return, on the same channel (hub.process._hub_notify_changed). */
export const PROCESS_NOTIFICATION_TYPE = 'logistics_hub.process'

/** The per-record channel; the server only lets hub users who may read the record subscribe to it. */
export function syncChannel (model: string, id: number): string {
  return `logistics_hub.sync/${model}/${id}`
}

const STATUS_LABELS: Record<string, () => string> = {
  pending: () => _t('Pending'),
  held: () => _t('Held'),
  sent: () => _t('Sent'),
  acknowledged: () => _t('Acknowledged'),
  failed: () => _t('Failed'),
  dead: () => _t('Dead'),
  queued: () => _t('Queued'),
  delivered: () => _t('Delivered'),
  applied: () => _t('Applied'),
  ignored: () => _t('Ignored')
}

// Bootstrap contextual colours, the same meaning as the decorations of the addon's list views.
const STATUS_COLORS: Record<string, string> = {
  pending: 'secondary',
  queued: 'secondary',
  // held back by a failed business process until a manager releases or discards it
  held: 'warning',
  sent: 'info',
  acknowledged: 'success',
  delivered: 'success',
  applied: 'success',
  failed: 'warning',
  dead: 'danger',
  ignored: 'light'
}

export function statusLabel (status: string): string {
  return STATUS_LABELS[status]?.() ?? status
}

export function statusColor (status: string): string {
  return STATUS_COLORS[status] ?? 'secondary'
}

/** A server datetime in the user's locale and zone; empty for none. */
export function formatServerDateTime (value: string | false | null | undefined): string {
  if (!value) return ''
  const parsed = deserializeDateTime(value)
  return parsed.isValid ? formatDateTime(parsed) : value
}
