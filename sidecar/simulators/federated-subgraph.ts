import type { IncomingMessage, ServerResponse } from 'node:http'
import { makeExecutableSchema } from '@graphql-tools/schema'
import { type DocumentNode, GraphQLScalarType, Kind, type GraphQLSchema, type SelectionSetNode, parse, valueFromASTUntyped } from 'graphql'
import { type YogaServerInstance, createYoga } from 'graphql-yoga'
import { jwtVerify } from 'jose'
import { FaultInjector } from './faults.ts'
import { readBody, sendJson } from './http-util.ts'

/**
 * An Apollo Federation v2 subgraph over graphql-yoga, written by hand (the subgraph spec is small, and
 * @apollo/subgraph's dependencies are Elastic-licensed). The SDL is served by `_service` exactly as
 * written, `@link` and all, because that is what a gateway composes; the schema that executes is that
 * SDL plus the spec's additions (`_Any`, `_Entity`, `_Service`, `_entities`, `_service`, the directive
 * definitions). `_entities` hands every representation of one call to `resolveEntities` at once, so a
 * test sees whether the gateway batched. The simulator that owns the HTTP server routes POST /graphql
 * here (`handle`); faults, the API key and the caller claim are applied per request, like the REST
 * simulators.
 */
export type Representation = { __typename: string } & Record<string, unknown>
export interface SubgraphCallContext { claim: Record<string, unknown> | null }
export type ResolveEntities = (representations: Representation[], ctx: SubgraphCallContext) => Promise<Array<object | null>>
/** graphql-tools resolver map; `ctx.claim` is the verified caller claim (or null) */
export type SubgraphResolvers = Record<string, unknown>

export interface SubgraphCall {
  kind: 'service' | 'entities' | 'query'
  /** what `_entities` was handed (every alias of the request); for a request refused or left hanging, its variables' */
  representations: unknown[]
  authorization: string | null
  claim: Record<string, unknown> | null
  at: number
  /** the HTTP status answered, or 'hang' for an injected timeout */
  status: number | 'hang'
}

export interface FederatedSubgraphOptions {
  sdl: string
  resolvers?: SubgraphResolvers
  resolveEntities?: ResolveEntities
  /** requests must carry `Authorization: Bearer <apiKey>`; a function reads the owner's current key */
  apiKey?: string | (() => string | undefined)
  /** when set, `x-hub-caller` must be an HS256 JWT signed with it (absent: claim null); a function as for apiKey */
  claimSecret?: string | (() => string | undefined)
  /** when set, the claim's `aud` must be it (the hub signs each subgraph's claim for that connector's code) */
  claimAudience?: string | (() => string | undefined)
  /** the owner's injector, when its faults should hit the subgraph too; else its own */
  faults?: FaultInjector
}

// Definitions the spec asks a subgraph to add. Only what the SDL does not define itself is added; the
// names follow federation v2 with @link (unimported names are namespaced `federation__`).
const FEDERATION_DIRECTIVES: Record<string, string> = {
  link: 'directive @link(url: String!, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA',
  key: 'directive @key(fields: federation__FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE',
  requires: 'directive @requires(fields: federation__FieldSet!) on FIELD_DEFINITION',
  provides: 'directive @provides(fields: federation__FieldSet!) on FIELD_DEFINITION',
  external: 'directive @external(reason: String) on OBJECT | FIELD_DEFINITION',
  shareable: 'directive @shareable repeatable on OBJECT | FIELD_DEFINITION',
  override: 'directive @override(from: String!, label: String) on FIELD_DEFINITION',
  inaccessible: 'directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION',
  tag: 'directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA'
}
const FEDERATION_TYPES: Record<string, string> = {
  link__Import: 'scalar link__Import',
  link__Purpose: 'enum link__Purpose { SECURITY EXECUTION }',
  federation__FieldSet: 'scalar federation__FieldSet',
  _Any: 'scalar _Any',
  _Service: 'type _Service { sdl: String }'
}

/**
 * Representations arrive as variables (parseValue) or inline (parseLiteral); both pass through as plain
 * objects (graphql builds inline ones without a prototype, which deepEqual and spreads trip over).
 */
const AnyScalar = new GraphQLScalarType({
  name: '_Any', serialize: v => v, parseValue: v => v, parseLiteral: (ast, vars) => JSON.parse(JSON.stringify(valueFromASTUntyped(ast, vars)))
})

