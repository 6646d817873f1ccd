import { PermanentError } from '../../errors.ts'
import { callJson } from '../http-transport.ts'
import { probeCall } from '../probe.ts'
import { type Adapter, InboundFormatError } from '../types.ts'

/**
 * A partner system that speaks GraphQL with Federation directives: the gateway composes it into the
 * supergraph partners query (gateway/federation/). It takes no events and sends no callbacks; "Test
 * connection" asks it for its SDL with the connector's credentials, as composition will.
 */
export const graphqlSubgraphAdapter: Adapter = {
  name: 'graphql_subgraph',

  async deliver (envelope, connector) {
    throw new PermanentError(`connector ${connector.code} is a GraphQL subgraph: it is queried by the gateway and takes no events (${envelope.type})`)
  },

  parseInbound () {
    throw new InboundFormatError('a GraphQL subgraph sends no callbacks')
  },

  async probe (connector) {
    const url = connector.base_url
    if (!url) return { ok: false, status: null, latency_ms: 0, message: 'the connector has no base URL' }
    return await probeCall('api_key', connector.timeout, async () => await callJson('POST', url, {
      bearer: connector.secret, timeoutSeconds: connector.timeout, body: { query: '{ _service { sdl } }' }
    }))
  }
}
