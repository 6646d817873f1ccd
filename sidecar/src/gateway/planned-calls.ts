import {
  type FragmentDefinitionNode, type GraphQLNamedType, type GraphQLSchema, type SelectionSetNode, Kind, getNamedType,
  isInterfaceType, isObjectType
} from 'graphql'

/** Object types read with the row that holds them: selecting them costs no call of its own. */
const VALUE_TYPES = new Set(['PageInfo', 'RecordRef'])
/** A connection's edges and nodes are the rows of its root field's one search. */
const isPage = (type: GraphQLNamedType): boolean => /(Connection|Edge)$/.test(type.name)

export interface PlanInput {
  schema: GraphQLSchema
  fragment: (name: string) => FragmentDefinitionNode | null | undefined
}

/**
 * How many backend (Odoo) calls an operation plans, at most: each root field and each nested field that
 * reaches another model (object or list of objects) counts one, once per alias and per place it is
 * selected (fragments expanded). The loaders batch one nested field over all parent rows of one
 * selection, so rows do not multiply calls; aliases do, because every aliased root field is its own
 * search with its own nested levels. graphql-armor's cost counts fields and `first`, not this.
 */
export function plannedBackendCalls (input: PlanInput, selectionSet: SelectionSetNode, type: GraphQLNamedType, seen = new Set<string>()): number {
  if (!isObjectType(type) && !isInterfaceType(type)) return 0
  const root = input.schema.getQueryType() === type
  let calls = 0
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field = type.getFields()[selection.name.value]
      if (!field) continue // unknown fields are refused by validation
      const target = getNamedType(field.type)
      const reaches = (isObjectType(target) || isInterfaceType(target)) && !VALUE_TYPES.has(target.name) && !isPage(type)
      if (root || reaches) calls++
      if (selection.selectionSet) calls += plannedBackendCalls(input, selection.selectionSet, target, seen)
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? input.schema.getType(selection.typeCondition.name.value) : type
      if (on) calls += plannedBackendCalls(input, selection.selectionSet, on, seen)
    } else {
      const name = selection.name.value
      const fragment = input.fragment(name)
      const on = fragment && input.schema.getType(fragment.typeCondition.name.value)
      // a fragment cycle is refused by validation; here it must only not recurse forever
      if (!fragment || !on || seen.has(name)) continue
      calls += plannedBackendCalls(input, fragment.selectionSet, on, new Set([...seen, name]))
    }
  }
  return calls
}