interface RequestContext extends SubgraphCallContext { call: SubgraphCall, entitiesSeen: boolean }

export class FederatedSubgraph {
  readonly faults: FaultInjector
  /** one entry per HTTP request, in arrival order */
  readonly calls: SubgraphCall[] = []
  #sdl = ''
  #resolvers: SubgraphResolvers = {}
  #resolveEntities: ResolveEntities = async reps => reps.map(() => null)
  #yoga!: YogaServerInstance<{}, RequestContext>

  constructor (private options: FederatedSubgraphOptions) {
    this.faults = options.faults ?? new FaultInjector()
    this.setSdl(options.sdl, options.resolvers, options.resolveEntities)
  }

  /** the SDL `_service` serves, as written */
  get sdl (): string { return this.#sdl }

  configure (patch: Partial<Pick<FederatedSubgraphOptions, 'apiKey' | 'claimSecret' | 'claimAudience'>>): void { this.options = { ...this.options, ...patch } }

  /**
   * Swaps the schema at runtime (a partner deploying a new version). Resolvers and the entity resolver
   * stay as they were unless given. Throws when the SDL does not build, so a broken variant fails the
   * test that sets it rather than every request after.
   */
  setSdl (sdl: string, resolvers: SubgraphResolvers = this.#resolvers, resolveEntities: ResolveEntities = this.#resolveEntities): void {
    const schema = this.#buildSchema(sdl, resolvers, resolveEntities)
    this.#sdl = sdl
    this.#resolvers = resolvers
    this.#resolveEntities = resolveEntities
    // a new yoga rather than a schema function: yoga caches parsed and validated documents per instance
    this.#yoga = createYoga<{}, RequestContext>({ schema, graphqlEndpoint: '/graphql', logging: false, maskedErrors: false, graphiql: false, landingPage: false })
  }

  clearCalls (): void { this.calls.length = 0 }

  /** Node handler for POST /graphql; the owning simulator routes the path here before reading the body. */
  async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call: SubgraphCall = { kind: 'query', representations: [], authorization: req.headers.authorization ?? null, claim: null, at: Date.now(), status: 200 }
    this.calls.push(call)
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => { call.status = status; sendJson(res, status, body, headers) }
    let raw: string
    let body: { query?: unknown, variables?: unknown, operationName?: unknown }
    try {
      if (req.method !== 'POST') return answer(405, errorBody('POST only'), { allow: 'POST' })
      raw = await readBody(req)
      body = JSON.parse(raw)
    } catch (err) {
      return answer(400, errorBody((err as Error).message))
    }
    call.kind = kindOf(body)
    const vars = body.variables as { representations?: unknown } | null | undefined
    if (call.kind === 'entities' && Array.isArray(vars?.representations)) call.representations = vars.representations

    const verdict = await this.faults.next()
    if (verdict.kind === 'hang') { call.status = 'hang'; return }
    if (verdict.kind === 'rate_limit') return answer(429, errorBody('rate limited'), { 'retry-after': String(verdict.retryAfter) })
    if (verdict.kind === 'fail') return answer(verdict.status, verdict.body ?? errorBody('injected failure'))

    const apiKey = read(this.options.apiKey)
    if (apiKey && call.authorization !== `Bearer ${apiKey}`) return answer(401, errorBody('bad api key', 'UNAUTHENTICATED'))
    const claimed = await this.#claim(req.headers['x-hub-caller'])
    if (claimed === 'invalid') return answer(401, errorBody('bad caller claim', 'UNAUTHENTICATED'))
    call.claim = claimed

    const ctx: RequestContext = { claim: claimed, call, entitiesSeen: false }
    const response = await this.#yoga.fetch('http://subgraph/graphql', {
      method: 'POST', body: raw, headers: { 'content-type': 'application/json', accept: req.headers.accept ?? 'application/json' }
    }, ctx)
    call.status = response.status
    res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'application/json' })
    res.end(await response.text())
  }

  async #claim (header: string | string[] | undefined): Promise<Record<string, unknown> | null | 'invalid'> {
    const secret = read(this.options.claimSecret)
    if (!secret || header === undefined) return null
    try {
      const { payload } = await jwtVerify(String(header), new TextEncoder().encode(secret), { algorithms: ['HS256'], audience: read(this.options.claimAudience) })
      return payload as Record<string, unknown>
    } catch {
      return 'invalid' // bad signature, expired, another audience, malformed: not a claim for us
    }
  }

  #buildSchema (sdl: string, resolvers: SubgraphResolvers, resolveEntities: ResolveEntities): GraphQLSchema {
    const doc = parse(sdl)
    const defined = new Set<string>()
    const entities = new Set<string>()
    let hasQuery = false
    for (const def of doc.definitions) {
      if (def.kind === Kind.DIRECTIVE_DEFINITION) defined.add(`@${def.name.value}`)
      if ('name' in def && def.name && def.kind !== Kind.DIRECTIVE_DEFINITION) defined.add(def.name.value)
      if (def.kind === Kind.OBJECT_TYPE_DEFINITION && def.name.value === 'Query') hasQuery = true
      if ((def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.OBJECT_TYPE_EXTENSION) && def.directives?.some(d => d.name.value === 'key')) entities.add(def.name.value)
    }
    const additions = [
      ...Object.entries(FEDERATION_DIRECTIVES).filter(([name]) => !defined.has(`@${name}`)).map(([, d]) => d),
      ...Object.entries(FEDERATION_TYPES).filter(([name]) => !defined.has(name)).map(([, d]) => d)
    ]
    // the spec: no entities, no _Entity union and no _entities field
    const rootFields = ['_service: _Service!']
    if (entities.size) {
      additions.push(`union _Entity = ${[...entities].join(' | ')}`)
      rootFields.unshift('_entities(representations: [_Any!]!): [_Entity]!')
    }
    additions.push(`${hasQuery ? 'extend type' : 'type'} Query { ${rootFields.join('\n')} }`)

    const user = resolvers as Record<string, Record<string, unknown>>
    const entityResolvers: Record<string, unknown> = {}
    if (entities.size) entityResolvers._Entity = { __resolveType: (obj: { __typename?: string }) => obj.__typename }
    return makeExecutableSchema<RequestContext>({
      typeDefs: [doc, additions.join('\n')],
      // one resolver map serves every variant: a field a variant drops keeps its (unused) resolver
      resolverValidationOptions: { requireResolversToMatchSchema: 'ignore' },
      resolvers: {
        ...user,
        ...entityResolvers,
        _Any: AnyScalar,
        Query: {
          ...user.Query,
          _service: () => ({ sdl: this.#sdl }),
          _entities: async (_: unknown, { representations }: { representations: Representation[] }, ctx: RequestContext) => {
            // one call of the entity resolver per field, with every representation: batching is visible
            ctx.call.representations = ctx.entitiesSeen ? [...ctx.call.representations, ...representations] : [...representations]
            ctx.entitiesSeen = true
            const found = await resolveEntities(representations, { claim: ctx.claim })
            if (found.length !== representations.length) throw new Error(`resolveEntities answered ${found.length} entities for ${representations.length} representations`)
            return found.map((entity, i) => entity && { __typename: representations[i]!.__typename, ...entity })
          }
        }
      }
    })
  }
}

