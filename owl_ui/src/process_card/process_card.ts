import { Component, onMounted, onWillStart, onWillUnmount, onWillUpdateProps, useState } from '@odoo/owl'
import { _t } from '@web/core/l10n/translation'
import { registry } from '@web/core/registry'
import { user } from '@web/core/user'
import { useService } from '@web/core/utils/hooks'
import { standardFieldProps } from '@web/views/fields/standard_field_props'
import { useSyncChannel } from '../core/sync_channel'
import { HUB_USER_GROUP, PROCESS_NOTIFICATION_TYPE, formatServerDateTime } from '../core/sync_status'
import {
  type ProcessCard, type ProcessNotification, type ProcessStep,
  formatDuration, processColor, serverTime, stepClass, stepIcon
} from './process_types'

// Time in step and "due in" are counted in the browser between notifications.
const TICK_MS = 30_000

/**
 * `widget="hub_process_card"` on the Json field `hub_process_cards` of sale orders and return pickings:
 * one card per business process of the document (order to delivery, each return to refund) with its
 * steps in order, the current step's time and deadline (red when late), who must act, and Approve /
 * Reject for the approvers of a step waiting for a person. It follows the document's bus channel
 * (PROCESS_NOTIFICATION_TYPE): a partner's callback or a timer shows up without reloading the page,
 * and a form without unsaved changes reloads its record (the same callback may have changed it).
 */
export class ProcessCardField extends Component<OdooWeb.StandardFieldProps> {
  static override template = 'logistics_hub.ProcessCardField'
  static override props = { ...standardFieldProps }

  declare orm: OdooWeb.OrmService
  declare action: OdooWeb.ActionService
  declare notification: OdooWeb.NotificationService
  declare state: { live: ProcessCard[] | null, canOpen: boolean, now: number, busy: number | null }

  override setup (): void {
    this.orm = useService('orm')
    this.action = useService('action')
    this.notification = useService('notification')
    // Cards received on the bus since the record was last read; null when the record is current.
    this.state = useState({ live: null, canOpen: false, now: Date.now(), busy: null })
    onWillStart(async () => { this.state.canOpen = await user.hasGroup(HUB_USER_GROUP) })
    useSyncChannel<OdooWeb.StandardFieldProps, ProcessNotification>(
      ({ record }) => record.resId ? { model: record.resModel, id: record.resId } : null,
      notification => { void this.onProcessChange(notification) },
      PROCESS_NOTIFICATION_TYPE
    )
    onWillUpdateProps(next => {
      if (next.record !== this.props.record) this.state.live = null
    })
    let timer: ReturnType<typeof setInterval> | undefined
    onMounted(() => { timer = setInterval(() => { this.state.now = Date.now() }, TICK_MS) })
    onWillUnmount(() => { clearInterval(timer) })
  }

  get stored (): ProcessCard[] {
    const value: unknown = this.props.record.data[this.props.name]
    return Array.isArray(value) ? value as ProcessCard[] : []
  }

  get cards (): ProcessCard[] {
    return this.state.live ?? this.stored
  }

  get isFormRecord (): boolean {
    return this.props.record.model.root === this.props.record
  }

  async onProcessChange ({ cards }: ProcessNotification): Promise<void> {
    this.state.now = Date.now()
    this.state.live = cards
    await this.refresh()
  }

  /** The record read again when that loses nothing; else only this field's value. */
  async refresh (): Promise<void> {
    const record = this.props.record
    if (!record.resId) return
    if (this.isFormRecord && !record.isNew && !await record.isDirty()) {
      await record.load()
      this.state.live = null
      return
    }
    const [row] = await this.orm.call<Array<Record<string, unknown>>>(record.resModel, 'read', [[record.resId], [this.props.name]])
    const value = row?.[this.props.name]
    if (Array.isArray(value)) this.state.live = value as ProcessCard[]
  }

  // ---------------------------------------------------------------- what the template shows

  stateColor (card: ProcessCard): string {
    return processColor(card.state)
  }

  stepClass (step: ProcessStep): string {
    return stepClass(step)
  }

  stepIcon (step: ProcessStep): string {
    return stepIcon(step)
  }

  currentStep (card: ProcessCard): ProcessStep | undefined {
    return card.current_step ? card.steps.find(s => s.code === card.current_step) : undefined
  }

  /** How long the step has taken: until now while active, until it ended otherwise. */
  stepSeconds (step: ProcessStep): number | null {
    const start = serverTime(step.started_at)
    if (Number.isNaN(start)) return null
    const end = step.state === 'active' ? this.state.now : serverTime(step.done_at)
    return Number.isNaN(end) ? null : Math.max(0, (end - start) / 1000)
  }

  timeInStep (step: ProcessStep): string {
    const seconds = this.stepSeconds(step)
    return seconds === null ? '' : formatDuration(seconds)
  }

