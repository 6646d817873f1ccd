import { PermanentError, RetryableError } from '../../errors.ts'
import { traceHeaders } from '../../observability/trace.ts'
import { toShipmentRequest } from '../../shipping/shipment-request.ts'
import { callJson, endpoint, isRetryableStatus, retryAfterSeconds } from '../http-transport.ts'
import { bearerProbe } from '../probe.ts'
import type { Adapter } from '../types.ts'
import { fromMilestone, toTransportOrder } from './mappers.ts'

/**
 * Transport (fleet) platform for B2B deliveries: a routed picking becomes a transport order whose job
 * id is the shipment's tracking number; milestones come back as canonical tracking events.
 */
export const tmsAdapter: Adapter = {
  name: 'tms',
  async deliver (envelope, connector) {
    if (!connector.base_url) throw new PermanentError(`connector ${connector.code} has no base URL`)
    const req = toShipmentRequest(envelope)
    const answer = await callJson('POST', endpoint(connector.base_url, '/transport-orders'), {
      body: toTransportOrder(req, envelope.correlation_id), bearer: connector.secret, timeoutSeconds: connector.timeout, headers: { 'idempotency-key': envelope.id, ...traceHeaders(envelope.correlation_id) }
    })
    if (answer.status < 200 || answer.status >= 300) {
      const message = `${connector.name} answered HTTP ${answer.status}: ${answer.text.slice(0, 200)}`
      throw isRetryableStatus(answer.status) ? new RetryableError(message, retryAfterSeconds(answer.headers['retry-after'])) : new PermanentError(message)
    }
    const { jobId } = JSON.parse(answer.text) as { jobId?: string }
    if (!jobId) throw new RetryableError('TMS accepted the order but returned no jobId') // idempotent on orderRef
    return { externalRef: jobId, details: { shipment: { carrier: connector.code, service: 'transport', tracking_number: jobId, label_pdf_base64: null, amount: null, currency: null } } }
  },
  parseInbound (webhookId, body) {
    const event = fromMilestone(body)
    return { id: webhookId, type: 'shipment.tracking', correlation_id: null, data: { tracking_number: event.tracking_number, events: [event] } }
  },
  /** GET /ping with the API key: the platform answers 401 to a wrong one */
  probe: bearerProbe('/ping')
}
