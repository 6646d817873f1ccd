import { _t } from '@web/core/l10n/translation'

/**
 * What `hub.process._hub_card` computes for one process of a sale order or a return (the Json field
 * `hub_process_cards`, and the `cards` of a PROCESS_NOTIFICATION_TYPE notification). Times are server
 * strings in UTC ("YYYY-MM-DD HH:MM:SS") or false.
 */
export interface ProcessCard {
  id: number
  name: string
  definition: string
  definition_code: string
  version: number
  state: ProcessState
  state_label: string
  res_model: string
  res_id: number
  document: string | false
  started_at: string | false
  ended_at: string | false
  current_step: string | false
  current_step_name: string | false
  seconds_in_step: number | false
  deadline: string | false
  is_late: boolean
  waiting_approval: boolean
  actor: ProcessActor | false
  /** about the reader; null in a bus notification (every follower gets the same one) */
  can_approve: boolean | null
  exception: string | false
  /** outbound events this failed process keeps back until a manager releases or discards them */
  held: number
  steps: ProcessStep[]
  legs: ProcessLeg[]
}

export type ProcessState = 'running' | 'completed' | 'compensating' | 'failed' | 'cancelled'
export type StepState = 'pending' | 'active' | 'done' | 'passed' | 'failed' | 'compensating' | 'compensated'

export interface ProcessStep {
  id: number
  code: string
  name: string
  state: StepState
  state_label: string
  started_at: string | false
  done_at: string | false
  deadline: string | false
  late: boolean
  seconds_in_step: number | false
  per_leg: boolean
  approval: boolean
  escalation_level: number
  /** the milestones that complete it, as people read them */
  waiting_for: string
  legs_reached?: number
  legs_total?: number
}

/** Who must act now: an approver, the person a late step was escalated to, a partner's milestone... */
export interface ProcessActor {
  kind: 'approval' | 'escalation' | 'signal' | 'compensation' | 'exception'
  name: string
  user: string | false
  group: string | false
}

export interface ProcessLeg {
  id: number
  picking_id: number
  picking: string
  reached: string[]
  cancelled: boolean
}

/** What `hub.process._hub_notify_changed` sends on the document's channel: all its cards. */
export interface ProcessNotification {
  model: string
  id: number
  cards: ProcessCard[]
}

// Bootstrap contextual colours, as the state badges of the hub.process views.
const PROCESS_COLORS: Record<ProcessState, string> = {
  running: 'info',
  completed: 'success',
  compensating: 'warning',
  failed: 'danger',
  cancelled: 'secondary'
}

export function processColor (state: string): string {
  return PROCESS_COLORS[state as ProcessState] ?? 'secondary'
}

// A chip per step: filled when the step's fate is settled, subtle when it was skipped or undone.
const STEP_CLASSES: Record<StepState, string> = {
  pending: 'bg-body text-muted border',
  active: 'text-bg-info',
  done: 'text-bg-success',
  passed: 'bg-success-subtle text-success-emphasis border border-success-subtle',
  failed: 'text-bg-danger',
  compensating: 'text-bg-warning',
  compensated: 'bg-warning-subtle text-warning-emphasis border border-warning-subtle'
}

export function stepClass (step: ProcessStep): string {
  if (step.state === 'active' && step.late) return 'text-bg-danger'
  return STEP_CLASSES[step.state] ?? 'text-bg-secondary'
}

const STEP_ICONS: Record<StepState, string> = {
  pending: 'fa-circle-o',
  active: 'fa-clock-o',
  done: 'fa-check',
  passed: 'fa-share',
  failed: 'fa-times',
  compensating: 'fa-undo',
  compensated: 'fa-undo'
}

export function stepIcon (step: ProcessStep): string {
  if (step.state === 'active' && step.approval) return 'fa-user'
  return STEP_ICONS[step.state] ?? 'fa-circle-o'
}

/** Milliseconds since the epoch of a server datetime, NaN for none. */
export function serverTime (value: string | false | null | undefined): number {
  return value ? Date.parse(value.replace(' ', 'T') + 'Z') : NaN
}

/** "3 d 4 h", "2 h 5 min", "12 min", "< 1 min": precise enough for a deadline or a wait. */
export function formatDuration (seconds: number): string {
  const minutes = Math.floor(Math.abs(seconds) / 60)
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  if (days) return hours ? _t('%(days)s d %(hours)s h', { days, hours }) : _t('%s d', days)
  if (hours) return minutes % 60 ? _t('%(hours)s h %(minutes)s min', { hours, minutes: minutes % 60 }) : _t('%s h', hours)
  return minutes ? _t('%s min', minutes) : _t('< 1 min')
}
