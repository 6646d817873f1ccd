import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor'
import { GraphQLError, type GraphQLSchema, type ValidationContext, type ValidationRule } from 'graphql'
import type { Plugin } from 'graphql-yoga'
import { gatewayError } from './errors.ts'
import { plannedBackendCalls } from './planned-calls.ts'

export interface QueryLimits {
  maxDepth: number, maxCost: number, maxAliases: number, maxTokens: number, maxDirectives?: number
  /** planned backend calls (Odoo and remote subgraphs) per operation (planned-calls.ts); unlimited when absent */
  maxBackendCalls?: number
  /** the remote subgraph resolving `Type.field` in the supergraph a schema belongs to */
  remoteOwners?: (schema: GraphQLSchema) => ReadonlyMap<string, string>
}

/** graphql-armor's verdicts as our QUERY_TOO_COMPLEX (HTTP 400), reported as validation errors. */
function reject (ctx: ValidationContext | null, err: GraphQLError): void {
  const coded = gatewayError('QUERY_TOO_COMPLEX', err.message.replace(/^Syntax Error: /, ''), { status: 400 })
  coded.extensions.http!.spec = false
  if (ctx) ctx.reportError(coded)
  else throw coded // the token limit runs while parsing, where there is no validation context
}

/** Refuses an operation whose planned backend calls exceed `max`, before any of them is made. */
function backendCallLimit (max: number, remoteOwners?: (schema: GraphQLSchema) => ReadonlyMap<string, string>): ValidationRule {
  return ctx => ({
    OperationDefinition (operation) {
      const type = ctx.getSchema().getRootType(operation.operation)
      if (!type) return
      const owners = remoteOwners?.(ctx.getSchema())
      const remoteOwner = owners?.size ? (typeName: string, fieldName: string) => owners.get(`${typeName}.${fieldName}`) : undefined
      const planned = plannedBackendCalls({ schema: ctx.getSchema(), fragment: name => ctx.getFragment(name), remoteOwner }, operation.selectionSet, type)
      if (planned > max) reject(ctx, new GraphQLError(`Query plans ${planned} backend calls, more than the allowed ${max}.`))
    }
  })
}

/**
 * Depth, cost, alias, directive and token limits (graphql-armor), the planned backend calls, plus no
 * field suggestions in errors ("did you mean ...?" would describe the schema to a caller without introspection).
 */
export function useQueryLimits (limits: QueryLimits): Plugin {
  const limit = { onReject: [reject], propagateOnRejection: false }
  const { maxBackendCalls } = limits
  const armor = EnvelopArmorPlugin({
    maxDepth: { n: limits.maxDepth, ...limit },
    costLimit: { maxCost: limits.maxCost, ...limit },
    maxAliases: { n: limits.maxAliases, ...limit },
    maxDirectives: { n: limits.maxDirectives ?? 20, ...limit },
    maxTokens: { n: limits.maxTokens, ...limit },
    blockFieldSuggestion: { enabled: true }
  }) as Plugin
  return {
    onPluginInit ({ addPlugin }) {
      addPlugin(armor)
      if (maxBackendCalls !== undefined) addPlugin({ onValidate: ({ addValidationRule }) => { addValidationRule(backendCallLimit(maxBackendCalls, limits.remoteOwners)) } })
    }
  }
}
