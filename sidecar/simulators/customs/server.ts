import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FaultSettings } from '../faults.ts'
import { FederatedSubgraph, type Representation } from '../federated-subgraph.ts'
import { readBody, sendJson } from '../http-util.ts'

/**
 * A customs broker that only speaks GraphQL: a federation subgraph adding `customs` (the declaration's
 * status) to the hub's Shipment, keyed by tracking number. Tests and the demo set declarations with
 * `declare` (or POST /_sim/declarations); faults apply to /graphql; `/_sim/*` is the control API.
 *
 * A tracking number without a declaration still resolves, as a Shipment whose `customs` is null, not as
 * a null entity: the shipment exists (the hub owns it), the broker merely has nothing filed, and a field
 * that is null is merged the same way by every gateway, while a null entry in `_entities` is where
 * gateways differ (dropped, or reported as an error for the whole fetch).
 */
export const CUSTOMS_SUBGRAPH_SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Shipment @key(fields: "trackingNumber") {
  trackingNumber: String!
  customs: CustomsStatus
}

type CustomsStatus {
  status: String!
  declarationId: String
  clearedAt: DateTime
  holdReason: String
}

scalar DateTime

type Query {
  declarationsPending: Int!
}
`

export type CustomsState = 'cleared' | 'held' | 'pending'
export interface Declaration { trackingNumber: string, status: CustomsState, declarationId: string, clearedAt: string | null, holdReason: string | null }
/** `claimSecret`, `claimAudience`: see FederatedSubgraphOptions (the hub signs with the connector's secret, for its code) */
export interface CustomsSimulatorOptions { apiKey?: string, claimSecret?: string, claimAudience?: string }

const STATES: readonly CustomsState[] = ['cleared', 'held', 'pending']

export class CustomsSimulator {
  readonly declarations = new Map<string, Declaration>()
  readonly subgraph: FederatedSubgraph
  #server: Server = createServer((req, res) => { void this.#handle(req, res) })
  #seq = 0

  constructor (private options: CustomsSimulatorOptions = {}) {
    this.subgraph = new FederatedSubgraph({
      sdl: CUSTOMS_SUBGRAPH_SDL,
      apiKey: () => this.options.apiKey,
      claimSecret: () => this.options.claimSecret,
      claimAudience: () => this.options.claimAudience,
      resolvers: { Query: { declarationsPending: () => [...this.declarations.values()].filter(d => d.status === 'pending').length } },
      resolveEntities: async (reps: Representation[]) => reps.map(r => {
        if (r.__typename !== 'Shipment') return null
        const d = this.declarations.get(String(r.trackingNumber))
        return { trackingNumber: String(r.trackingNumber), customs: d ? { status: d.status, declarationId: d.declarationId, clearedAt: d.clearedAt, holdReason: d.holdReason } : null }
      })
    })
  }

  /** the subgraph's faults: the broker has no other API to break */
  get faults () { return this.subgraph.faults }
  get calls () { return this.subgraph.calls }

  configure (patch: Partial<CustomsSimulatorOptions>): void { this.options = { ...this.options, ...patch } }

  /**
   * Files or updates the declaration of a shipment. The declaration id stays with the tracking number
   * across updates; `clearedAt` is set when it clears (`at`, default now) and kept only while cleared.
   */
  declare (trackingNumber: string, { status, holdReason, at }: { status: CustomsState, holdReason?: string, at?: Date }): Declaration {
    if (!STATES.includes(status)) throw new Error(`unknown customs status ${String(status)}`)
    const previous = this.declarations.get(trackingNumber)
    const d: Declaration = {
      trackingNumber, status,
      declarationId: previous?.declarationId ?? `DEC-2026-${String(++this.#seq).padStart(5, '0')}`,
      clearedAt: status === 'cleared' ? (at ?? new Date()).toISOString() : null,
      holdReason: status === 'held' ? holdReason ?? 'documents missing' : null
    }
    this.declarations.set(trackingNumber, d)
    return d
  }

  async start (port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>(resolve => this.#server.listen(port, host, resolve))
    return this.url
  }

  get url (): string { return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}` }

  async stop (): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://sim').pathname
    if (path === '/graphql') return this.subgraph.handle(req, res)
    try {
      const raw = req.method === 'GET' ? '' : await readBody(req)
      const body = raw ? JSON.parse(raw) : {}
      if (path === '/_sim/state') return sendJson(res, 200, { declarations: [...this.declarations.values()], calls: this.subgraph.calls })
      if (path === '/_sim/faults') return sendJson(res, 200, this.faults.set(body as Partial<FaultSettings>))
      if (path === '/_sim/declarations' && req.method === 'POST') {
        const { trackingNumber, status, holdReason, at } = body
        if (typeof trackingNumber !== 'string') return sendJson(res, 422, { message: 'trackingNumber is required' })
        return sendJson(res, 200, this.declare(trackingNumber, { status, holdReason, at: at ? new Date(at) : undefined }))
      }
      sendJson(res, 404, { message: `no route ${req.method} ${path}` })
    } catch (err) {
      sendJson(res, 400, { message: (err as Error).message })
    }
  }
}
