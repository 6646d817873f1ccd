import { PermanentError, RetryableError } from '../../errors.ts'
import { traceHeaders } from '../../observability/trace.ts'
import { postSigned } from '../http-transport.ts'
import { signingSecrets } from '../signing.ts'
import type { Connector } from '../types.ts'
import { parseWmsError } from './errors.ts'
import type { FulfilmentRequest } from './mappers.ts'

/** Creates a fulfilment order; the WMS dedupes on request_id, so a retried request returns the same id. */
export async function createFulfilment (connector: Connector, req: FulfilmentRequest): Promise<string> {
  if (!connector.base_url) throw new PermanentError(`connector ${connector.code} has no base URL`)
  const answer = await postSigned({
    url: new URL('v1/fulfilments', connector.base_url.endsWith('/') ? connector.base_url : `${connector.base_url}/`).href,
    body: req,
    messageId: req.request_id,
    secrets: signingSecrets(connector),
    timeoutSeconds: connector.timeout,
    headers: traceHeaders(req.correlation_id)
  })
  if (answer.status < 200 || answer.status >= 300) throw parseWmsError(answer)
  // Retrying is safe when the answer is garbled: the WMS returns the same fulfilment for the same request_id.
  let body: { fulfilment_id?: unknown } = {}
  try { body = JSON.parse(answer.text) } catch { /* handled below */ }
  if (typeof body.fulfilment_id !== 'string') throw new RetryableError('WMS accepted the request but returned no fulfilment_id')
  return body.fulfilment_id
}
