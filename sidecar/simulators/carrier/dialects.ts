/**
 * Two carriers with deliberately different wire formats, so the hub's adapter seam is exercised for
 * real: ParcelFast is a snake_case JSON REST API with string status codes and decimal prices;
 * SwiftPost is camelCase with numeric status codes, grams and prices in cents.
 */
export type DialectName = 'parcelfast' | 'swiftpost'

/** A tracking milestone as the simulator's test/admin API names it (canonical-ish, carrier-neutral). */
export type Milestone = 'label' | 'picked_up' | 'in_transit' | 'delayed' | 'out_for_delivery' | 'failed_attempt' | 'delivered' | 'returned' | 'exception' | 'cancelled' | 'bogus'

export interface SimShipment {
  id: string, tracking: string, service: string, reference: string, price: number, events: any[]
  /** the milestones recorded so far: a parcel past `label` can no longer be voided */
  milestones: Milestone[]
  voided_at?: string
}

/** A freight bill as the simulator keeps it; each dialect puts it on the wire its own way. */
export interface SimFreightBill {
  id: string
  issued_at: string
  currency: string
  lines: Array<{ line: number, tracking: string, amount: number }>
}

export interface Dialect {
  paths: { rates: string, book: string, track: RegExp, manifest: string, void: RegExp, freightBills: string }
  /** price list: service -> [price, transit days] */
  services: Record<string, [number, number]>
  /** validates a rate request, returning the destination country or an error message */
  checkAddress: (body: any) => string | null
  ratesAnswer: (services: Record<string, [number, number]>) => unknown
  bookService: (body: any) => string | undefined
  bookReference: (body: any) => string
  bookAnswer: (s: SimShipment, labelBase64: string) => unknown
  trackingNumber: (seq: number) => string
  trackAnswer: (s: SimShipment) => unknown
  /** the answer to a void (also to a repeated one: voiding is idempotent) */
  voidAnswer: (s: SimShipment) => unknown
  /** the error code refusing to void a parcel the carrier already has */
  voidRefusal: string
  /** the carrier's periodic freight bills (its billing API) */
  freightBillsAnswer: (bills: SimFreightBill[]) => unknown
  /** the partner's own event for a milestone (also the webhook body), dated `at` by the carrier's clock */
  event: (s: SimShipment, milestone: Milestone, seq: number, extra: { reason?: string, pod?: boolean, at: Date }) => unknown
}

const parcelfastCodes: Record<Milestone, string> = {
  label: 'LABEL_CREATED', picked_up: 'PICKED_UP', in_transit: 'IN_TRANSIT', delayed: 'IN_TRANSIT', out_for_delivery: 'OUT_FOR_DELIVERY',
  failed_attempt: 'DELIVERY_ATTEMPT_FAILED', delivered: 'DELIVERED', returned: 'RETURNED', exception: 'EXCEPTION', cancelled: 'CANCELLED', bogus: 'TELEPORTED'
}

