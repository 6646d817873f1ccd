import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Webhook } from 'standardwebhooks'

/**
 * A logistics partner written for the chaos suite, independent of sidecar/simulators: it verifies
 * every request's Standard Webhooks signature with the connector's secret, counts deliveries by
 * `webhook-id`, records the order in which each record's messages first arrived, and injects faults
 * on a seeded random share of requests. It answers 2xx only after recording.
 *
 * Two endpoints, one per connector:
 * - `kind: 'webhook'`: the canonical envelope (docs/contract.md "Envelope"), record = `source.model/source.id`;
 * - `kind: 'wms'`: `POST <base>/v1/fulfilments` of the WMS adapter, record = `client_reference`
 *   (`stock.picking/<id>`); answers `{ fulfilment_id }`, the same one for a repeated `request_id`.
 */

/** mulberry32: small, seedable, good enough to pick faults and timings reproducibly */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Share of requests (0..1) answered with each fault; the rest are recorded and answered 2xx. */
export interface FaultShares {
  /** HTTP 500, nothing recorded */
  error500: number
  /** no answer for `hangMs` (past the connector timeout), then the socket is dropped; nothing recorded */
  hang: number
  /** 429 with Retry-After: 1, nothing recorded */
  rateLimit: number
  /** recorded, but answered 200 only after `hangMs`: the sender has given up and will send it again */
  lateAck: number
}

export interface Endpoint { path: string, kind: 'webhook' | 'wms', secret: string }

export interface FulfilmentSeen {
  fulfilmentId: string
  requestId: string
  pickingId: number
  correlationId: string
  items: Array<{ line_ref: string, sku: string | null, quantity: number }>
}

type Fault = keyof FaultShares

export class IndependentReceiver {
  /** webhook-id -> how many times it was recorded (answered 2xx or late) */
  readonly deliveries = new Map<string, number>()
  /** record key -> webhook-ids in the order of their first arrival */
  readonly arrivals = new Map<string, string[]>()
  /** WMS request_id -> the fulfilment made up for it */
  readonly fulfilments = new Map<string, FulfilmentSeen>()
  readonly faultsInjected: Record<Fault, number> = { error500: 0, hang: 0, rateLimit: 0, lateAck: 0 }
  /** requests refused for a reason other than an injected fault (bad signature, unknown path, bad body) */
  readonly refused: Array<{ path: string, status: number, reason: string, webhookId: string | null }> = []
  faultsEnabled = true
  /** called once per new fulfilment, after it was recorded */
  onFulfilment: (f: FulfilmentSeen) => void = () => {}
  /** called after every recorded delivery (the chaos schedule kills replicas at such moments) */
  onRecorded: () => void = () => {}

  #server: Server = createServer((req, res) => { void this.#handle(req, res) })
  #sockets = new Set<Socket>()
  #timers = new Set<NodeJS.Timeout>()
  #seq = 0

  constructor (private readonly endpoints: Endpoint[], private readonly random: () => number,
    private readonly shares: FaultShares, private readonly hangMs: number) {
    this.#server.on('connection', socket => { this.#sockets.add(socket); socket.once('close', () => this.#sockets.delete(socket)) })
  }

  async start (): Promise<string> {
    await new Promise<void>(resolve => this.#server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  async stop (): Promise<void> {
    for (const t of this.#timers) clearTimeout(t)
    for (const s of this.#sockets) s.destroy()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }

  get distinctDelivered (): number { return this.deliveries.size }

  /** recordings beyond the first of each webhook-id */
  get rawDuplicates (): number { return [...this.deliveries.values()].reduce((n, c) => n + c - 1, 0) }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    const path = new URL(req.url ?? '/', 'http://receiver').pathname
    const webhookId = typeof req.headers['webhook-id'] === 'string' ? req.headers['webhook-id'] : null
    const endpoint = this.endpoints.find(e => e.path === path)
    if (req.method !== 'POST' || !endpoint) return this.#refuse(res, path, 404, 'no such endpoint', webhookId)
    try {
      new Webhook(endpoint.secret).verify(body, req.headers as Record<string, string>)
    } catch (err) {
      return this.#refuse(res, path, 401, `signature: ${(err as Error).message}`, webhookId)
    }
    let parsed: any
    try { parsed = JSON.parse(body) } catch { return this.#refuse(res, path, 400, 'body is not JSON', webhookId) }
    const record = endpoint.kind === 'wms' ? parsed?.client_reference : parsed?.source ? `${parsed.source.model}/${parsed.source.id}` : null
    if (!webhookId || typeof record !== 'string') return this.#refuse(res, path, 400, 'no webhook-id or record', webhookId)

    const fault = this.faultsEnabled ? this.#pickFault() : null
    if (fault) this.faultsInjected[fault]++
    if (fault === 'error500') return send(res, 500, { error: 'injected failure' })
    if (fault === 'rateLimit') return send(res, 429, { error: 'slow down' }, { 'retry-after': '1' })
    if (fault === 'hang') return this.#later(() => { req.socket.destroy() })

    const answer = endpoint.kind === 'wms' ? this.#fulfilment(webhookId, parsed) : { status: 200, json: { ok: true } }
    this.#record(webhookId, record)
    if (answer.fresh) this.onFulfilment(answer.fresh)
    this.onRecorded()
    if (fault === 'lateAck') return this.#later(() => send(res, answer.status, answer.json))
    send(res, answer.status, answer.json)
  }

  #pickFault (): Fault | null {
    let r = this.random()
    for (const fault of ['error500', 'hang', 'rateLimit', 'lateAck'] as const) {
      if (r < this.shares[fault]) return fault
      r -= this.shares[fault]
    }
    return null
  }

  #record (webhookId: string, record: string): void {
    const seen = this.deliveries.get(webhookId) ?? 0
    this.deliveries.set(webhookId, seen + 1)
    if (seen === 0) this.arrivals.set(record, [...(this.arrivals.get(record) ?? []), webhookId])
  }

  /** A WMS that makes up one fulfilment per request_id, like a partner deduping on it. */
  #fulfilment (webhookId: string, req: any): { status: number, json: unknown, fresh?: FulfilmentSeen } {
    const requestId = String(req.request_id ?? webhookId)
    const known = this.fulfilments.get(requestId)
    if (known) return { status: 200, json: { id: known.fulfilmentId, fulfilment_id: known.fulfilmentId, status: 'accepted', duplicate: true } }
    const fresh: FulfilmentSeen = {
      fulfilmentId: `CHX-${String(++this.#seq).padStart(6, '0')}`,
      requestId,
      pickingId: Number(String(req.client_reference).split('/')[1]),
      correlationId: String(req.correlation_id ?? ''),
      items: (Array.isArray(req.items) ? req.items : []).map((i: any) => ({ line_ref: String(i.line_ref), sku: i.sku ?? null, quantity: Number(i.quantity) }))
    }
    this.fulfilments.set(requestId, fresh)
    return { status: 201, json: { id: fresh.fulfilmentId, fulfilment_id: fresh.fulfilmentId, status: 'accepted' }, fresh }
  }

  #later (fn: () => void): void {
    const timer = setTimeout(() => { this.#timers.delete(timer); fn() }, this.hangMs)
    this.#timers.add(timer)
  }

  #refuse (res: ServerResponse, path: string, status: number, reason: string, webhookId: string | null): void {
    this.refused.push({ path, status, reason, webhookId })
    send(res, status, { error: reason })
  }
}

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function send (res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(json))
}
