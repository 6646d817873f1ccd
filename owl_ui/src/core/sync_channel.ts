import { onMounted, onPatched, onWillUnmount, useComponent } from '@odoo/owl'
import { useService } from '@web/core/utils/hooks'
import { SYNC_NOTIFICATION_TYPE, type SyncNotification, syncChannel } from './sync_status'

export interface SyncTarget { model: string, id: number }

// The bus worker keeps one channel list per browser tab, not per subscriber: the badge of a form and
// the timeline opened from it share a channel, and the first to leave must not unsubscribe the other.
const subscribers = new WeakMap<OdooWeb.BusService, Map<string, number>>()

function acquire (bus: OdooWeb.BusService, channel: string): void {
  const counts = subscribers.get(bus) ?? new Map<string, number>()
  subscribers.set(bus, counts)
  const count = counts.get(channel) ?? 0
  counts.set(channel, count + 1)
  if (count === 0) {
    bus.addChannel(channel).catch((error: unknown) => console.warn('logistics_hub: bus subscription failed', error))
  }
}

function release (bus: OdooWeb.BusService, channel: string): void {
  const counts = subscribers.get(bus)
  const count = counts?.get(channel) ?? 0
  if (count <= 1) {
    counts?.delete(channel)
    if (count === 1) bus.deleteChannel(channel)
  } else {
    counts!.set(channel, count - 1)
  }
}

/** How many components follow a channel (tests and debugging). */
export function channelSubscribers (bus: OdooWeb.BusService, channel: string): number {
  return subscribers.get(bus)?.get(channel) ?? 0
}

/**
 * Calls `onChange` whenever the server reports that the sync state of the component's record changed
 * (hub.sync.state write-backs of the sidecar, replays, new events). `target` maps the component's
 * props to its record, or null when it has none yet (a new record). It is re-evaluated after every
 * render: the form's pager moves to another record, and saving a new record gives the same datapoint
 * an id without new props. `type` is the notification type to hear on that channel (the process card
 * hears PROCESS_NOTIFICATION_TYPE on the same channel).
 */
export function useSyncChannel<P extends object, N extends SyncTarget = SyncNotification> (target: (props: P) => SyncTarget | null, onChange: (notification: N) => void, type: string = SYNC_NOTIFICATION_TYPE): void {
  const component = useComponent()
  const bus = useService('bus_service')
  let current: SyncTarget | null = null
  let channel: string | null = null

  const follow = (next: SyncTarget | null): void => {
    const nextChannel = next ? syncChannel(next.model, next.id) : null
    current = next
    if (nextChannel === channel) return
    if (channel) release(bus, channel)
    channel = nextChannel
    if (channel) acquire(bus, channel)
  }
  // Notifications are dispatched by type to every subscriber: keep only our record's.
  const onNotification = (payload: N): void => {
    if (current && payload?.model === current.model && payload.id === current.id) onChange(payload)
  }

  onMounted(() => {
    follow(target(component.props as P))
    bus.subscribe(type, onNotification)
  })
  onPatched(() => { follow(target(component.props as P)) })
  onWillUnmount(() => {
    bus.unsubscribe(type, onNotification)
    follow(null)
  })
}
