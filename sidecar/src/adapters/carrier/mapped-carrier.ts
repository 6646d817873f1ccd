import { readFileSync } from 'node:fs'
import jsonata from 'jsonata'
import { z } from 'zod'
import { PermanentError, RetryableError } from '../../errors.ts'
import { traceHeaders } from '../../observability/trace.ts'
import { SHIPMENT_STATUSES, type ShipmentStatus, type TrackingEvent } from '../../shipping/lifecycle.ts'
import { type ErrorParser, callPartnerJson, connectorLabel, errorJson } from '../partner-call.ts'
import { type Connector, InboundFormatError } from '../types.ts'
import type { Booking, CarrierAdapter, FreightBill, Rate, ShipmentRequest } from './types.ts'

/**
 * A carrier whose wire format is described by data: a mapping.json of JSONata expressions (request and
 * answer shapes) plus status and reason tables. Adding a carrier with a REST+JSON API is a new folder
 * with a mapping file and an error parser; this engine does the transport and the canonical checks.
 * JSONata was chosen over hand-written mappers because mappings are data a person can read and fix
 * without a code change, and it is the mapping language partners' integration teams already know.
 */
const mappingSchema = z.object({
  paths: z.object({ rates: z.string(), book: z.string(), track: z.string().includes('{tracking}'), void: z.string().includes('{tracking}'), freightBills: z.string().optional() }),
  rateRequest: z.string(),
  rates: z.string(),
  bookRequest: z.string(),
  booking: z.string(),
  trackingEvents: z.string(),
  /** the carrier's answer to a void -> { tracking_number, voided: boolean } */
  voided: z.string(),
  /** the carrier's billing API answer -> canonical freight bills (with paths.freightBills) */
  freightBills: z.string().optional(),
  statuses: z.record(z.string(), z.enum(SHIPMENT_STATUSES as [ShipmentStatus, ...ShipmentStatus[]])),
  reasons: z.record(z.string(), z.string())
})

const mappedRates = z.array(z.object({ service: z.string(), amount: z.number().nonnegative(), currency: z.string(), transit_days: z.number() }))
const mappedBooking = z.object({ tracking_number: z.string().min(1), label_pdf_base64: z.string().min(1) })
const mappedBills = z.array(z.object({
  bill_id: z.union([z.string(), z.number()]).transform(String),
  issued_at: z.string(),
  currency: z.string().min(3),
  lines: z.array(z.object({ line_id: z.string().min(1), tracking_number: z.string().min(1), amount: z.number() }))
}))
const mappedVoid = z.object({ tracking_number: z.string().min(1), voided: z.boolean() })
const mappedEvents = z.array(z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  tracking_number: z.string().min(1),
  carrier_status: z.union([z.string(), z.number()]).transform(String),
  reason_code: z.string().nullish(),
  occurred_at: z.string(),
  location: z.string().nullish(),
  pod: z.object({ signed_by: z.string().nullish(), signature_ref: z.string().nullish(), photo_ref: z.string().nullish() }).nullish()
}))

export interface MappedCarrierOptions {
  name: string
  mappingFile: URL
  /** the carrier's own error body -> a short "CODE: message" (default: `{ error, code }` JSON; else the raw text is quoted) */
  parseError?: ErrorParser
}

const flowHeaders = (req: ShipmentRequest): Record<string, string> => req.correlation_id ? traceHeaders(req.correlation_id) : {}

/** The carriers' common error body `{ error, code }` as "CODE: error" (the policy is partner-call.ts). */
const parseCarrierError: ErrorParser = answer => {
  const body = errorJson(answer) as { error?: unknown, code?: unknown } | null
  const parts = [body?.code, body?.error].filter((p): p is string => typeof p === 'string' && p !== '')
  return parts.length ? parts.join(': ') : null
}

