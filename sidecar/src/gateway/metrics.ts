import { Counter, type Registry } from 'prom-client'

/** Gateway counters, registered on the sidecar's registry (HTTP durations per route exist already). */
export function createGatewayMetrics (registry: Registry) {
  return {
    tokens: new Counter({ name: 'hub_gateway_tokens_total', help: 'Token requests by outcome', labelNames: ['outcome'], registers: [registry] }),
    errors: new Counter({ name: 'hub_gateway_errors_total', help: 'GraphQL errors returned, by code', labelNames: ['code'], registers: [registry] })
  }
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>
