import type { BreakerRegistry } from '../shipping/breakers.ts'
import type { Carrier, CarrierRule } from './carrier/types.ts'
import type { Connector, Envelope } from './connector.ts'

export type { Connector, Envelope } from './connector.ts'

export interface DeliveryResult {
  /** the partner's id for what it created (fulfilment id, shipment id), shown in Odoo */
  externalRef: string | null
  /** what Odoo should record beyond the status, e.g. `{ shipment: { carrier, tracking_number, label_pdf_base64 } }` */
  details?: Record<string, unknown>
}

/** What an adapter may need beyond its own connector (rate shopping looks across carriers). */
export interface DeliveryContext {
  /** active carrier connectors with their adapters */
  carriers: () => Promise<Carrier[]>
  /** the carrier rule of the route that sent this event */
  carrierRule: () => Promise<CarrierRule>
  breakers: BreakerRegistry
}

/** A partner callback translated to the canonical inbound message Odoo applies (hub_apply_inbound). */
export interface InboundMessage {
  id: string
  type: string
  correlation_id: string | null
  data: Record<string, unknown>
}

/** What "Test connection" (adapters/probe.ts) answers. */
export interface ProbeResult {
  ok: boolean
  /** the partner's HTTP status; null when it did not answer */
  status: number | null
  latency_ms: number
  message: string
  /** rate shopping: the verdict of each carrier it shops among */
  carriers?: Array<ProbeResult & { code: string, name: string }>
}

export interface ProbeContext {
  /** active carrier connectors with their probes (what a rate-shopping connector books with) */
  carriers: () => Promise<Array<{ connector: Connector, probe: Probe | undefined }>>
}

export type Probe = (connector: Connector, context: ProbeContext) => Promise<ProbeResult>

/**
 * The one seam between the hub and an external system (after Karrio's connectors): each system has its
 * own folder with a transport client, pure mappers and an error parser behind this interface.
 */
export interface Adapter {
  readonly name: string
  deliver: (envelope: Envelope, connector: Connector, context: DeliveryContext) => Promise<DeliveryResult>
  /** Parses a verified callback body; throws InboundFormatError when it is not this system's format. */
  parseInbound: (webhookId: string, body: unknown) => InboundMessage | Promise<InboundMessage>
  /** "Test connection": an authenticated call that changes nothing at the partner (probe.ts) */
  probe?: Probe
}

export class InboundFormatError extends Error {
  override name = 'InboundFormatError'
  constructor (message: string, readonly issues: string[] = [], options?: ErrorOptions) {
    super(message, options)
  }
}
