/** @odoo-module **/
import { onMounted, onPatched, onWillUnmount, useComponent } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { SYNC_NOTIFICATION_TYPE, syncChannel } from "./sync_status";
const subscribers = /* @__PURE__ */ new WeakMap();
function acquire(bus, channel) {
  const counts = subscribers.get(bus) ?? /* @__PURE__ */ new Map();
  subscribers.set(bus, counts);
  const count = counts.get(channel) ?? 0;
  counts.set(channel, count + 1);
  if (count === 0) {
    bus.addChannel(channel).catch((error) => console.warn("logistics_hub: bus subscription failed", error));
  }
}
function release(bus, channel) {
  const counts = subscribers.get(bus);
  const count = counts?.get(channel) ?? 0;
  if (count <= 1) {
    counts?.delete(channel);
    if (count === 1) bus.deleteChannel(channel);
  } else {
    counts.set(channel, count - 1);
  }
}
function channelSubscribers(bus, channel) {
  return subscribers.get(bus)?.get(channel) ?? 0;
}
function useSyncChannel(target, onChange, type = SYNC_NOTIFICATION_TYPE) {
  const component = useComponent();
  const bus = useService("bus_service");
  let current = null;
  let channel = null;
  const follow = (next) => {
    const nextChannel = next ? syncChannel(next.model, next.id) : null;
    current = next;
    if (nextChannel === channel) return;
    if (channel) release(bus, channel);
    channel = nextChannel;
    if (channel) acquire(bus, channel);
  };
  const onNotification = (payload) => {
    if (current && payload?.model === current.model && payload.id === current.id) onChange(payload);
  };
  onMounted(() => {
    follow(target(component.props));
    bus.subscribe(type, onNotification);
  });
  onPatched(() => {
    follow(target(component.props));
  });
  onWillUnmount(() => {
    bus.unsubscribe(type, onNotification);
    follow(null);
  });
}
export {
  channelSubscribers,
  useSyncChannel
};
