import { readFileSync, readdirSync } from 'node:fs'
import { makeExecutableSchema } from '@graphql-tools/schema'
import {
  type ConstDirectiveNode, type GraphQLField, type GraphQLFieldResolver, type GraphQLSchema, Kind, defaultFieldResolver,
  getNamedType, isNonNullType, isObjectType
} from 'graphql'
import type { GatewayContext } from './context.ts'
import { forbidden } from './errors.ts'
import { billingResolvers } from './resolvers/billing.ts'
import { exceptionResolvers } from './resolvers/exceptions.ts'
import { federationResolvers } from './resolvers/federation.ts'
import { inventoryResolvers } from './resolvers/inventory.ts'
import { orderResolvers } from './resolvers/orders.ts'
import { shipmentResolvers } from './resolvers/shipments.ts'
import { viewerResolvers } from './resolvers/viewer.ts'
import { AnyScalar, DateTimeScalar } from './scalars.ts'

const GRAPHQL_DIR = new URL('../../../graphql/', import.meta.url)
const FEDERATION_FILE = 'federation.graphql'

/** The canonical SDL: every graphql/*.graphql file (one per domain) plus the federation fields. */
function loadTypeDefs (dir: URL = GRAPHQL_DIR): { domain: string[], federation: string } {
  const files = readdirSync(dir).filter(f => f.endsWith('.graphql')).sort()
  return {
    domain: files.filter(f => f !== FEDERATION_FILE).map(f => readFileSync(new URL(f, dir), 'utf8')),
    federation: readFileSync(new URL(FEDERATION_FILE, dir), 'utf8')
  }
}

/** Where the hub's own subgraph sits in a supergraph it composes (served in process, never fetched). */
export const LOCAL_SUBGRAPH_URL = 'http://logistics-hub.local/graphql'

/** What `_service { sdl }` serves: the domain SDL as written (with @key), as a Federation 2 subgraph. */
export function subgraphSdl (domain: string[] = loadTypeDefs().domain): string {
  return ['extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])', ...domain].join('\n\n')
}

function scopeOf (directives: readonly ConstDirectiveNode[] | undefined): string | null {
  const arg = directives?.find(d => d.name.value === 'scope')?.arguments?.find(a => a.name.value === 'requires')
  return arg?.value.kind === Kind.STRING ? arg.value.value : null
}

/** Scopes a field needs: its own @scope and the @scope of the type it returns. */
function requiredScopes (field: GraphQLField<unknown, unknown>): string[] {
  const target = getNamedType(field.type)
  const scopes = [scopeOf(field.astNode?.directives), isObjectType(target) ? scopeOf(target.astNode?.directives) : null]
  return [...new Set(scopes.filter((s): s is string => s !== null))]
}

/**
 * Wraps one field, at build time: its scopes are checked before its resolver runs (a missing scope is
 * null + FORBIDDEN for that field only), and, when the caller's audience must not see it, it resolves to
 * null without being read. Only nullable fields can be hidden; ids and quantities stay.
 */
export function guardField (typeName: string, field: GraphQLField<unknown, GatewayContext>, scopes: readonly string[]): void {
  const hideable = !isNonNullType(field.type)
  if (scopes.length === 0 && !hideable) return
  const inner: GraphQLFieldResolver<unknown, GatewayContext> = field.resolve ?? defaultFieldResolver
  field.resolve = (source, args, ctx: GatewayContext, info) => {
    for (const scope of scopes) if (!ctx.caller.scopes.has(scope as never)) throw forbidden(scope)
    if (hideable && ctx.exposure.hides(typeName, field.name)) return null
    return inner(source, args, ctx, info)
  }
}

/** Every field of the hub's own graph, guarded once by the scopes its SDL declares. */
function guardFields (schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue
    for (const field of Object.values(type.getFields())) guardField(type.name, field, requiredScopes(field))
  }
}

export function buildGatewaySchema (dir?: URL): GraphQLSchema {
  const { domain, federation } = loadTypeDefs(dir)
  const schema = makeExecutableSchema<GatewayContext>({
    typeDefs: [...domain, federation],
    resolvers: [
      { DateTime: DateTimeScalar, _Any: AnyScalar },
      viewerResolvers, orderResolvers, shipmentResolvers, inventoryResolvers, billingResolvers, exceptionResolvers,
      federationResolvers(subgraphSdl(domain))
    ] as any[]
  })
  guardFields(schema)
  return schema
}
