import { GraphQLError } from 'graphql'
import { OdooRpcError, OdooUnavailableError } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'
import { currentRequest } from './request-context.ts'

/**
 * The error codes clients can rely on (docs/contract.md, "Gateway"). Request-level errors carry an HTTP
 * status; field-level ones do not, so one missing record never turns a partial answer into a 4xx.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'RATE_LIMITED' | 'PARTNER_UNAVAILABLE'
  | 'SERVICE_UNAVAILABLE' | 'INTERNAL' | 'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED' | 'QUERY_TOO_COMPLEX'
  | 'PERSISTED_QUERY_NOT_FOUND' | 'PERSISTED_QUERY_REQUIRED' | 'BAD_REQUEST'

export interface HttpHint { status: number, headers?: Record<string, string> }

export function gatewayError (code: ErrorCode, message: string, http?: HttpHint): GraphQLError {
  return new GraphQLError(message, { extensions: http ? { code, http } : { code } })
}

/** Same answer for "does not exist" and "belongs to someone else": existence must not leak. */
export function notFound (type: string, id: unknown): GraphQLError {
  return gatewayError('NOT_FOUND', `${type} ${String(id)} not found`)
}

export function forbidden (scope: string): GraphQLError {
  return gatewayError('FORBIDDEN', `missing scope ${scope}`)
}

export function badInput (message: string): GraphQLError {
  return gatewayError('BAD_USER_INPUT', message)
}

export function partnerUnavailable (what: string): GraphQLError {
  return gatewayError('PARTNER_UNAVAILABLE', `${what} did not answer; try again later`)
}

/** PostgreSQL data exceptions (class 22: bad date, number out of range, ...) as Odoo names them over JSON-RPC. */
const CLIENT_INPUT_REFUSED = /^psycopg2\.errors\.(DataError|InvalidDatetimeFormat|DatetimeFieldOverflow|NumericValueOutOfRange|InvalidTextRepresentation|InvalidParameterValue)$/

/** Odoo failures as the gateway reports them (translated once, at the reader boundary). */
export function fromOdooError (err: unknown): unknown {
  if (err instanceof OdooUnavailableError) return gatewayError('SERVICE_UNAVAILABLE', 'Odoo is unavailable; try again later')
  if (err instanceof OdooRpcError) {
    if (/SessionExpired/.test(err.odooErrorName)) return gatewayError('UNAUTHENTICATED', 'Odoo session expired', { status: 401 })
    if (/AccessError|AccessDenied/.test(err.odooErrorName)) return gatewayError('FORBIDDEN', 'not allowed by Odoo access rights')
    if (CLIENT_INPUT_REFUSED.test(err.odooErrorName)) {
      // a value the gateway's own checks let through: the client's fault, so a warning (ours get error level)
      currentRequest()?.log.warn({ odooError: err.odooErrorName }, 'Odoo refused a value from the client')
      return badInput('a value in the query is out of range')
    }
  }
  return err
}

function codeOf (error: unknown): string | undefined {
  if (!(error instanceof GraphQLError)) return undefined
  const code = error.extensions?.code
  if (typeof code === 'string') return code
  return codeOf(error.originalError)
}

/** A GraphQLError raised on purpose (by us, yoga or graphql-js), not one wrapping an exception. */
function isDeliberate (error: unknown): error is GraphQLError {
  if (!(error instanceof GraphQLError)) return false
  return error.originalError == null || isDeliberate(error.originalError)
}

/**
 * yoga's maskError: errors raised on purpose go out as they are (given a code when they have none);
 * anything else is replaced by INTERNAL with the correlation id and logged with its stack, which never
 * leaves the sidecar.
 */
export const createMaskError = (fallbackLog: Logger) => (error: unknown): Error => {
  if (codeOf(error) !== undefined) return error as Error
  if (isDeliberate(error)) {
    const status = error.extensions?.http?.status ?? 400
    return new GraphQLError(error.message, {
      nodes: error.nodes, source: error.source, positions: error.positions, path: error.path,
      extensions: { ...error.extensions, code: status >= 500 ? 'INTERNAL' : 'BAD_REQUEST' }
    })
  }
  const request = currentRequest()
  const original = error instanceof GraphQLError ? error.originalError ?? error : error
  ;(request?.log ?? fallbackLog).error({ err: original }, 'graphql operation failed')
  const path = error instanceof GraphQLError ? error.path : undefined
  return new GraphQLError('Internal error; quote the correlation id to support', {
    path,
    extensions: { code: 'INTERNAL', ...(request ? { correlationId: request.correlationId } : {}) }
  })
}
