import { type DocumentNode, type GraphQLSchema, Kind, TypeInfo, execute, validate, visit, visitWithTypeInfo } from 'graphql'
import type { Plugin } from 'graphql-yoga'

export interface ServedGraphs {
  /** the composed supergraph, or the hub's own schema when nothing is composed */
  schema: () => GraphQLSchema
  hubSchema: () => GraphQLSchema
  /** `Type.field` -> remote subgraph in the composed supergraph */
  remoteOwners: () => ReadonlyMap<string, string>
}

/**
 * Whether a document asks for nothing a remote subgraph resolves: then the hub answers it alone. Decided
 * once per parsed document (yoga caches them) and supergraph.
 */
function hubAlone (document: DocumentNode, supergraph: GraphQLSchema, owners: ReadonlyMap<string, string>, cache: WeakMap<DocumentNode, { supergraph: GraphQLSchema, alone: boolean }>): boolean {
  const known = cache.get(document)
  if (known?.supergraph === supergraph) return known.alone
  let alone = true
  const typeInfo = new TypeInfo(supergraph)
  visit(document, visitWithTypeInfo(typeInfo, {
    [Kind.FIELD] (node) {
      const parent = typeInfo.getParentType()
      // introspection describes the whole supergraph (GraphiQL shows it)
      if (node.name.value === '__schema' || node.name.value === '__type') alone = false
      else if (parent && owners.has(`${parent.name}.${node.name.value}`)) alone = false
    }
  }))
  cache.set(document, { supergraph, alone })
  return alone
}

/**
 * Documents the hub answers alone run on the hub's own schema, with every plugin in front as for any
 * document. Two reasons: the hub stays joinable as a subgraph by someone else's router (`_service` and
 * `_entities` are the hub subgraph's, not in the composed supergraph), and a query that touches no remote
 * field pays nothing for the composition (the stitched plan costs a few milliseconds per query).
 */
export function useHubDocuments (graphs: ServedGraphs): Plugin {
  const cache = new WeakMap<DocumentNode, { supergraph: GraphQLSchema, alone: boolean }>()
  const onHub = (document: DocumentNode): boolean => {
    const supergraph = graphs.schema()
    const hub = graphs.hubSchema()
    return supergraph !== hub && hubAlone(document, supergraph, graphs.remoteOwners(), cache)
  }
  return {
    onValidate ({ params, setValidationFn }) {
      if (onHub(params.documentAST)) setValidationFn((_schema, document, rules) => validate(graphs.hubSchema(), document, rules))
    },
    onExecute ({ args, setExecuteFn }) {
      if (args.schema !== graphs.hubSchema() && onHub(args.document)) setExecuteFn(a => execute({ ...a, schema: graphs.hubSchema() }))
    }
  }
}
