import { type DocumentNode, type GraphQLSchema, Kind, execute, validate } from 'graphql'
import type { Plugin } from 'graphql-yoga'

const SUBGRAPH_FIELDS = new Set(['_service', '_entities', '__typename'])

/** A document that only asks the hub as a subgraph (`_service`, `_entities`): what a federation router sends. */
function asksHubSubgraph (document: DocumentNode): boolean {
  const operations = document.definitions.filter(d => d.kind === Kind.OPERATION_DEFINITION)
  return operations.length > 0 && operations.every(op => op.selectionSet.selections.every(s =>
    s.kind === Kind.FIELD && SUBGRAPH_FIELDS.has(s.name.value)) && op.selectionSet.selections.some(s => s.kind === Kind.FIELD && s.name.value !== '__typename'))
}

/**
 * The hub stays joinable as a subgraph by someone else's router while it composes its own supergraph:
 * the composed schema has no `_service`/`_entities` (they are the hub subgraph's, not the supergraph's), so
 * a document asking only for them is validated and run against the hub's own schema, with every plugin
 * in front as for any document (authentication, limits, the `_service` gate of use-introspection.ts).
 */
export function useHubSubgraph (hubSchema: GraphQLSchema): Plugin {
  return {
    onValidate ({ params, setValidationFn }) {
      if (asksHubSubgraph(params.documentAST)) setValidationFn((_schema, document, rules) => validate(hubSchema, document, rules))
    },
    onExecute ({ args, setExecuteFn }) {
      if (args.schema !== hubSchema && asksHubSubgraph(args.document)) setExecuteFn(a => execute({ ...a, schema: hubSchema }))
    }
  }
}
