import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** One registry per sidecar instance (tests start several in one process). */
export function createMetrics () {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    eventsRelayed: new Counter({ name: 'hub_events_relayed_total', help: 'Outbox events moved into the delivery queue', registers: [registry] }),
    deliveries: new Counter({ name: 'hub_deliveries_total', help: 'Partner delivery attempts by outcome', labelNames: ['connector', 'outcome'], registers: [registry] }),
    deliveryDuration: new Histogram({
      name: 'hub_delivery_duration_seconds', help: 'Partner call duration', labelNames: ['connector'], registers: [registry],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    }),
    deadLettered: new Counter({ name: 'hub_dead_lettered_total', help: 'Events moved to the dead-letter queue', labelNames: ['connector'], registers: [registry] }),
    inbound: new Counter({ name: 'hub_inbound_total', help: 'Inbound hooks by outcome', labelNames: ['connector', 'outcome'], registers: [registry] }),
    circuitOpen: new Gauge({ name: 'hub_circuit_open', help: 'Circuit breaker state per partner connector (0 closed, 0.5 half open, 1 open)', labelNames: ['connector'], registers: [registry] }),
    httpDuration: new Histogram({
      name: 'hub_http_request_duration_seconds', help: 'HTTP requests served', labelNames: ['method', 'route', 'status'], registers: [registry],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
    }),
    odooBatches: new Counter({ name: 'hub_odoo_jobs_total', help: 'Odoo-bound items settled (a write-back job carries the results of a delivered batch, an inbound job one message): done, retry (Odoo unavailable) or parked (refused on its own)', labelNames: ['queue', 'outcome'], registers: [registry] }),
    selfCheckFindings: new Gauge({ name: 'hub_self_check_findings', help: 'Broken invariants found by the last self-check, by check', labelNames: ['check'], registers: [registry] }),
    selfCheckRepairs: new Counter({ name: 'hub_self_check_repairs_total', help: 'Items the self-check repaired, by check', labelNames: ['check'], registers: [registry] }),
    unhandledErrors: new Counter({ name: 'hub_unhandled_errors_total', help: 'Errors no caller handled (logged; the process kept running)', registers: [registry] }),
    authFailures: new Counter({ name: 'hub_auth_failures_total', help: 'Failed credential attempts (wrong client secret or admin token), by endpoint', labelNames: ['endpoint'], registers: [registry] }),
    authThrottled: new Counter({ name: 'hub_auth_throttled_total', help: 'Credential attempts refused with 429 after too many failures, by endpoint', labelNames: ['endpoint'], registers: [registry] }),
    odooApplies: new Counter({ name: 'hub_odoo_applies_total', help: 'Items written back to Odoo by kind and outcome', labelNames: ['kind', 'outcome'], registers: [registry] })
  }
}

export type Metrics = ReturnType<typeof createMetrics>
