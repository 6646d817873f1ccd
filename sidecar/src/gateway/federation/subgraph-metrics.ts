import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export type SubgraphOutcome = 'ok' | 'graphql_error' | 'unavailable'

/** Per remote subgraph: calls by outcome and their latency; compositions by outcome. */
export function createSubgraphMetrics (registry: Registry) {
  const requests = new Counter({ name: 'hub_gateway_subgraph_requests_total', help: 'Calls to remote subgraphs by subgraph and outcome', labelNames: ['subgraph', 'outcome'], registers: [registry] })
  const duration = new Histogram({ name: 'hub_gateway_subgraph_duration_seconds', help: 'Latency of calls to remote subgraphs', labelNames: ['subgraph'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] })
  const compositions = new Counter({ name: 'hub_gateway_compositions_total', help: 'Supergraph compositions by outcome (a failed one keeps the last good supergraph)', labelNames: ['outcome'], registers: [registry] })
  const composed = new Gauge({ name: 'hub_gateway_subgraph_composed', help: '1 when the served supergraph composes the subgraph as it is now; 0 when its latest SDL failed to compose (the last good one is served) or it did not answer', labelNames: ['subgraph'], registers: [registry] })
  return {
    observe (subgraph: string, outcome: SubgraphOutcome, ms: number): void {
      requests.inc({ subgraph, outcome })
      duration.observe({ subgraph }, ms / 1000)
    },
    composition (outcome: 'changed' | 'unchanged' | 'failed'): void { compositions.inc({ outcome }) },
    setComposed (subgraph: string, inSupergraph: boolean): void { composed.set({ subgraph }, inSupergraph ? 1 : 0) }
  }
}

export type SubgraphMetrics = ReturnType<typeof createSubgraphMetrics>
