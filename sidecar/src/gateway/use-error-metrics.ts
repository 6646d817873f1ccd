import type { Plugin } from 'graphql-yoga'
import type { GatewayMetrics } from './metrics.ts'

/** Counts the errors returned, by code: a rise of FORBIDDEN or NOT_FOUND is a client probing. */
export function useErrorMetrics ({ metrics }: { metrics: GatewayMetrics }): Plugin {
  return {
    onExecutionResult ({ result }) {
      for (const r of Array.isArray(result) ? result : [result]) {
        for (const e of (r as { errors?: Array<{ extensions?: { code?: unknown } }> }).errors ?? []) {
          metrics.errors.inc({ code: String(e.extensions?.code ?? 'unknown') })
        }
      }
    }
  }
}
