import { carrierConnectorAdapter } from './carrier/connector-adapter.ts'
import { graphqlSubgraphAdapter } from './graphql-subgraph/index.ts'
import type { CarrierAdapter } from './carrier/types.ts'
import { type AdapterManifest, type Capability, ManifestError, loadManifests } from './manifest.ts'
import { parcelfast, parcelfastProbe } from './parcelfast/index.ts'
import { rateShopAdapter } from './rate-shop/index.ts'
import { restAdapter } from './rest/index.ts'
import { swiftpost, swiftpostProbe } from './swiftpost/index.ts'
import { tmsAdapter } from './tms/index.ts'
import type { Adapter, Probe } from './types.ts'
import { webhookAdapter } from './webhook/index.ts'
import { wmsAdapter } from './wms/index.ts'

/** A carrier is rated and booked across connectors (rate shopping), so its code has its own shape. */
export interface CarrierImplementation { carrier: CarrierAdapter, probe?: Probe }
export type Implementation = Adapter | CarrierImplementation

/**
 * The code behind the manifests: one import line per adapter. Manifests are discovered by folder
 * (adapters/manifest.ts); code is imported statically because a dynamic import per folder would leave the
 * implementations untyped until run time and hide a missing export until the first delivery.
 */
const IMPLEMENTATIONS: Implementation[] = [
  webhookAdapter, wmsAdapter, rateShopAdapter, tmsAdapter, restAdapter, graphqlSubgraphAdapter,
  { carrier: parcelfast, probe: parcelfastProbe }, { carrier: swiftpost, probe: swiftpostProbe }
]

const implementationName = (i: Implementation): string => 'carrier' in i ? i.carrier.name : i.name
const CARRIER_CAPABILITIES: Capability[] = ['rate', 'track', 'poll']

export interface Registry {
  manifests: AdapterManifest[]
  adapters: Map<string, Adapter>
  carriers: Map<string, CarrierAdapter>
}

/**
 * The registry's tables from the manifests and the code; a manifest without code, code without a
 * manifest, or a declared capability the code does not have stops the sidecar at start, naming the adapter.
 */
export function buildRegistry (manifests: AdapterManifest[], implementations: Implementation[]): Registry {
  const code = new Map(implementations.map(i => [implementationName(i), i]))
  const adapters = new Map<string, Adapter>()
  const carriers = new Map<string, CarrierAdapter>()
  for (const manifest of manifests) {
    const impl = code.get(manifest.name)
    if (!impl) throw new ManifestError(`adapter ${manifest.name} has a manifest but no code in adapters/registry.ts`)
    code.delete(manifest.name)
    const adapter = 'carrier' in impl ? { ...carrierConnectorAdapter(impl.carrier), probe: impl.probe } : impl
    const has = new Set(manifest.capabilities)
    const mismatch = (capability: Capability, actual: boolean) => {
      if (has.has(capability) !== actual) {
        throw new ManifestError(`adapter ${manifest.name}: its manifest ${actual ? 'omits' : 'declares'} "${capability}", which its code ${actual ? 'has' : 'lacks'}`)
      }
    }
    mismatch('test-connection', adapter.probe !== undefined)
    for (const capability of CARRIER_CAPABILITIES) mismatch(capability, 'carrier' in impl)
    mismatch('freight-bills', 'carrier' in impl && impl.carrier.freightBills !== undefined)
    // a GraphQL subgraph is queried by the gateway instead
    if (!has.has('deliver') && !has.has('subgraph')) throw new ManifestError(`adapter ${manifest.name}: every adapter but a subgraph delivers; its manifest omits "deliver"`)
    adapters.set(manifest.name, adapter)
    if ('carrier' in impl) carriers.set(manifest.name, impl.carrier)
  }
  const orphan = [...code.keys()][0]
  if (orphan) throw new ManifestError(`adapter ${orphan} has code in adapters/registry.ts but no manifest.json`)
  return { manifests, adapters, carriers }
}

const registry = buildRegistry(loadManifests(), IMPLEMENTATIONS)

export function adapterFor (name: string): Adapter | undefined {
  return registry.adapters.get(name)
}

export function carrierAdapterFor (name: string): CarrierAdapter | undefined {
  return registry.carriers.get(name)
}

export function manifestFor (name: string): AdapterManifest | undefined {
  return registry.manifests.find(m => m.name === name)
}

/** Every adapter's manifest, sorted by name (what Odoo offers in hub.connector.adapter). */
export const ADAPTER_MANIFESTS: readonly AdapterManifest[] = registry.manifests

export const CARRIER_ADAPTERS = [...registry.carriers.keys()]

/** Carriers whose freight bills the hub fetches and Odoo audits. */
export const FREIGHT_BILL_ADAPTERS = registry.manifests.filter(m => m.capabilities.includes('freight-bills')).map(m => m.name)
