/**
 * The demo's partners as data: the connectors and routes `npm run demo` keeps in Odoo, and which
 * simulator answers for each. docker-compose.yml runs the same command, so it cannot disagree.
 */
import { createHmac } from 'node:crypto'

export type SimulatorName = 'wms' | 'parcelfast' | 'swiftpost' | 'tms' | 'customs'

/**
 * Each demo connector's secret (and API key), derived from HUB_DEMO_SECRET and its code: the hub refuses
 * one secret on two connectors (a message signed for one would be accepted by the other), so the demo
 * needs one per connector, yet both the seeding and the simulators must find the same value.
 */
export function demoSecret (demoSecret: string, code: string): string {
  return `whsec_${createHmac('sha256', demoSecret).update(code).digest().subarray(0, 24).toString('base64')}`
}

export interface DemoRoute { event_type: string, carrier_rule: 'cheapest' | 'fastest', filter_domain: string | false }

export interface DemoConnector {
  code: string
  name: string
  kind: string
  adapter: string
  /** the simulator at its base URL; none for the rate shop, which asks the carrier connectors */
  simulator: SimulatorName | null
  /** after the simulator's address: a subgraph's GraphQL endpoint */
  path?: string
  routes: DemoRoute[]
}

// A delivery to a company goes by truck (TMS), one to a private person by parcel (rate shop): the two
// filters are each other's complement, so every validated delivery goes exactly one way.
const BUSINESS = '[("partner_id.commercial_partner_id.is_company", "=", True)]'
const CONSUMER = '[("partner_id.commercial_partner_id.is_company", "=", False)]'

const route = (eventType: string, filter: string | false = false): DemoRoute => ({ event_type: eventType, carrier_rule: 'cheapest', filter_domain: filter })

export const DEMO_CONNECTORS: readonly DemoConnector[] = [
  { code: 'wms-main', name: 'Demo WMS', kind: 'wms', adapter: 'wms', simulator: 'wms', routes: [route('picking.ready')] },
  { code: 'parcelfast', name: 'ParcelFast', kind: 'carrier', adapter: 'parcelfast', simulator: 'parcelfast', routes: [] },
  { code: 'swiftpost', name: 'SwiftPost', kind: 'carrier', adapter: 'swiftpost', simulator: 'swiftpost', routes: [] },
  { code: 'shipping', name: 'Best carrier', kind: 'carrier', adapter: 'rate_shop', simulator: null, routes: [route('picking.done', CONSUMER)] },
  { code: 'tms', name: 'Demo TMS', kind: 'tms', adapter: 'tms', simulator: 'tms', routes: [route('picking.done', BUSINESS)] },
  // GraphQL subgraphs the gateway composes into the partner graph (README, "Federation gateway")
  { code: 'tms-fleet', name: 'Demo TMS fleet (GraphQL)', kind: 'subgraph', adapter: 'graphql_subgraph', simulator: 'tms', path: '/graphql', routes: [] },
  { code: 'customs', name: 'Demo customs broker (GraphQL)', kind: 'subgraph', adapter: 'graphql_subgraph', simulator: 'customs', path: '/graphql', routes: [] }
]

/** Records the walkthrough uses (README "Demo"); found again by these keys on every run. */
export const DEMO_CUSTOMER = { ref: 'HUB-DEMO-CUSTOMER', name: 'Demo Customer', street: '2 Canal St', city: 'Utrecht', zip: '3511', country: 'NL' }
export const DEMO_PRODUCT = { default_code: 'HUB-DEMO-CRATE', name: 'Demo Crate', weight: 4.5, onHand: 100 }
export const DEMO_API_CLIENT = { client_id: 'hub_demo_client', name: 'Demo Customer API client', scopes: 'orders:read shipments:read' }