export const parcelfast: Dialect = {
  paths: { rates: '/v1/rates', book: '/v1/shipments', track: /^\/v1\/tracking\/([^/]+)$/, manifest: '/v1/manifests', void: /^\/v1\/shipments\/([^/]+)\/void$/, freightBills: '/v1/freight-bills' },
  services: { PF_EXPRESS: [14.5, 1], PF_ECONOMY: [7.9, 3] },
  checkAddress: b => (b?.ship_to?.postal_code && b?.ship_to?.country) ? null : 'ship_to.postal_code and ship_to.country are required',
  ratesAnswer: services => ({ rates: Object.entries(services).map(([code, [price, days]]) => ({ service_code: code, total: { amount: price.toFixed(2), currency: 'EUR' }, estimated_days: days })) }),
  bookService: b => b?.service_code,
  bookReference: b => String(b?.reference ?? ''),
  bookAnswer: (s, label) => ({ shipment_id: s.id, tracking_number: s.tracking, label: { format: 'PDF', data: label } }),
  trackingNumber: seq => `PF${String(100000000 + seq)}`,
  trackAnswer: s => ({ tracking_number: s.tracking, events: s.events }),
  voidAnswer: s => ({ shipment_id: s.id, tracking_number: s.tracking, status: 'VOIDED', voided_at: s.voided_at }),
  voidRefusal: 'ALREADY_PICKED_UP',
  freightBillsAnswer: bills => ({ bills: bills.map(b => ({ id: b.id, issued_at: b.issued_at, currency: b.currency, lines: b.lines.map(l => ({ line: l.line, tracking_number: l.tracking, amount: l.amount.toFixed(2) })) })) }),
  event: (s, m, seq, { reason, pod, at }) => ({
    event_id: `pf-${s.tracking}-${seq}`,
    tracking_number: s.tracking,
    code: parcelfastCodes[m],
    description: m === 'delayed' ? 'Delayed: weather' : m,
    exception_reason: m === 'exception' ? (reason ?? 'LOST') : m === 'delayed' ? 'WEATHER' : undefined,
    timestamp: at.toISOString(),
    location: { city: 'Antwerp' },
    proof_of_delivery: pod ? { signed_by: 'J. Peeters', signature_url: `https://pf.example/sig/${s.tracking}`, photo_url: `https://pf.example/photo/${s.tracking}` } : undefined
  })
}

const swiftpostCodes: Record<Milestone, number> = {
  label: 100, picked_up: 200, in_transit: 300, delayed: 350, out_for_delivery: 400, failed_attempt: 450, delivered: 500, returned: 800, exception: 900, cancelled: 999, bogus: 777
}

export const swiftpost: Dialect = {
  paths: { rates: '/api/quote', book: '/api/consignments', track: /^\/api\/consignments\/([^/]+)\/events$/, manifest: '/api/manifest', void: /^\/api\/consignments\/([^/]+)\/cancel$/, freightBills: '/api/invoices' },
  services: { 'SP-24': [11.9, 1], 'SP-48': [6.4, 2] },
  checkAddress: b => (b?.consignee?.postcode && b?.consignee?.countryIso) ? null : 'consignee.postcode and consignee.countryIso are required',
  ratesAnswer: services => ({ quotes: Object.entries(services).map(([code, [price, days]]) => ({ product: code, priceCents: Math.round(price * 100), currencyIso: 'EUR', deliveryDays: days })) }),
  bookService: b => b?.product,
  bookReference: b => String(b?.customerRef ?? ''),
  bookAnswer: (s, label) => ({ consignmentNo: s.tracking, labelPdfBase64: label }),
  trackingNumber: seq => `SW${String(5000000 + seq)}GB`,
  trackAnswer: s => ({ consignmentNo: s.tracking, events: s.events }),
  voidAnswer: s => ({ consignmentNo: s.tracking, cancelled: true, cancelledAt: s.voided_at }),
  voidRefusal: 'IN_NETWORK',
  freightBillsAnswer: bills => ({ invoices: bills.map(b => ({ invoiceNo: b.id, date: b.issued_at, currencyIso: b.currency, items: b.lines.map(l => ({ itemNo: l.line, consignmentNo: l.tracking, chargeCents: Math.round(l.amount * 100) })) })) }),
  event: (s, m, seq, { reason, pod, at }) => ({
    consignmentNo: s.tracking,
    seq,
    statusCode: swiftpostCodes[m],
    statusText: m,
    reasonCode: m === 'exception' ? (reason ?? 'LOST') : undefined,
    at: at.toISOString(),
    depot: 'LHR2',
    pod: pod ? { receiverName: 'J. Peeters', signatureId: `sig-${s.tracking}`, photoId: `ph-${s.tracking}` } : undefined
  })
}

export const dialects: Record<DialectName, Dialect> = { parcelfast, swiftpost }