const read = (setting: string | (() => string | undefined) | undefined): string | undefined => typeof setting === 'function' ? setting() : setting

function errorBody (message: string, code?: string): unknown {
  return { errors: [{ message, ...(code ? { extensions: { code } } : {}) }] }
}

/** What a request asks for, read from its root fields: `_entities` wins over `_service` over the rest. */
function kindOf (body: { query?: unknown, operationName?: unknown }): SubgraphCall['kind'] {
  let doc: DocumentNode
  try { doc = parse(String(body.query ?? '')) } catch { return 'query' }
  const fragments = new Map(doc.definitions.flatMap(d => d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : []))
  const ops = doc.definitions.filter(d => d.kind === Kind.OPERATION_DEFINITION)
  const op = ops.find(o => o.name?.value === body.operationName) ?? ops[0]
  const names = new Set<string>()
  const collect = (set: SelectionSetNode, depth: number): void => {
    if (depth > 8) return
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) names.add(s.name.value)
      else if (s.kind === Kind.INLINE_FRAGMENT) collect(s.selectionSet, depth + 1)
      else { const f = fragments.get(s.name.value); if (f) collect(f, depth + 1) }
    }
  }
  if (op) collect(op.selectionSet, 0)
  return names.has('_entities') ? 'entities' : names.has('_service') ? 'service' : 'query'
}
