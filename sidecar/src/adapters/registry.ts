import { carrierConnectorAdapter } from './carrier/connector-adapter.ts'
import type { CarrierAdapter } from './carrier/types.ts'
import { parcelfast, parcelfastProbe } from './parcelfast/index.ts'
import type { Probe } from './types.ts'
import { rateShopAdapter } from './rate-shop/index.ts'
import { swiftpost, swiftpostProbe } from './swiftpost/index.ts'
import { tmsAdapter } from './tms/index.ts'
import type { Adapter } from './types.ts'
import { webhookAdapter } from './webhook/index.ts'
import { wmsAdapter } from './wms/index.ts'

const carriers: Record<string, CarrierAdapter> = { [parcelfast.name]: parcelfast, [swiftpost.name]: swiftpost }
const carrierProbes: Record<string, Probe> = { [parcelfast.name]: parcelfastProbe, [swiftpost.name]: swiftpostProbe }

const adapters: Record<string, Adapter> = {
  [webhookAdapter.name]: webhookAdapter,
  [wmsAdapter.name]: wmsAdapter,
  [rateShopAdapter.name]: rateShopAdapter,
  [tmsAdapter.name]: tmsAdapter,
  ...Object.fromEntries(Object.values(carriers).map(c => [c.name, { ...carrierConnectorAdapter(c), probe: carrierProbes[c.name] }]))
}

export function adapterFor (name: string): Adapter | undefined {
  return adapters[name]
}

export function carrierAdapterFor (name: string): CarrierAdapter | undefined {
  return carriers[name]
}

export const CARRIER_ADAPTERS = Object.keys(carriers)
