import { SpanStatusCode, trace } from '@opentelemetry/api'
import type { ExecutionRequest, ExecutionResult, Executor } from '@graphql-tools/utils'
import { GraphQLError, Kind, print } from 'graphql'
import { type BreakerRegistry, CircuitOpenError } from '../../shipping/breakers.ts'
import type { BackendBudget } from '../backend-budget.ts'
import type { GatewayContext } from '../context.ts'
import { currentRequest } from '../request-context.ts'
import { traceHeaders } from '../../observability/trace.ts'
import { CALLER_CLAIM_HEADER, callerClaim } from './caller-claim.ts'
import { discard } from './limited-body.ts'
import { type RemoteSubgraph, SubgraphUnavailable, postToSubgraph, subgraphText } from './subgraph-http.ts'
import type { SubgraphMetrics } from './subgraph-metrics.ts'

export interface SubgraphCallDeps {
  breakers: BreakerRegistry
  /** per subgraph: one caller's load on it never takes another caller's share */
  budgets: (code: string) => BackendBudget
  metrics: SubgraphMetrics
  /** the `iss` of caller claims */
  issuer: string
}


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
    const fetchesEntities = req.document.definitions.some(d => d.kind === Kind.OPERATION_DEFINITION &&
      d.selectionSet.selections.some(s => s.kind === Kind.FIELD && s.name.value === '_entities'))
    const operation = fetchesEntities ? 'entities' : 'query'
    const started = performance.now()
    return await tracer.startActiveSpan(`subgraph ${subgraph.code}`, { attributes: { 'hub.subgraph': subgraph.code, 'graphql.operation.type': operation } }, async span => {
      try {
        const result = await withinDeadline(subgraph, deps, ctx?.caller.rateKey ?? 'anonymous', async timeoutMs =>
          await deps.breakers.run(`subgraph:${subgraph.code}`, async () => await post(subgraph, timeoutMs, req, ctx, deps.issuer)))
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

/**
 * The connector's timeout counts from when the gateway needs the answer, waiting for the caller's share
 * included: a call still queued at its deadline is given up (and never made); one that starts gets what is
 * left. The breaker is asked after the wait, so calls queued while it opened are not made either.
 */
async function withinDeadline<T> (subgraph: RemoteSubgraph, deps: SubgraphCallDeps, callerKey: string, call: (timeoutMs: number) => Promise<T>): Promise<T> {
  const deadline = performance.now() + subgraph.timeoutMs
  let expired = false
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { expired = true; reject(new SubgraphUnavailable(`no answer within ${subgraph.timeoutMs} ms`)) }, subgraph.timeoutMs)
  })
  const work = deps.budgets(subgraph.code).run(callerKey, async () => {
    if (expired) throw new SubgraphUnavailable(`no answer within ${subgraph.timeoutMs} ms`)
    return await call(Math.max(1, Math.round(deadline - performance.now())))
  })
  // given up at the deadline: what the queued or running call ends with later is nobody's answer
  work.catch(() => {})
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}

async function post (subgraph: RemoteSubgraph, timeoutMs: number, req: ExecutionRequest, ctx: GatewayContext | undefined, issuer: string): Promise<ExecutionResult> {
  const correlationId = currentRequest()?.correlationId
  const claim = ctx ? await callerClaim(ctx.caller, subgraph, issuer) : null
  const answer = await postToSubgraph(subgraph, timeoutMs, { query: print(req.document), variables: req.variables, operationName: req.operationName }, {
    ...(claim ? { [CALLER_CLAIM_HEADER]: claim } : {}),
    ...(correlationId ? traceHeaders(correlationId) : {})
  })
  if (answer.statusCode >= 500 || answer.statusCode === 429 || answer.statusCode === 401 || answer.statusCode === 403) {
    discard(answer)
    throw new SubgraphUnavailable(`HTTP ${answer.statusCode}`)
  }
  const text = await subgraphText(subgraph, answer)
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
