import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LOCAL_SUBGRAPH, composeSupergraph } from '../../sidecar/src/gateway/federation/compose.ts'
import { LOCAL_SUBGRAPH_URL, subgraphSdl } from '../../sidecar/src/gateway/schema.ts'

const hub = { name: LOCAL_SUBGRAPH, url: LOCAL_SUBGRAPH_URL, sdl: subgraphSdl() }
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])'

/** What a remote subgraph may add to the partner graph (gateway/federation/remote-sdl.ts), composed for real. */
describe('composing remote subgraphs', () => {
  it('leaves out mutations and fields that hand out the hub\'s records, and says so', () => {
    const fleet = `${LINK}
      type Shipment @key(fields: "trackingNumber") { trackingNumber: String! eta: String }
      type Vehicle { plate: String! shipments: [Shipment!]! }
      type Depot { shipments: [Shipment!]! }
      type Query { vehicles: [Vehicle!]! recentShipments: [Shipment!]! depots: [Depot!]! }
      type Mutation { cancelTransport(trackingNumber: String!): Boolean }`
    const composed = composeSupergraph(hub, [{ name: 'fleet', url: 'http://fleet/graphql', sdl: fleet }])
    assert.ok(composed.ok, composed.ok ? '' : JSON.stringify([...composed.errors]))
    assert.deepEqual(composed.leftOut.get('fleet'), [
      'Mutation.cancelTransport (the partner graph is read-only)',
      "Vehicle.shipments (returns the hub's Shipment: partners reach Shipment records through the hub's own fields only)",
      "Depot.shipments (returns the hub's Shipment: partners reach Shipment records through the hub's own fields only)",
      "Query.recentShipments (returns the hub's Shipment: partners reach Shipment records through the hub's own fields only)",
      'Query.depots (returns Depot, which is left out)'
    ])
    assert.doesNotMatch(composed.publicSdl, /cancelTransport|recentShipments|type Mutation|Depot/)
    assert.match(composed.publicSdl, /eta: String/)
    assert.deepEqual([...composed.keyFields.get('Shipment')!].sort(), ['id', 'trackingNumber'])
  })

  it('blames the subgraph that fails beside the hub alone, or each of two that conflict with each other', () => {
    const bad = `${LINK}\ntype Shipment @key(fields: "trackingNumber") { trackingNumber: Int! }`
    const good = `${LINK}\ntype Shipment @key(fields: "trackingNumber") { trackingNumber: String! customs: String }`
    const one = composeSupergraph(hub, [{ name: 'bad', url: 'http://bad/graphql', sdl: bad }, { name: 'good', url: 'http://good/graphql', sdl: good }])
    assert.ok(!one.ok)
    assert.deepEqual([...one.errors.keys()], ['bad'])
    const a = `${LINK}\ntype Pallet { code: String! } type Query { pallets: [Pallet!]! }`
    const b = `${LINK}\ntype Pallet { code: Int! } type Query { palletCount: Int! }`
    const both = composeSupergraph(hub, [{ name: 'a', url: 'http://a/graphql', sdl: a }, { name: 'b', url: 'http://b/graphql', sdl: b }])
    assert.ok(!both.ok)
    assert.deepEqual([...both.errors.keys()], ['a', 'b'])
    assert.match(both.errors.get('a')!, /conflicts with another subgraph/)
  })

  it('refuses an SDL that does not parse, naming the subgraph', () => {
    const result = composeSupergraph(hub, [{ name: 'broken', url: 'http://broken/graphql', sdl: 'type {' }])
    assert.ok(!result.ok)
    assert.match(result.errors.get('broken')!, /does not parse/)
  })
})
