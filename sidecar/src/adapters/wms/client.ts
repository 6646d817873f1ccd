import { RetryableError } from '../../errors.ts'
import { traceHeaders } from '../../observability/trace.ts'
import { callPartnerJson, connectorLabel } from '../partner-call.ts'
import type { Connector } from '../types.ts'
import { parseWmsError } from './errors.ts'
import type { FulfilmentCancelRequest, FulfilmentRequest } from './mappers.ts'

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

export interface FulfilmentCancellation {
  /** not_found: the WMS has no fulfilment for that picking or order, so nothing is left to cancel */
  status: 'cancelled' | 'already_cancelled' | 'not_found'
  cancelled: string[]
  already_cancelled: string[]
}

const CANCEL_STATUSES = new Set(['cancelled', 'already_cancelled', 'not_found'])
const isIdList = (v: unknown): v is string[] => Array.isArray(v) && v.every(id => typeof id === 'string')

/**
 * Cancels the fulfilments of a picking or an order (a process compensation). Every 2xx verdict means
 * nothing is left to cancel; a shipped fulfilment is refused (409), which the failure policy makes
 * permanent: a person must recall the parcel. The WMS dedupes on request_id, so retrying is safe.
 */
export async function cancelFulfilment (connector: Connector, req: FulfilmentCancelRequest): Promise<FulfilmentCancellation> {
  const body = await callPartnerJson(connector, {
    method: 'POST', path: 'v1/fulfilments/cancel', body: req, auth: { signedAs: req.request_id }, headers: traceHeaders(req.correlation_id)
  }, parseWmsError) as Partial<Record<keyof FulfilmentCancellation, unknown>> | null
  if (!body || typeof body.status !== 'string' || !CANCEL_STATUSES.has(body.status) || !isIdList(body.cancelled) || !isIdList(body.already_cancelled)) {
    throw new RetryableError(`${connectorLabel(connector)} answered the cancellation without a status and the fulfilments it concerns`)
  }
  return { status: body.status as FulfilmentCancellation['status'], cancelled: body.cancelled, already_cancelled: body.already_cancelled }
}
