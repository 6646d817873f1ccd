import {
  type FragmentDefinitionNode, type GraphQLNamedType, type GraphQLSchema, type SelectionSetNode, Kind, getNamedType,
  isInterfaceType, isObjectType, isUnionType
} from 'graphql'

/** Object types read with the row that holds them: selecting them costs no call of its own. */
const VALUE_TYPES = new Set(['PageInfo', 'RecordRef'])
/** A connection's edges and nodes are the rows of its root field's one search. */
const isPage = (type: GraphQLNamedType): boolean => /(Connection|Edge)$/.test(type.name)

export interface PlanInput {
  schema: GraphQLSchema
  fragment: (name: string) => FragmentDefinitionNode | null | undefined
  /** the remote subgraph resolving `type.field` of a composed supergraph; undefined: the hub's own graph */
  remoteOwner?: (typeName: string, fieldName: string) => string | undefined
}

/** Who resolves a selection: the hub's own graph (Odoo) or a remote subgraph by name. */
const HUB = ''


/**
 * How many backend (Odoo) calls an operation plans, at most: each root field and each nested field that
 * reaches another model (object or list of objects) counts one, once per alias and per place it is
 * selected (fragments expanded). The loaders batch one nested field over all parent rows of one
 * selection, so rows do not multiply calls; aliases do, because every aliased root field is its own
 * search with its own nested levels. graphql-armor's cost counts fields and `first`, not this.
 *
 * In a composed supergraph, a remote subgraph's root fields count one each, and its fields selected under
 * one parent selection are one batched entity fetch (for every row of that level), so each remote subgraph
 * counts one per selection that reaches it, and so does coming back to the hub's graph from a remote one;
 * fields a subgraph resolves under its own parent field arrive in that same answer and count nothing. (A
 * level of more than 100 rows is fetched in batches of 100, stitched-schema.ts, and still counts once.)
 */
export function plannedBackendCalls (input: PlanInput, selectionSet: SelectionSetNode, type: GraphQLNamedType, seen = new Set<string>(), owner = HUB): number {
  // a union (e.g. `_entities`' _Entity) has no fields of its own: its members count through the fragments
  if (!isObjectType(type) && !isInterfaceType(type) && !isUnionType(type)) return 0
  const root = [input.schema.getQueryType(), input.schema.getMutationType(), input.schema.getSubscriptionType()].includes(type as never)
  let calls = 0
  const fetches = new Set<string>()
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field = isUnionType(type) ? undefined : type.getFields()[selection.name.value]
      if (!field) continue // unknown fields are refused by validation
      const target = getNamedType(field.type)
      const fieldOwner = input.remoteOwner?.(type.name, field.name) ?? HUB
      const reaches = (isObjectType(target) || isInterfaceType(target) || isUnionType(target)) && !VALUE_TYPES.has(target.name) && !isPage(type)
      if (root) {
        calls++ // each (aliased) root field is its own request, to Odoo or to a subgraph alike
      } else {
        if (fieldOwner !== owner) fetches.add(fieldOwner) // one batched entity fetch per subgraph and level
        if (fieldOwner === HUB && reaches) calls++ // the hub's reads of another model, under any parent
      }
      if (selection.selectionSet) calls += plannedBackendCalls(input, selection.selectionSet, target, seen, fieldOwner)
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? input.schema.getType(selection.typeCondition.name.value) : type
      if (on) calls += plannedBackendCalls(input, selection.selectionSet, on, seen, owner)
    } else {
      const name = selection.name.value
      const fragment = input.fragment(name)
      const on = fragment && input.schema.getType(fragment.typeCondition.name.value)
      // a fragment cycle is refused by validation; here it must only not recurse forever
      if (!fragment || !on || seen.has(name)) continue
      calls += plannedBackendCalls(input, fragment.selectionSet, on, new Set([...seen, name]), owner)
    }
  }
  return calls + fetches.size
}
