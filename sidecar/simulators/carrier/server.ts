import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FaultInjector, type FaultSettings } from '../faults.ts'
import { readBody, sendJson } from '../http-util.ts'
import { postSignedCallback } from '../signed-callback.ts'
import { type DialectName, type Milestone, type SimFreightBill, type SimShipment, dialects } from './dialects.ts'

/** An authenticated no-op per carrier (the hub's "Test connection"): 200 only with the right API key. */
const PING_PATHS: Record<DialectName, string> = { parcelfast: '/v1/ping', swiftpost: '/api/ping' }

/**
 * A parcel carrier speaking one of two wire formats (dialects.ts): rates, booking with a PDF label,
 * voiding a label not yet picked up (idempotent; the Idempotency-Key is recorded), manifest, tracking by
 * number, and tracking webhooks (signed per Standard Webhooks) with proof of delivery, and a ping (PING_PATHS). Requests must carry `Authorization: Bearer <apiKey>` when an API
 * key is set. Faults come from the shared FaultInjector; `/_sim/*` is the test and demo control API.
 */
export interface CarrierSimulatorOptions {
  dialect: DialectName
  apiKey?: string
  callbackUrl?: string
  callbackSecret?: string
  /**
   * How far the carrier's clock is from ours (ms, default 0): events are dated by it. A negative offset
   * plays a carrier that reports late or runs behind, a positive one a carrier clock running ahead.
   */
  clockOffsetMs?: number
  /** a void takes effect at once but is answered this much later: the caller may die before it hears back */
  voidAnswerDelayMs?: number
}

export class CarrierSimulator {
  readonly faults = new FaultInjector()
  readonly requests: Array<{ path: string, status: number | 'hang' }> = []
  readonly shipments = new Map<string, SimShipment>()
  readonly webhooks: Array<{ tracking: string, status: number | 'error', body: unknown }> = []
  readonly manifests: string[][] = []
  /** one entry per label ever voided, whatever the number of requests: tests count the effect here */
  readonly voids: Array<{ tracking: string, idempotency_key: string }> = []
  /** void requests that changed nothing: the same key again, or a label voided before under another key */
  readonly duplicateVoids: Array<{ tracking: string, idempotency_key: string, cause: 'repeated_request' | 'already_voided' }> = []
  /** freight bills issued (issueFreightBill), served on the dialect's billing path */
  readonly freightBills: SimFreightBill[] = []
  #billed = new Set<string>()
  #server: Server = createServer((req, res) => { void this.#handle(req, res) })
  #seq = 0
  #eventSeq = 0

  constructor (private options: CarrierSimulatorOptions) {}

  get dialect () { return dialects[this.options.dialect] }

  configure (patch: Partial<CarrierSimulatorOptions>): void { this.options = { ...this.options, ...patch } }

