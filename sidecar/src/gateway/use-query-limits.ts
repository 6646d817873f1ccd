import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor'
import type { GraphQLError, ValidationContext } from 'graphql'
import type { Plugin } from 'graphql-yoga'
import { gatewayError } from './errors.ts'

export interface QueryLimits { maxDepth: number, maxCost: number, maxAliases: number, maxTokens: number, maxDirectives?: number }

/** graphql-armor's verdicts as our QUERY_TOO_COMPLEX (HTTP 400), reported as validation errors. */
function reject (ctx: ValidationContext | null, err: GraphQLError): void {
  const coded = gatewayError('QUERY_TOO_COMPLEX', err.message.replace(/^Syntax Error: /, ''), { status: 400 })
  coded.extensions.http!.spec = false
  if (ctx) ctx.reportError(coded)
  else throw coded // the token limit runs while parsing, where there is no validation context
}

/**
 * Depth, cost, alias, directive and token limits (graphql-armor), plus no field suggestions in errors
 * ("did you mean ...?" would describe the schema to a caller without introspection).
 */
export function useQueryLimits (limits: QueryLimits): Plugin {
  const limit = { onReject: [reject], propagateOnRejection: false }
  return EnvelopArmorPlugin({
    maxDepth: { n: limits.maxDepth, ...limit },
    costLimit: { maxCost: limits.maxCost, ...limit },
    maxAliases: { n: limits.maxAliases, ...limit },
    maxDirectives: { n: limits.maxDirectives ?? 20, ...limit },
    maxTokens: { n: limits.maxTokens, ...limit },
    blockFieldSuggestion: { enabled: true }
  }) as Plugin
}
