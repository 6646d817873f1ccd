import type { GraphQLError } from 'graphql'
import type { Plugin } from 'graphql-yoga'

/**
 * One error per subgraph failure. The stitching engine reports a failed batched entity fetch once per
 * (row x field) it could not fill, with paths that keep the outer rows' indexes and drop the inner ones
 * (`orders.nodes.3.shipments.eta`): a subgraph down under 100 orders would be hundreds of identical errors.
 * Errors that carry a `subgraph` are kept once per (code, subgraph, message), with the first one's path;
 * the hub's own errors pass untouched.
 */
export function useSubgraphErrors (): Plugin {
  return {
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        if (!('errors' in result) || !result.errors?.length) return
        const seen = new Set<string>()
        const errors = result.errors.filter((e: GraphQLError) => {
          const subgraph = e.extensions?.subgraph
          if (typeof subgraph !== 'string') return true
          const key = JSON.stringify([e.extensions.code, subgraph, e.message])
          if (seen.has(key)) return false
          seen.add(key)
          return true
        })
        if (errors.length !== result.errors.length) setResult({ ...result, errors })
      }
    })
  }
}
