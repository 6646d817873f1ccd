import {
  type DocumentNode, type FieldDefinitionNode, Kind, type ObjectTypeDefinitionNode, type ObjectTypeExtensionNode, type TypeNode, visit
} from 'graphql'

/** What the partner graph serves of a remote subgraph's SDL, and what was left out and why. */
export interface SanitizedSdl { typeDefs: DocumentNode, leftOut: string[] }

const namedType = (type: TypeNode): string => type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type)

type ObjectNode = ObjectTypeDefinitionNode | ObjectTypeExtensionNode
const isObjectNode = (node: { kind: Kind }): node is ObjectNode => node.kind === Kind.OBJECT_TYPE_DEFINITION || node.kind === Kind.OBJECT_TYPE_EXTENSION

/**
 * A remote subgraph may add fields to the hub's records and types of its own; it may not change what the
 * partner graph promises:
 * - no mutations or subscriptions: the partner graph is read-only, and a remote write with the hub's
 *   credentials on a partner's behalf is not something a scope governs;
 * - no field that returns one of the hub's entity types outside that type itself (`Vehicle.shipments`,
 *   `Query.recentShipments`): the gateway would fetch other subgraphs' fields for the keys that subgraph
 *   chose, never asking the hub's partner-scoped reader whose records they are.
 * Such fields are left out (named in `leftOut`, reported on the connector); a type left without fields
 * goes too, with the fields that return it.
 */
export function sanitizeRemoteSdl (typeDefs: DocumentNode, hubEntities: ReadonlySet<string>): SanitizedSdl {
  const leftOut: string[] = []
  const removedTypes = new Set<string>(['Mutation', 'Subscription'])
  for (const def of typeDefs.definitions) {
    if (isObjectNode(def) && removedTypes.has(def.name.value)) {
      for (const field of def.fields ?? []) leftOut.push(`${def.name.value}.${field.name.value} (the partner graph is read-only)`)
    }
  }
  let current = typeDefs
  for (let changed = true; changed;) {
    changed = false
    current = visit(current, {
      enter (node) {
        if (!isObjectNode(node)) return undefined
        const owner = node.name.value
        if (removedTypes.has(owner)) { changed = true; return null }
        const kept = (node.fields ?? []).filter((field: FieldDefinitionNode) => {
          const target = namedType(field.type)
          const why = removedTypes.has(target)
            ? `returns ${target}, which is left out`
            : hubEntities.has(target) && target !== owner
              ? `returns the hub's ${target}: partners reach ${target} records through the hub's own fields only`
              : null
          if (why) leftOut.push(`${owner}.${field.name.value} (${why})`)
          return why === null
        })
        if (kept.length === (node.fields ?? []).length) return undefined
        changed = true
        if (!kept.length) { removedTypes.add(owner); return null }
        return { ...node, fields: kept }
      }
    })
  }
  return { typeDefs: current, leftOut }
}

/** `Type` -> its key fields (`@key(fields: "...")`, top-level names), over every subgraph's SDL. */
export function entityKeys (docs: DocumentNode[]): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>()
  for (const doc of docs) {
    for (const def of doc.definitions) {
      if (!isObjectNode(def)) continue
      for (const directive of def.directives ?? []) {
        if (directive.name.value !== 'key') continue
        const fields = directive.arguments?.find(a => a.name.value === 'fields')?.value
        if (fields?.kind !== Kind.STRING) continue
        const set = keys.get(def.name.value) ?? new Set<string>()
        // top-level field names of the selection ("id", "sku", "owner { id }" -> owner)
        for (const name of fields.value.replace(/\{[^}]*\}/g, ' ').split(/[\s,]+/).filter(Boolean)) set.add(name)
        keys.set(def.name.value, set)
      }
    }
  }
  return keys
}
