import type { Plugin } from 'graphql-yoga'
import { gatewayError } from './errors.ts'
import { sha256 } from './persisted.ts'

export interface PersistedOptions {
  operations: ReadonlyMap<string, string>
  /** HUB_GATEWAY_PERSISTED_ONLY: nothing but registered operations runs */
  only: boolean
}

/**
 * Persisted operations, sent the Apollo way (`extensions.persistedQuery.sha256Hash`, query optional).
 * In persisted-only mode an ad-hoc document is refused unless its text is itself registered, so a
 * stolen token cannot run arbitrary queries. Unknown hashes are never learnt from clients.
 */
export function usePersistedOperations ({ operations, only }: PersistedOptions): Plugin {
  return {
    onParams ({ params, setParams, setResult }) {
      const persisted = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery
      if (persisted !== undefined) {
        const hash = typeof persisted.sha256Hash === 'string' ? persisted.sha256Hash.toLowerCase() : ''
        const document = operations.get(hash)
        if (!document) return setResult({ errors: [gatewayError('PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound', { status: 400 })] })
        if (params.query && sha256(params.query) !== hash) return setResult({ errors: [gatewayError('BAD_REQUEST', 'query does not match its sha256Hash', { status: 400 })] })
        const { persistedQuery: _, ...extensions } = params.extensions ?? {}
        return setParams({ ...params, query: document, extensions })
      }
      if (only && !(typeof params.query === 'string' && operations.has(sha256(params.query)))) {
        setResult({ errors: [gatewayError('PERSISTED_QUERY_REQUIRED', 'only registered operations are accepted; send extensions.persistedQuery.sha256Hash', { status: 403 })] })
      }
    }
  }
}
