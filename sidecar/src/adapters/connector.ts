/**
 * The two shapes every adapter speaks in, below everything else in adapters/ (carrier types, the
 * Adapter seam and rate shopping all import them, and they import nothing).
 */

/** A connector row of `hub_connector` (docs/contract.md). */
export interface Connector {
  id: number
  code: string
  name: string
  kind: string
  adapter: string
  base_url: string | null
  secret: string | null
  /** the secret before the last rotation, only while its overlap lasts (adapters/signing.ts) */
  previous_secret: string | null
  active: boolean
  timeout: number
  rate_limit: number
  max_attempts: number
  retry_delay: number
  retry_backoff: boolean
  sync_mode: 'realtime' | 'batch'
  batch_interval: number
  /** the `rest` adapter's mapping document (adapters/rest/mapping.ts); other adapters ignore it */
  rest_mapping: string | null
}

/** What every partner receives, whatever its wire format (the canonical envelope). */
export interface Envelope {
  id: string
  type: string
  occurred_at: string
  correlation_id: string
  source: { model: string, id: number }
  data: Record<string, unknown>
}
