import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { LOCAL_SUBGRAPH, composeSupergraph } from '../../sidecar/src/gateway/federation/compose.ts'
import { LOCAL_SUBGRAPH_URL, subgraphSdl } from '../../sidecar/src/gateway/schema.ts'
import { CUSTOMS_SUBGRAPH_SDL } from '../../sidecar/simulators/customs/server.ts'
import { tmsSubgraphSdl } from '../../sidecar/simulators/tms/subgraph.ts'

const SNAPSHOT = new URL('../../graphql/snapshots/supergraph.graphql', import.meta.url)

/**
 * The API partners see when the hub is composed with a fleet TMS and a customs broker (the simulators'
 * subgraphs stand in for them), against the committed snapshot: a change to the hub's graph that renames or
 * removes what partners query shows up in review as a diff of graphql/snapshots/supergraph.graphql.
 * `npm run snapshot:supergraph` writes it anew after a reviewed change.
 */
describe('supergraph snapshot', () => {
  it('composes the hub graph with the fleet and customs subgraphs into the committed public API', () => {
    const composed = composeSupergraph({ name: LOCAL_SUBGRAPH, url: LOCAL_SUBGRAPH_URL, sdl: subgraphSdl() }, [
      { name: 'fleet', url: 'http://fleet.example/graphql', sdl: tmsSubgraphSdl('normal') },
      { name: 'customs', url: 'http://customs.example/graphql', sdl: CUSTOMS_SUBGRAPH_SDL }
    ])
    assert.ok(composed.ok, composed.ok ? '' : JSON.stringify(Object.fromEntries(composed.errors)))
    const sdl = `${composed.publicSdl.trim()}\n`
    if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(SNAPSHOT, sdl)
    assert.equal(sdl, readFileSync(SNAPSHOT, 'utf8'), 'the supergraph partners see changed: review the difference, then run npm run snapshot:supergraph')
  })
})