export function createMappedCarrier (options: MappedCarrierOptions): CarrierAdapter {
  const mapping = mappingSchema.parse(JSON.parse(readFileSync(options.mappingFile, 'utf8')))
  const compiled = {
    rateRequest: jsonata(mapping.rateRequest), rates: jsonata(mapping.rates), bookRequest: jsonata(mapping.bookRequest),
    booking: jsonata(mapping.booking), trackingEvents: jsonata(mapping.trackingEvents), voided: jsonata(mapping.voided),
    freightBills: mapping.freightBills ? jsonata(mapping.freightBills) : null
  }

  const call = async (connector: Connector, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}) =>
    await callPartnerJson(connector, { method, path, body, auth: { bearer: true }, headers }, options.parseError ?? parseCarrierError)

  async function evaluate<T> (schema: z.ZodType<T>, expr: jsonata.Expression, input: unknown, what: string): Promise<T> {
    // JSONata's own errors (a function given the wrong type, e.g. `events: null`) are the same finding as a
    // shape mismatch: this body is not what the mapping describes. Left raw, a webhook would answer 500.
    const mapped: unknown = await expr.evaluate(input).catch((err: unknown) => {
      throw new InboundFormatError(`${options.name} ${what} does not match the mapping`, [(err as { message?: string }).message ?? String(err)], { cause: err })
    })
    const parsed = schema.safeParse(mapped)
    if (!parsed.success) throw new InboundFormatError(`${options.name} ${what} does not match the mapping`, parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`))
    return parsed.data
  }

  function normalise (e: z.infer<typeof mappedEvents>[number]): TrackingEvent {
    const status = mapping.statuses[e.carrier_status]
    return {
      id: `${options.name}:${e.tracking_number}:${e.id}`,
      tracking_number: e.tracking_number,
      status: status ?? 'exception',
      reason: status ? (e.reason_code ? mapping.reasons[e.reason_code] ?? e.reason_code.toLowerCase() : null) : 'unknown_status',
      carrier_status: e.carrier_status,
      occurred_at: e.occurred_at,
      location: e.location ?? null,
      pod: e.pod ? { signed_by: e.pod.signed_by ?? null, signature_ref: e.pod.signature_ref ?? null, photo_ref: e.pod.photo_ref ?? null } : null
    }
  }

  const billsPath = mapping.paths.freightBills
  const billsExpr = compiled.freightBills
  const freightBills = billsPath && billsExpr
    ? async (connector: Connector): Promise<FreightBill[]> => {
      const wire = await call(connector, 'GET', billsPath)
      return await evaluate(mappedBills, billsExpr, wire, 'freight bills answer')
    }
    : undefined

  return {
    name: options.name,
    ...(freightBills ? { freightBills } : {}),
    async rate (req: ShipmentRequest, connector: Connector): Promise<Rate[]> {
      const wire = await call(connector, 'POST', mapping.paths.rates, await compiled.rateRequest.evaluate(req), flowHeaders(req))
      const rates = await evaluate(mappedRates, compiled.rates, wire, 'rates answer').catch(err => { throw new PermanentError((err as Error).message) })
      return rates.map(r => ({ ...r, carrier: connector.code }))
    },
    async book (req: ShipmentRequest, rate: Rate, connector: Connector): Promise<Booking> {
      const wire = await call(connector, 'POST', mapping.paths.book, await compiled.bookRequest.evaluate({ request: req, rate }), { 'idempotency-key': req.reference, ...flowHeaders(req) })
      // a garbled success is retried: carriers dedupe bookings on our reference
      const booking = await evaluate(mappedBooking, compiled.booking, wire, 'booking answer').catch(err => { throw new RetryableError((err as Error).message) })
      return { ...booking, carrier: connector.code, service: rate.service, amount: rate.amount, currency: rate.currency }
    },
    async track (trackingNumber: string, connector: Connector): Promise<TrackingEvent[]> {
      const wire = await call(connector, 'GET', mapping.paths.track.replace('{tracking}', encodeURIComponent(trackingNumber)))
      return (await evaluate(mappedEvents, compiled.trackingEvents, wire, 'tracking answer')).map(normalise)
    },
    async void (trackingNumber: string, connector: Connector, key: string, correlationId: string | null) {
      const path = mapping.paths.void.replace('{tracking}', encodeURIComponent(trackingNumber))
      const wire = await call(connector, 'POST', path, {}, { 'idempotency-key': key, ...(correlationId ? traceHeaders(correlationId) : {}) })
      // a garbled or unconfirmed success is retried: the carrier dedupes on the key, and a voided label stays voided
      const answer = await evaluate(mappedVoid, compiled.voided, wire, 'void answer').catch(err => { throw new RetryableError((err as Error).message) })
      if (!answer.voided || answer.tracking_number !== trackingNumber) {
        throw new RetryableError(`${connectorLabel(connector)} answered the void of ${trackingNumber} without confirming it (${answer.tracking_number}, voided: ${answer.voided})`)
      }
      return { tracking_number: answer.tracking_number }
    },
    async parseTracking (body: unknown): Promise<TrackingEvent[]> {
      return (await evaluate(mappedEvents, compiled.trackingEvents, body, 'tracking webhook')).map(normalise)
    }
  }
}
