import { GraphQLError } from 'graphql'
import type { Plugin } from 'graphql-yoga'

function withCode (error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError,
    // spec: false keeps HTTP 400 even for `Accept: application/json` clients (yoga would answer 200)
    extensions: { ...error.extensions, code, http: { status: 400, spec: false } }
  })
}

/** Documents that do not parse or validate get stable codes and HTTP 400, like every request error. */
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
    }
  }
}
