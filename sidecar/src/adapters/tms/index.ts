import { RetryableError } from '../../errors.ts'
import { traceHeaders } from '../../observability/trace.ts'
import { toShipmentRequest } from '../carrier/shipment-request.ts'
import { callPartnerJson, connectorLabel } from '../partner-call.ts'
import { bearerProbe } from '../probe.ts'
import type { Adapter } from '../types.ts'
import { parseTmsError } from './errors.ts'
import { fromMilestone, toTransportOrder } from './mappers.ts'

/**
 * Transport (fleet) platform for B2B deliveries: a routed picking becomes a transport order whose job
 * id is the shipment's tracking number; milestones come back as canonical tracking events.
 */
export const tmsAdapter: Adapter = {
  name: 'tms',
  async deliver (envelope, connector) {
    const req = toShipmentRequest(envelope)
    const answer = await callPartnerJson(connector, {
      method: 'POST', path: '/transport-orders', body: toTransportOrder(req, envelope.correlation_id), auth: { bearer: true }, headers: { 'idempotency-key': envelope.id, ...traceHeaders(envelope.correlation_id) }
    }, parseTmsError)
    const { jobId, plannedDistanceKm } = (answer ?? {}) as { jobId?: unknown, plannedDistanceKm?: unknown }
    // idempotent on orderRef: a retry returns the same job
    if (typeof jobId !== 'string' || jobId === '') throw new RetryableError(`${connectorLabel(connector)} accepted the order but returned no jobId`)
    // the planned route distance prices rate card lanes by distance band in Odoo
    const distance = typeof plannedDistanceKm === 'number' && Number.isFinite(plannedDistanceKm) && plannedDistanceKm >= 0 ? plannedDistanceKm : null
    return { externalRef: jobId, details: { shipment: { carrier: connector.code, service: 'transport', tracking_number: jobId, label_pdf_base64: null, amount: null, currency: null, distance_km: distance } } }
  },
  parseInbound (webhookId, body) {
    const event = fromMilestone(body)
    return { id: webhookId, type: 'shipment.tracking', correlation_id: null, data: { tracking_number: event.tracking_number, events: [event] } }
  },
  /** GET /ping with the API key: the platform answers 401 to a wrong one */
  probe: bearerProbe('/ping')
}
