import { AsyncLocalStorage } from 'node:async_hooks'
import type { Logger } from '../observability/logger.ts'

/**
 * The HTTP request a GraphQL operation belongs to. yoga's error masking and logging hooks receive no
 * request, so the correlation id reaches them through async context instead of arguments.
 */
export interface RequestScope { correlationId: string, log: Logger }

const storage = new AsyncLocalStorage<RequestScope>()

export function runInRequest<T> (scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn)
}

export function currentRequest (): RequestScope | undefined {
  return storage.getStore()
}