  async start (port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>(resolve => this.#server.listen(port, host, resolve))
    return this.url
  }

  get url (): string { return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}` }

  async stop (): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }

  /** Records milestones on a shipment and pushes them as webhooks (honouring duplicate/out-of-order faults). */
  async track (tracking: string, milestones: Milestone[], extra: { reason?: string, pod?: boolean } = {}): Promise<unknown[]> {
    const s = this.shipments.get(tracking)
    if (!s) throw new Error(`unknown tracking number ${tracking}`)
    // dated by the carrier's clock, a millisecond apart so that one call's milestones keep their order
    const now = Date.now() + (this.options.clockOffsetMs ?? 0)
    s.milestones.push(...milestones)
    const events = milestones.map((m, i) => this.dialect.event(s, m, ++this.#eventSeq, { reason: extra.reason, pod: extra.pod && m === 'delivered', at: new Date(now + i) }))
    s.events.push(...events)
    const ordered = this.faults.settings.outOfOrderCallbacks ? [...events].reverse() : events
    for (const body of ordered) {
      await this.#sendWebhook(tracking, body)
      if (this.faults.settings.duplicateCallbacks) await this.#sendWebhook(tracking, body)
    }
    return events
  }

  /**
   * Bills every booked, not voided shipment not billed before at its booked price, as the carrier's
   * periodic freight bill. Faults a freight audit must catch: `overcharge` (tracking -> amount billed instead),
   * `unknown` (tracking numbers it never booked for us), `duplicate` (tracking numbers billed again).
   */
  issueFreightBill (faults: { overcharge?: Record<string, number>, unknown?: Record<string, number>, duplicate?: string[] } = {}): SimFreightBill {
    const lines: SimFreightBill['lines'] = []
    for (const s of this.shipments.values()) {
      if (s.voided_at || this.#billed.has(s.tracking)) continue
      this.#billed.add(s.tracking)
      lines.push({ line: lines.length + 1, tracking: s.tracking, amount: faults.overcharge?.[s.tracking] ?? s.price })
    }
    for (const [tracking, amount] of Object.entries(faults.unknown ?? {})) lines.push({ line: lines.length + 1, tracking, amount })
    for (const tracking of faults.duplicate ?? []) lines.push({ line: lines.length + 1, tracking, amount: this.shipments.get(tracking)?.price ?? 0 })
    const bill = { id: `${this.options.dialect.slice(0, 2).toUpperCase()}-INV-${this.freightBills.length + 1}`, issued_at: new Date().toISOString(), currency: 'EUR', lines }
    this.freightBills.push(bill)
    return bill
  }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://sim').pathname
    try {
      const raw = req.method === 'GET' ? '' : await readBody(req)
      if (path.startsWith('/_sim/')) return await this.#admin(req.method ?? 'GET', path, raw, res)
      const verdict = await this.faults.next()
      if (verdict.kind === 'hang') { this.requests.push({ path, status: 'hang' }); return }
      const answer = (status: number, json: unknown, headers?: Record<string, string>) => {
        this.requests.push({ path, status })
        sendJson(res, status, json, headers)
      }
      if (verdict.kind === 'rate_limit') return answer(429, { error: 'rate_limited' }, { 'retry-after': String(verdict.retryAfter) })
      if (verdict.kind === 'fail') return answer(verdict.status, { error: 'injected failure' })
      if (this.options.apiKey && req.headers.authorization !== `Bearer ${this.options.apiKey}`) return answer(401, { error: 'invalid api key' })
      let body: any = {}
      if (raw) { try { body = JSON.parse(raw) } catch { return answer(400, { error: 'malformed JSON' }) } }
      const key = req.headers['idempotency-key']
      this.#route(req.method ?? 'GET', path, body, answer, typeof key === 'string' ? key : '')
    } catch (err) {
      sendJson(res, 400, { error: (err as Error).message })
    }
  }

  #route (method: string, path: string, body: any, answer: (status: number, json: unknown) => void, idempotencyKey: string): void {
    const d = this.dialect
    if (method === 'GET' && path === PING_PATHS[this.options.dialect]) return answer(200, { ok: true })
    if (method === 'POST' && path === d.paths.rates) {
      const problem = d.checkAddress(body)
      return problem ? answer(422, { error: problem, code: 'ADDRESS_INVALID' }) : answer(200, d.ratesAnswer(d.services))
    }
    if (method === 'POST' && path === d.paths.book) {
      const service = d.bookService(body)
      const problem = d.checkAddress(body)
      if (problem) return answer(422, { error: problem, code: 'ADDRESS_INVALID' })
      if (!service || !d.services[service]) return answer(422, { error: `unknown service ${service}`, code: 'SERVICE_INVALID' })
      const reference = d.bookReference(body)
      // idempotent on the shipper's reference, like carriers that take an idempotency key; a voided label is
      // no answer to a new booking of the same reference
      const existing = [...this.shipments.values()].find(s => s.reference === reference && reference !== '' && !s.voided_at)
      const s = existing ?? { id: `shp_${++this.#seq}`, tracking: d.trackingNumber(this.#seq), service, reference, price: d.services[service]![0], events: [], milestones: [] }
      this.shipments.set(s.tracking, s)
      return answer(existing ? 200 : 201, d.bookAnswer(s, labelPdf(s.tracking)))
    }
    if (method === 'POST' && path === d.paths.manifest) {
      const ids = Array.isArray(body.shipment_ids) ? body.shipment_ids : Array.isArray(body.consignments) ? body.consignments : []
      this.manifests.push(ids)
      return answer(200, { manifest_id: `MAN-${this.manifests.length}`, count: ids.length })
    }
    const voided = method === 'POST' ? d.paths.void.exec(path) : null
    if (voided) return this.#void(decodeURIComponent(voided[1]!), idempotencyKey, answer)
    if (method === 'GET' && path === d.paths.freightBills) return answer(200, d.freightBillsAnswer(this.freightBills))
    const tracked = method === 'GET' ? d.paths.track.exec(path) : null
    if (tracked) {
      const s = this.shipments.get(decodeURIComponent(tracked[1]!))
      return s ? answer(200, d.trackAnswer(s)) : answer(404, { error: 'unknown tracking number' })
    }
    answer(404, { error: `no route ${method} ${path}` })
  }

