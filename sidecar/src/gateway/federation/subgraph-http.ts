import { type Dispatcher, request } from 'undici'
import { AnswerTooLarge, readLimited } from './limited-body.ts'

/** A remote subgraph as a hub.connector of adapter graphql_subgraph configures it. */
export interface RemoteSubgraph {
  code: string
  /** shown to partners in errors: the connector's name */
  name: string
  url: string
  secret: string | null
  timeoutMs: number
}

/** A subgraph that did not answer usefully (transport failure, timeout, 5xx, not GraphQL): counts for its breaker. */
export class SubgraphUnavailable extends Error {}

/**
 * POSTs a GraphQL request to a subgraph with the connector's key, for the query plan and for its SDL alike;
 * a transport failure or the timeout is SubgraphUnavailable with a reason people can read.
 */
export async function postToSubgraph (subgraph: RemoteSubgraph, timeoutMs: number, body: unknown, headers: Record<string, string> = {}): Promise<Dispatcher.ResponseData> {
  try {
    return await request(subgraph.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        'user-agent': 'odoo-logistics-hub',
        ...(subgraph.secret ? { authorization: `Bearer ${subgraph.secret}` } : {}),
        ...headers
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs)
    })
  } catch (err) {
    const e = err as Error & { code?: string }
    throw new SubgraphUnavailable(e.name === 'TimeoutError' || /timeout/i.test(e.code ?? '') ? `no answer within ${subgraph.timeoutMs} ms` : `unreachable (${e.code ?? e.message})`)
  }
}

/** The answer's text, capped (limited-body.ts); too large or cut off by the timeout is SubgraphUnavailable. */
export async function subgraphText (subgraph: RemoteSubgraph, answer: Dispatcher.ResponseData): Promise<string> {
  try { return await readLimited(answer) } catch (err) {
    throw new SubgraphUnavailable(err instanceof AnswerTooLarge ? err.message : `no answer within ${subgraph.timeoutMs} ms`)
  }
}
