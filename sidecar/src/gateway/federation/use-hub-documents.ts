import { type DocumentNode, type GraphQLSchema, Kind, TypeInfo, execute, validate, visit, visitWithTypeInfo } from 'graphql'
import type { Plugin } from 'graphql-yoga'

export interface ServedGraphs {
  hubSchema: () => GraphQLSchema
  /** `Type.field` -> remote subgraph in the composed supergraph `schema` */
  remoteOwners: (schema: GraphQLSchema) => ReadonlyMap<string, string>
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
  // decided on the schema the request runs on: a recomposition meanwhile does not change the answer
  const onHub = (document: DocumentNode, supergraph: GraphQLSchema): boolean =>
    supergraph !== graphs.hubSchema() && hubAlone(document, supergraph, graphs.remoteOwners(supergraph), cache)
  return {
    onValidate ({ params, setValidationFn }) {
      if (onHub(params.documentAST, params.schema)) setValidationFn((_schema, document, rules) => validate(graphs.hubSchema(), document, rules))
    },
    onExecute ({ args, setExecuteFn }) {
      if (onHub(args.document, args.schema)) setExecuteFn(a => execute({ ...a, schema: graphs.hubSchema() }))
    }
  }
}
