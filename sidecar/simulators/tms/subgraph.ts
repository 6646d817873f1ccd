import { FederatedSubgraph, type FederatedSubgraphOptions, type Representation, type SubgraphCallContext } from '../federated-subgraph.ts'

/**
 * The TMS's fleet subgraph: what the hub's federation gateway adds to a Shipment from the transport
 * platform (vehicle, live position, ETA), keyed by tracking number, which for a TMS transport is the job
 * id (`TMS-00001`). Everything is derived from the job, so a test knows the answer without asking.
 * Variants play a partner deploying a new schema: 'extended' is a compatible addition, 'conflicting'
 * changes the key field's type and must fail composition with the hub's subgraph.
 */
export type TmsSubgraphVariant = 'normal' | 'extended' | 'conflicting'
export const TMS_SUBGRAPH_VARIANTS: readonly TmsSubgraphVariant[] = ['normal', 'extended', 'conflicting']

export function tmsSubgraphSdl (variant: TmsSubgraphVariant = 'normal'): string {
  return `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Shipment @key(fields: "trackingNumber") {
  trackingNumber: ${variant === 'conflicting' ? 'Int!' : 'String!'}
  vehicle: Vehicle
  position: Position
  eta: DateTime
}

type Vehicle {
  plate: String!
  driver: String
  kind: String${variant === 'extended' ? '\n  capacityKg: Float' : ''}
}

type Position {
  lat: Float!
  lon: Float!
  at: DateTime!
}

scalar DateTime

type Query {
  vehicles: [Vehicle!]!
}
`
}

/** the part of a TMS job the fleet view reads (structural, so server.ts keeps its own job type) */
export interface FleetJob { jobId: string, milestones: unknown[], plannedKm: number }

interface Vehicle { plate: string, driver: string, kind: string, capacityKg: number }

/** A fixed fleet; job n rides vehicle ((n - 1) mod 3) + 1. capacityKg is only visible in 'extended'. */
export const TMS_FLEET: readonly Vehicle[] = [
  { plate: 'NL-1-TR', driver: 'Jan de Vries', kind: 'truck', capacityKg: 24000 },
  { plate: 'NL-2-TR', driver: 'Fatima El Amrani', kind: 'truck', capacityKg: 18000 },
  { plate: 'NL-3-TR', driver: 'Pieter Claes', kind: 'van', capacityKg: 3500 }
]

/** the day TmsSimulator.report dates milestones from */
const DAY_START = Date.UTC(2026, 10, 25, 6, 0)
const DEPOT = { lat: 51.2194, lon: 4.4025 } // Antwerp, where report() places departures
const round4 = (n: number): number => Math.round(n * 1e4) / 1e4

/**
 * The fleet view of one job: position moves with the job number and is dated by its last milestone (else
 * the start of the day); the ETA is the start of the day plus the planned distance at 60 km/h plus any
 * reported delay.
 */
export function fleetShipment (job: FleetJob): Record<string, unknown> {
  const n = Number(job.jobId.replace(/\D/g, '')) || 1
  const milestones = job.milestones as Array<{ at?: string, delayMinutes?: number }>
  const delay = milestones.reduce((sum, m) => sum + (m.delayMinutes ?? 0), 0)
  return {
    trackingNumber: job.jobId,
    vehicle: TMS_FLEET[(n - 1) % TMS_FLEET.length],
    position: { lat: round4(DEPOT.lat + 0.0125 * n), lon: round4(DEPOT.lon + 0.0175 * n), at: milestones.at(-1)?.at ?? new Date(DAY_START).toISOString() },
    eta: new Date(DAY_START + (job.plannedKm + delay) * 60_000).toISOString()
  }
}

export class TmsFleetSubgraph extends FederatedSubgraph {
  /** caller claims the resolvers were handed (proof the claim reaches them, not only the call log) */
  readonly claimsSeen: Array<{ field: 'vehicles' | '_entities', claim: Record<string, unknown> }>
  #variant: TmsSubgraphVariant = 'normal'

  constructor (jobs: ReadonlyMap<string, FleetJob>, options: Pick<FederatedSubgraphOptions, 'apiKey' | 'claimSecret' | 'claimAudience' | 'faults'> = {}) {
    const claimsSeen: TmsFleetSubgraph['claimsSeen'] = []
    super({
      ...options,
      sdl: tmsSubgraphSdl('normal'),
      resolvers: {
        Query: {
          vehicles: (_: unknown, __: unknown, ctx: SubgraphCallContext) => {
            if (ctx.claim) claimsSeen.push({ field: 'vehicles', claim: ctx.claim })
            return TMS_FLEET
          }
        }
      },
      resolveEntities: async (reps: Representation[], ctx: SubgraphCallContext) => {
        if (ctx.claim) claimsSeen.push({ field: '_entities', claim: ctx.claim })
        return reps.map(r => {
          const job = r.__typename === 'Shipment' ? jobs.get(String(r.trackingNumber)) : undefined
          return job ? fleetShipment(job) : null // not our transport: the spec's "no such entity"
        })
      }
    })
    this.claimsSeen = claimsSeen
  }

  get variant (): TmsSubgraphVariant { return this.#variant }

  /** Serves another variant's SDL from the next request on (same resolvers). */
  useVariant (variant: TmsSubgraphVariant): void {
    if (!TMS_SUBGRAPH_VARIANTS.includes(variant)) throw new Error(`unknown TMS subgraph variant ${String(variant)}`)
    this.setSdl(tmsSubgraphSdl(variant))
    this.#variant = variant
  }
}
