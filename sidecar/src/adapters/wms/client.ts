import { RetryableError } from '../../errors.ts'
import { traceHeaders } from '../../observability/trace.ts'
import { callPartnerJson, connectorLabel } from '../partner-call.ts'
import type { Connector } from '../types.ts'
import { parseWmsError } from './errors.ts'
import type { FulfilmentRequest } from './mappers.ts'

/** Creates a fulfilment order; the WMS dedupes on request_id, so a retried request returns the same id. */
export async function createFulfilment (connector: Connector, req: FulfilmentRequest): Promise<string> {
  const body = await callPartnerJson(connector, {
    method: 'POST', path: 'v1/fulfilments', body: req, auth: { signedAs: req.request_id }, headers: traceHeaders(req.correlation_id)
  }, parseWmsError)
  const id = (body as { fulfilment_id?: unknown } | null)?.fulfilment_id
  // Retrying is safe when the answer lacks the id: the WMS returns the same fulfilment for the same request_id.
  if (typeof id !== 'string') throw new RetryableError(`${connectorLabel(connector)} accepted the request but returned no fulfilment_id`)
  return id
}
