import type { GraphQLError } from 'graphql'
import type { Plugin } from 'graphql-yoga'
import type { Authenticate } from '../auth/authenticate.ts'
import { AuthenticationError, type Caller } from '../auth/caller.ts'
import type { Logger } from '../observability/logger.ts'
import type { GatewayContext, RequestData } from './context.ts'
import { gatewayError } from './errors.ts'
import { currentRequest } from './request-context.ts'

const callers = new WeakMap<Request, Caller>()

/** The caller the authentication plugin resolved for this HTTP request. */
export function callerOf (request: Request): Caller | undefined {
  return callers.get(request)
}

/** A GraphQL-shaped error answer outside yoga's execution (no operation ran). */
function errorResponse (fetchAPI: { Response: typeof Response }, error: GraphQLError): Response {
  const http = error.extensions.http
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.extensions.code } }] }), {
    status: http?.status ?? 400,
    headers: { 'content-type': 'application/json; charset=utf-8', ...http?.headers }
  })
}

export interface AuthenticationOptions {
  authenticate: Authenticate
  /** per-operation data (scoped loaders, exposure, live sources) for a caller */
  createData: (caller: Caller) => Promise<RequestData>
  log: Logger
}

/**
 * Authenticates once per HTTP request, before the document is even parsed: an anonymous caller learns
 * nothing about the schema, not even from validation errors. The caller then reaches every operation of
 * the request (batches included) through its context, together with data sources built for it alone.
 */
export function useAuthentication ({ authenticate, createData, log }: AuthenticationOptions): Plugin<GatewayContext> {
  return {
    async onRequest ({ request, endResponse, fetchAPI }) {
      try {
        callers.set(request, await authenticate(request))
      } catch (err) {
        if (err instanceof AuthenticationError) {
          return endResponse(errorResponse(fetchAPI, gatewayError('UNAUTHENTICATED', err.message, { status: 401, headers: { 'www-authenticate': err.challenge } })))
        }
        ;(currentRequest()?.log ?? log).error({ err }, 'authentication failed unexpectedly')
        endResponse(errorResponse(fetchAPI, gatewayError('SERVICE_UNAVAILABLE', 'authentication is unavailable; try again later', { status: 503 })))
      }
    },
    async onContextBuilding ({ context, extendContext }) {
      const caller = callers.get(context.request)
      if (!caller) throw gatewayError('UNAUTHENTICATED', 'missing credentials', { status: 401 })
      extendContext({ caller, ...(await createData(caller)) })
    }
  }
}
