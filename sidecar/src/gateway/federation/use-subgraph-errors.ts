import type { GraphQLError } from 'graphql'
import type { Plugin } from 'graphql-yoga'

/**
 * One error per subgraph failure. The stitching engine reports a failed batched entity fetch once per
 * (row x field) it could not fill, each with a path without the row's index: a subgraph down under 100
 * shipments would be 200 identical errors. Errors that carry a `subgraph` are kept once per
 * (code, subgraph, message, path); the hub's own errors pass untouched.
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
          const key = JSON.stringify([e.extensions.code, subgraph, e.message, e.path ?? null])
          if (seen.has(key)) return false
          seen.add(key)
          return true
        })
        if (errors.length !== result.errors.length) setResult({ ...result, errors })
      }
    })
  }
}