  isLate (card: ProcessCard, step?: ProcessStep): boolean {
    const deadline = serverTime(step?.deadline || card.deadline)
    return card.is_late || Boolean(step?.late) || (!Number.isNaN(deadline) && deadline < this.state.now)
  }

  /** "due in 55 min" / "2 h 5 min late", counted from now. */
  deadlineText (card: ProcessCard, step?: ProcessStep): string {
    const deadline = serverTime(step?.deadline || card.deadline)
    if (Number.isNaN(deadline)) return ''
    const seconds = (deadline - this.state.now) / 1000
    if (seconds < 0) return _t('%s late', formatDuration(seconds))
    // an escalated step missed its deadline and got a new one
    return this.isLate(card, step) ? _t('late, next deadline in %s', formatDuration(seconds)) : _t('due in %s', formatDuration(seconds))
  }

  deadlineTitle (card: ProcessCard, step?: ProcessStep): string {
    return _t('Deadline: %s', formatServerDateTime(step?.deadline || card.deadline))
  }

  actorText (card: ProcessCard): string {
    const actor = card.actor
    if (!actor) return ''
    switch (actor.kind) {
      case 'approval':
        return actor.user && actor.group ? _t('Waiting for approval by %(user)s (%(group)s)', { user: actor.user, group: actor.group }) : _t('Waiting for approval by %s', actor.name)
      case 'escalation':
        return _t('Late: escalated to %s', actor.name)
      case 'compensation':
        return _t('Waiting for %s', actor.name)
      case 'exception':
        return _t('Exception for %s', actor.name)
      default:
        return _t('Waiting for: %s', actor.name)
    }
  }

  canApprove (card: ProcessCard): boolean {
    if (!card.waiting_approval) return false
    // a bus notification does not know the reader: keep what the record said of this process
    const known = card.can_approve ?? this.stored.find(c => c.id === card.id)?.can_approve
    return Boolean(known)
  }

  stepTitle (card: ProcessCard, step: ProcessStep): string {
    const lines = [`${step.name}: ${step.state_label}`]
    if (step.started_at) lines.push(_t('Started: %s', formatServerDateTime(step.started_at)))
    if (step.done_at) lines.push(_t('Ended: %s', formatServerDateTime(step.done_at)))
    if (step.started_at && step.state !== 'pending') lines.push(_t('Time in step: %s', this.timeInStep(step)))
    if (step.deadline) lines.push(_t('Deadline: %s', formatServerDateTime(step.deadline)) + (step.late ? ' · ' + _t('late') : ''))
    if (step.per_leg && step.legs_total) lines.push(_t('Deliveries: %(reached)s of %(total)s', { reached: step.legs_reached ?? 0, total: step.legs_total }))
    if (step.approval) lines.push(_t('A person approves this step'))
    else if (step.waiting_for && ['pending', 'active'].includes(step.state)) lines.push(_t('Completed by: %s', step.waiting_for))
    if (step.escalation_level) lines.push(_t('Escalation level: %s', step.escalation_level))
    return lines.join('\n')
  }

  legSummary (card: ProcessCard): string {
    const names = new Map(card.steps.map(s => [s.code, s.name]))
    return card.legs.map(leg => {
      const last = leg.reached.at(-1)
      const where = leg.cancelled ? _t('cancelled') : last ? names.get(last) ?? last : _t('not started')
      return leg.picking + ': ' + where
    }).join(' · ')
  }

  startedText (card: ProcessCard): string {
    const started = serverTime(card.started_at)
    if (Number.isNaN(started)) return ''
    const ended = serverTime(card.ended_at)
    if (!Number.isNaN(ended)) return _t('took %s', formatDuration((ended - started) / 1000))
    return _t('started %s ago', formatDuration((this.state.now - started) / 1000))
  }

  // ---------------------------------------------------------------- actions

  async decide (card: ProcessCard, approve: boolean): Promise<void> {
    if (this.state.busy) return
    this.state.busy = card.id
    try {
      const result = await this.orm.call<unknown>('hub.process', approve ? 'action_approve' : 'action_reject', [[card.id]])
      // a decision that needs more (a reason for a rejection) comes back as a dialog
      if (result && typeof result === 'object' && 'type' in result) {
        await this.action.doAction(result, { onClose: () => { void this.refresh() } })
      } else {
        const step = card.current_step_name || card.name
        this.notification.add(approve ? _t('Approved: %s', step) : _t('Rejected: %s', step), { type: approve ? 'success' : 'warning' })
      }
      await this.refresh()
    } finally {
      this.state.busy = null
    }
  }

  async openProcess (card: ProcessCard): Promise<void> {
    if (!this.state.canOpen) return
    await this.action.doAction({ type: 'ir.actions.act_window', res_model: 'hub.process', res_id: card.id, views: [[false, 'form']], target: 'current' })
  }
}

export const processCardField = {
  component: ProcessCardField,
  displayName: _t('Business process card'),
  supportedTypes: ['json']
}

registry.category('fields').add('hub_process_card', processCardField)