  /** Voids a label once; a label voided before answers as voided; a parcel past `label` is refused (409). */
  #void (tracking: string, key: string, answer: (status: number, json: unknown) => void): void {
    const s = this.shipments.get(tracking)
    if (!s) return answer(404, { error: 'unknown tracking number', code: 'NOT_FOUND' })
    if (s.voided_at) {
      const repeated = key !== '' && this.voids.some(v => v.tracking === tracking && v.idempotency_key === key)
      this.duplicateVoids.push({ tracking, idempotency_key: key, cause: repeated ? 'repeated_request' : 'already_voided' })
      return answer(200, this.dialect.voidAnswer(s))
    }
    // a parcel the carrier scanned is in its network: too late to void (its own cancellation is not a scan)
    const moved = s.milestones.filter(m => m !== 'label' && m !== 'cancelled')
    if (moved.length) return answer(409, { error: `${tracking} is ${moved.at(-1)} and can no longer be voided`, code: this.dialect.voidRefusal })
    s.voided_at = new Date(Date.now() + (this.options.clockOffsetMs ?? 0)).toISOString()
    this.voids.push({ tracking, idempotency_key: key })
    const delay = this.options.voidAnswerDelayMs ?? 0
    if (delay > 0) setTimeout(() => answer(200, this.dialect.voidAnswer(s)), delay)
    else answer(200, this.dialect.voidAnswer(s))
  }

  async #sendWebhook (tracking: string, body: unknown): Promise<void> {
    const { callbackUrl, callbackSecret } = this.options
    if (!callbackUrl || !callbackSecret) return
    const payload = JSON.stringify(body)
    const id = `cw_${tracking}_${(body as any).event_id ?? (body as any).seq}`
    const status = await postSignedCallback(callbackUrl, callbackSecret, id, payload)
    this.webhooks.push({ tracking, status, body })
  }

  async #admin (method: string, path: string, raw: string, res: ServerResponse): Promise<void> {
    const body = raw ? JSON.parse(raw) : {}
    if (method === 'GET' && path === '/_sim/state') {
      return sendJson(res, 200, {
        dialect: this.options.dialect, requests: this.requests, shipments: [...this.shipments.values()], webhooks: this.webhooks, manifests: this.manifests,
        voids: this.voids, duplicate_voids: this.duplicateVoids, freight_bills: this.freightBills, faults: this.faults.settings
      })
    }
    if (method === 'POST' && path === '/_sim/faults') return sendJson(res, 200, this.faults.set(body as Partial<FaultSettings>))
    if (method === 'POST' && path === '/_sim/configure') { this.configure(body); return sendJson(res, 200, { ok: true }) }
    if (method === 'POST' && path === '/_sim/freight-bills') return sendJson(res, 200, this.issueFreightBill(body))
    const events = /^\/_sim\/shipments\/([^/]+)\/events$/.exec(path)
    if (method === 'POST' && events) {
      if (!this.shipments.has(events[1]!)) return sendJson(res, 404, { error: 'unknown tracking number' })
      return sendJson(res, 200, { events: await this.track(events[1]!, body.milestones ?? [], body) })
    }
    sendJson(res, 404, { error: `no admin route ${method} ${path}` })
  }
}

/** A small but valid one-page PDF showing the tracking number (what a label printer would receive). */
export function labelPdf (tracking: string): string {
  const text = `BT /F1 24 Tf 40 100 Td (${tracking.replace(/[()\\]/g, '')}) Tj ET`
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 180] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'
  ]
  let pdf = '%PDF-1.4\n'
  const offsets: number[] = []
  objects.forEach((o, i) => { offsets.push(pdf.length); pdf += `${i + 1} 0 obj\n${o}\nendobj\n` })
  const xref = pdf.length
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map(o => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(pdf, 'latin1').toString('base64')
}
