import { SpanStatusCode, trace } from '@opentelemetry/api'
import type { ExecutionRequest, ExecutionResult, Executor } from '@graphql-tools/utils'
import { GraphQLError, print } from 'graphql'
import { request } from 'undici'
import { type BreakerRegistry, CircuitOpenError } from '../../shipping/breakers.ts'
import type { BackendBudget } from '../backend-budget.ts'
import type { GatewayContext } from '../context.ts'
import { currentRequest } from '../request-context.ts'
import { traceHeaders } from '../../observability/trace.ts'
import { CALLER_CLAIM_HEADER, callerClaim } from './caller-claim.ts'
import type { SubgraphMetrics } from './subgraph-metrics.ts'

/** A remote subgraph as a hub.connector of adapter graphql_subgraph configures it. */
export interface RemoteSubgraph {
  code: string
  /** shown to partners in errors: the connector's name */
  name: string
  url: string
  secret: string | null
  timeoutMs: number
}

export interface SubgraphCallDeps {
  breakers: BreakerRegistry
  /** per subgraph: one caller's load on it never takes another caller's share */
  budgets: (code: string) => BackendBudget
  metrics: SubgraphMetrics
  /** the `iss` of caller claims */
  issuer: string
}

/** A subgraph that did not answer usefully (transport failure, timeout, 5xx, not GraphQL): counts for its breaker. */
class SubgraphUnavailable extends Error {}

const MAX_ANSWER_BYTES = 10 * 1024 * 1024
const tracer = trace.getTracer('odoo-logistics-hub/gateway')

/**
 * Calls one remote subgraph for the gateway's query plan: with the connector's credentials (never the
 * partner's token) and a signed claim of the caller, within the connector's timeout, through its circuit
 * breaker and the caller's share of it. A subgraph that fails yields `PARTNER_UNAVAILABLE` naming it for the
 * fields it owns; the rest of the answer is served. GraphQL errors it returns are passed on, named.
 */
export function remoteExecutor (subgraph: RemoteSubgraph, deps: SubgraphCallDeps): Executor {
  return (async (req: ExecutionRequest): Promise<ExecutionResult> => {
    const ctx = req.context as GatewayContext | undefined
    const operation = req.document.definitions.some(d => d.kind === 'OperationDefinition' && d.selectionSet.selections.some(s => s.kind === 'Field' && s.name.value === '_entities')) ? 'entities' : 'query'
    const started = performance.now()
    return await tracer.startActiveSpan(`subgraph ${subgraph.code}`, { attributes: { 'hub.subgraph': subgraph.code, 'graphql.operation.type': operation } }, async span => {
      try {
        const result = await deps.breakers.run(`subgraph:${subgraph.code}`, async () =>
          await deps.budgets(subgraph.code).run(ctx?.caller.rateKey ?? 'anonymous', async () => await post(subgraph, req, ctx, deps.issuer)))
        deps.metrics.observe(subgraph.code, result.errors?.length ? 'graphql_error' : 'ok', performance.now() - started)
        span.setAttribute('graphql.errors', result.errors?.length ?? 0)
        return named(subgraph, result)
      } catch (err) {
        // an open breaker answers at once, without calling the subgraph
        const reason = err instanceof CircuitOpenError ? 'it failed repeatedly and is paused' : (err as Error).message
        deps.metrics.observe(subgraph.code, 'unavailable', performance.now() - started)
        span.setStatus({ code: SpanStatusCode.ERROR, message: reason })
        ctx?.log.warn({ subgraph: subgraph.code, reason }, 'subgraph unavailable')
        return { errors: [unavailable(subgraph, reason)] }
      } finally {
        span.end()
      }
    })
  }) as Executor
}

async function post (subgraph: RemoteSubgraph, req: ExecutionRequest, ctx: GatewayContext | undefined, issuer: string): Promise<ExecutionResult> {
  const correlationId = currentRequest()?.correlationId
  const claim = ctx ? await callerClaim(ctx.caller, subgraph, issuer) : null
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
    'user-agent': 'odoo-logistics-hub',
    ...(subgraph.secret ? { authorization: `Bearer ${subgraph.secret}` } : {}),
    ...(claim ? { [CALLER_CLAIM_HEADER]: claim } : {}),
    ...(correlationId ? traceHeaders(correlationId) : {})
  }
  let answer
  try {
    answer = await request(subgraph.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: print(req.document), variables: req.variables, operationName: req.operationName }),
      headersTimeout: subgraph.timeoutMs,
      bodyTimeout: subgraph.timeoutMs,
      signal: AbortSignal.timeout(subgraph.timeoutMs)
    })
  } catch (err) {
    const e = err as Error & { code?: string }
    throw new SubgraphUnavailable(e.name === 'TimeoutError' || /timeout/i.test(e.code ?? '') ? `no answer within ${subgraph.timeoutMs} ms` : `unreachable (${e.code ?? e.message})`)
  }
  const text = await answer.body.text().catch(() => '')
  if (answer.statusCode >= 500 || answer.statusCode === 429 || answer.statusCode === 401 || answer.statusCode === 403) {
    throw new SubgraphUnavailable(`HTTP ${answer.statusCode}`)
  }
  if (text.length > MAX_ANSWER_BYTES) throw new SubgraphUnavailable('its answer is too large')
  let parsed: unknown
  try { parsed = JSON.parse(text) } catch { throw new SubgraphUnavailable(`HTTP ${answer.statusCode} without a GraphQL answer`) }
  if (!parsed || typeof parsed !== 'object' || !('data' in parsed || 'errors' in parsed)) throw new SubgraphUnavailable(`HTTP ${answer.statusCode} without a GraphQL answer`)
  return parsed as ExecutionResult
}

function unavailable (subgraph: RemoteSubgraph, reason: string): GraphQLError {
  return new GraphQLError(`${subgraph.name} did not answer (${reason}); its fields are null, try again later`, {
    extensions: { code: 'PARTNER_UNAVAILABLE', subgraph: subgraph.code }
  })
}

/** The subgraph's own GraphQL errors, kept, with the subgraph's code so a reader knows where they came from. */
function named (subgraph: RemoteSubgraph, result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result
  return {
    ...result,
    errors: result.errors.map(e => new GraphQLError(e.message, {
      path: e.path, extensions: { code: typeof e.extensions?.code === 'string' ? e.extensions.code : 'PARTNER_ERROR', subgraph: subgraph.code }
    }))
  }
}
