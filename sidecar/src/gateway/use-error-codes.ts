import { GraphQLError } from 'graphql'
import type { Plugin } from 'graphql-yoga'

interface HttpExtension { status?: number, spec?: boolean }

function withCode (error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError,
    extensions: { ...error.extensions, code, http: { status: 400 } }
  })
}

function errorsOf (result: unknown): unknown[] {
  if (Array.isArray(result)) return result.flatMap(errorsOf) // batched requests
  const errors = (result as { errors?: unknown } | null)?.errors
  return Array.isArray(errors) ? errors : []
}

/**
 * Documents that do not parse or validate get stable codes and HTTP 400, like every request error.
 * An error that carries an HTTP status is a request error (errors.ts), and its status is the answer's
 * whatever the Accept header: yoga answers `spec: true` errors with 200 to `Accept: application/json`,
 * and its own parse hook (running after ours, on parse errors and graphql-armor's token limit alike)
 * turns `spec` to true, so the flag is cleared here, just before the response is built.
 */
export function useErrorCodes (): Plugin {
  return {
    onParse () {
      return ({ result, replaceParseResult }) => {
        if (result instanceof GraphQLError && result.extensions.code === undefined) replaceParseResult(withCode(result, 'GRAPHQL_PARSE_FAILED'))
      }
    },
    onValidate () {
      return ({ valid, result, setResult }) => {
        if (!valid) setResult(result.map(e => e.extensions.code === undefined ? withCode(e, 'GRAPHQL_VALIDATION_FAILED') : e))
      }
    },
    onResultProcess ({ result }) {
      for (const error of errorsOf(result)) {
        const http = (error as { extensions?: { http?: HttpExtension } }).extensions?.http
        if (http?.status !== undefined) http.spec = false
      }
    }
  }
}
