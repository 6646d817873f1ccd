import { GraphQLError, type GraphQLSchema, Kind, type ValidationRule } from 'graphql'
import type { Plugin } from 'graphql-yoga'

/**
 * Refuses an alias that stands in for an entity's key field (`shipments { trackingNumber: origin }`). The
 * supergraph's planner reads the key of an entity from the answer by its response name, so such an alias
 * would send a subgraph whatever value the caller put there, as if it were the key of a record the caller
 * may see: another partner's order id, say.
 */
function keyAliasRule (keyFields: ReadonlyMap<string, ReadonlySet<string>>): ValidationRule {
  return ctx => ({
    [Kind.FIELD] (node) {
      const alias = node.alias?.value
      const parent = ctx.getParentType()
      if (!alias || !parent || alias === node.name.value) return
      const keys = keyFields.get(parent.name)
      if (keys && (keys.has(alias) || alias === '__typename')) {
        ctx.reportError(new GraphQLError(`The alias "${alias}" names a key field of ${parent.name}; alias another name.`, {
          nodes: node, extensions: { code: 'BAD_USER_INPUT', http: { status: 400, spec: false } }
        }))
      }
    }
  })
}

export function useKeyAliases (keyFieldsOf: (schema: GraphQLSchema) => ReadonlyMap<string, ReadonlySet<string>>): Plugin {
  return {
    onValidate ({ params, addValidationRule }) {
      const keyFields = keyFieldsOf(params.schema)
      if (keyFields.size) addValidationRule(keyAliasRule(keyFields))
    }
  }
}
