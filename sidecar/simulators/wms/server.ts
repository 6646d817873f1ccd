import { randomUUID } from 'node:crypto'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { Webhook } from 'standardwebhooks'
import { FaultInjector, type FaultSettings } from '../faults.ts'
import { readBody, sendJson } from '../http-util.ts'
import { postSignedCallback } from '../signed-callback.ts'

/**
 * A warehouse (3PL) system as the hub sees it: it accepts fulfilment orders (idempotent on request_id),
 * then reports PICKED, PACKED (and on request SHIPPED) to a webhook, signed per Standard Webhooks and
 * retried until acknowledged. It cancels fulfilments not shipped yet (POST /v1/fulfilments/cancel, by
 * picking or by order, idempotent on request_id). Faults are injected through /_sim/faults; /_sim/state
 * shows what it saw.
 */
export interface WmsSimulatorOptions {
  /** verifies the hub's signature on requests when set */
  secret?: string
  /** where confirmations go (the sidecar's /hooks/<code>) and the secret they are signed with */
  callbackUrl?: string
  callbackSecret?: string
  /** confirm PICKED then PACKED on its own after each accepted fulfilment */
  autoConfirm?: boolean
  confirmDelayMs?: number
  /** a cancellation takes effect at once but is answered this much later: the caller may die before it hears back */
  cancelAnswerDelayMs?: number
}

export type Stage = 'PICKED' | 'PACKED' | 'SHIPPED'

interface Fulfilment { fulfilment_id: string, request: Record<string, any>, stages: Stage[], cancelled_at?: string }
/** What a cancellation request answered: kept per request_id, so a repeated request gets the same answer. */
interface CancelAnswer { request_id: string, status: 'cancelled' | 'already_cancelled' | 'not_found', cancelled: string[], already_cancelled: string[] }
interface CallbackRecord { webhook_id: string, stage: Stage, fulfilment_id: string, status: number | 'error', attempt: number }

export class WmsSimulator {
  readonly faults = new FaultInjector()
  /** every request received on the partner API, including the faulted ones */
  readonly requests: Array<{ request_id: string, status: number | 'hang', signature_ok: boolean | null }> = []
  readonly fulfilments = new Map<string, Fulfilment>()
  readonly callbacks: CallbackRecord[] = []
  /** stock by SKU answered on GET /v1/stock/:sku (unknown SKUs have 0); set directly or via POST /_sim/stock */
  readonly stock = new Map<string, number>()
  /** one entry per fulfilment ever cancelled, whatever the number of requests: tests count the effect here */
  readonly cancellations: Array<{ fulfilment_id: string, client_reference: string, request_id: string }> = []
  /** cancellation requests that changed nothing: the same request_id again, or fulfilments already cancelled */
  readonly duplicateCancellations: Array<{ request_id: string, fulfilment_ids: string[], cause: 'repeated_request' | 'already_cancelled' }> = []
  #cancelAnswers = new Map<string, CancelAnswer>()
  #server: Server = createServer((req, res) => { void this.#handle(req, res) })
  #pending = new Set<Promise<void>>()
  #stopped = false
  #seq = 0

  constructor (private options: WmsSimulatorOptions = {}) {}

  configure (patch: Partial<WmsSimulatorOptions>): void { this.options = { ...this.options, ...patch } }

  async start (port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>(resolve => this.#server.listen(port, host, resolve))
    return this.url
  }

  get url (): string {
    const { port } = this.#server.address() as AddressInfo
    return `http://127.0.0.1:${port}`
  }

  async stop (): Promise<void> {
    this.#stopped = true
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
    await Promise.allSettled([...this.#pending])
  }

  /**
   * Sends the given stages of a fulfilment to the callback URL (honouring duplicate/out-of-order faults).
   * `shippedQuantities` (by SKU) are reported instead of the ordered quantities: a short pick or shipment.
   */
  advance (fulfilmentId: string, stages: Stage[], { shippedQuantities = {} }: { shippedQuantities?: Record<string, number> } = {}): Promise<void> {
    const f = this.fulfilments.get(fulfilmentId)
    if (!f) return Promise.reject(new Error(`unknown fulfilment ${fulfilmentId}`))
    const ordered = this.faults.settings.outOfOrderCallbacks ? [...stages].reverse() : stages
    const run = (async () => {
      for (const stage of ordered) {
        if (f.cancelled_at) return // a cancelled order is neither picked nor packed
        f.stages.push(stage)
        const webhookId = `wms_${randomUUID()}`
        await this.#sendCallback(f, stage, webhookId, shippedQuantities)
        if (this.faults.settings.duplicateCallbacks) await this.#sendCallback(f, stage, webhookId, shippedQuantities)
      }
    })()
    this.#pending.add(run)
    void run.finally(() => this.#pending.delete(run))
    return run
  }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://sim')
      const body = req.method === 'GET' ? '' : await readBody(req)
      if (url.pathname.startsWith('/_sim/')) return this.#admin(req.method ?? 'GET', url.pathname, body, res)
      if (req.method === 'POST' && url.pathname === '/v1/fulfilments') return await this.#createFulfilment(req, body, res)
      if (req.method === 'POST' && url.pathname === '/v1/fulfilments/cancel') return await this.#cancelFulfilments(req, body, res)
      if (req.method === 'POST' && url.pathname === '/v1/ping') return await this.#ping(req, body, res)
      const stock = /^\/v1\/stock\/([^/]+)$/.exec(url.pathname)
      if (req.method === 'GET' && stock) return await this.#stock(decodeURIComponent(stock[1]!), res)
      sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${req.method} ${url.pathname}` } })
    } catch (err) {
      sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: (err as Error).message } })
    }
  }

  async #createFulfilment (req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const signatureOk = this.options.secret ? verifies(this.options.secret, body, req.headers) : null
    let payload: Record<string, any>
    try { payload = JSON.parse(body) } catch { return sendJson(res, 400, { error: { code: 'MALFORMED', message: 'body is not JSON' } }) }
    const requestId = String(payload.request_id ?? '')
    const verdict = await this.faults.next()
    if (verdict.kind === 'hang') {
      this.requests.push({ request_id: requestId, status: 'hang', signature_ok: signatureOk })
      return // never answered; closed when the simulator stops or the caller gives up
    }
    const answer = (status: number, json: unknown, headers?: Record<string, string>) => {
      this.requests.push({ request_id: requestId, status, signature_ok: signatureOk })
      sendJson(res, status, json, headers)
    }
    if (verdict.kind === 'rate_limit') return answer(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'retry-after': String(verdict.retryAfter) })
    if (verdict.kind === 'fail') return answer(verdict.status, { error: { code: 'UPSTREAM', message: 'injected failure' } })
    if (signatureOk === false) return answer(401, { error: { code: 'BAD_SIGNATURE', message: 'signature does not match' } })
    if (!requestId || !Array.isArray(payload.items) || payload.items.length === 0) {
      return answer(422, { error: { code: 'INVALID_ORDER', message: 'request_id and at least one item are required' } })
    }
    const existing = [...this.fulfilments.values()].find(f => f.request.request_id === requestId)
    if (existing) return answer(200, { fulfilment_id: existing.fulfilment_id, status: 'accepted', duplicate: true })
    const f: Fulfilment = { fulfilment_id: `FUL-${String(++this.#seq).padStart(6, '0')}`, request: payload, stages: [] }
    this.fulfilments.set(f.fulfilment_id, f)
    answer(201, { fulfilment_id: f.fulfilment_id, status: 'accepted' })
    if (this.options.autoConfirm) {
      void sleep(this.options.confirmDelayMs ?? 50).then(() => this.advance(f.fulfilment_id, ['PICKED', 'PACKED'])).catch(() => {})
    }
  }

  /**
   * Cancels the fulfilments of one picking (`client_reference`) or of one order (`order_reference`), signed
   * like a fulfilment. Idempotent: a repeated request_id gets its first answer again; fulfilments already
   * cancelled are answered as such; nothing known is `not_found` (all 200: nothing is left to do). A shipped
   * fulfilment cannot be cancelled: 409 ALREADY_SHIPPED, and then nothing of the request is cancelled.
   */
  async #cancelFulfilments (req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const signatureOk = this.options.secret ? verifies(this.options.secret, body, req.headers) : null
    let payload: Record<string, any>
    try { payload = JSON.parse(body) } catch { return sendJson(res, 400, { error: { code: 'MALFORMED', message: 'body is not JSON' } }) }
    const requestId = String(payload.request_id ?? '')
    const verdict = await this.faults.next()
    if (verdict.kind === 'hang') {
      this.requests.push({ request_id: requestId, status: 'hang', signature_ok: signatureOk })
      return
    }
    const answer = (status: number, json: unknown, headers?: Record<string, string>) => {
      this.requests.push({ request_id: requestId, status, signature_ok: signatureOk })
      sendJson(res, status, json, headers)
    }
    if (verdict.kind === 'rate_limit') return answer(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'retry-after': String(verdict.retryAfter) })
    if (verdict.kind === 'fail') return answer(verdict.status, { error: { code: 'UPSTREAM', message: 'injected failure' } })
    if (signatureOk === false) return answer(401, { error: { code: 'BAD_SIGNATURE', message: 'signature does not match' } })
    const byPicking = typeof payload.client_reference === 'string' && payload.client_reference !== '' ? payload.client_reference : null
    const byOrder = typeof payload.order_reference === 'string' && payload.order_reference !== '' ? payload.order_reference : null
    if (!requestId || (byPicking === null) === (byOrder === null)) {
      return answer(422, { error: { code: 'INVALID_CANCEL', message: 'request_id and exactly one of client_reference, order_reference are required' } })
    }
    const repeated = this.#cancelAnswers.get(requestId)
    if (repeated) {
      this.duplicateCancellations.push({ request_id: requestId, fulfilment_ids: [...repeated.cancelled, ...repeated.already_cancelled], cause: 'repeated_request' })
      return answer(200, repeated)
    }
    const targets = [...this.fulfilments.values()].filter(f => byPicking !== null ? f.request.client_reference === byPicking : f.request.order_reference === byOrder)
    const shipped = targets.filter(f => !f.cancelled_at && f.stages.includes('SHIPPED')).map(f => f.fulfilment_id)
    if (shipped.length) {
      return answer(409, { error: { code: 'ALREADY_SHIPPED', message: `fulfilment ${shipped.join(', ')} (${byPicking ?? byOrder}) has shipped and can no longer be cancelled` } })
    }
    const result: CancelAnswer = { request_id: requestId, status: 'not_found', cancelled: [], already_cancelled: [] }
    for (const f of targets) {
      if (f.cancelled_at) { result.already_cancelled.push(f.fulfilment_id); continue }
      f.cancelled_at = new Date().toISOString()
      result.cancelled.push(f.fulfilment_id)
      this.cancellations.push({ fulfilment_id: f.fulfilment_id, client_reference: String(f.request.client_reference), request_id: requestId })
    }
    if (result.cancelled.length) result.status = 'cancelled'
    else if (result.already_cancelled.length) {
      result.status = 'already_cancelled'
      this.duplicateCancellations.push({ request_id: requestId, fulfilment_ids: result.already_cancelled, cause: 'already_cancelled' })
    }
    this.#cancelAnswers.set(requestId, result)
    if (this.options.cancelAnswerDelayMs) await sleep(this.options.cancelAnswerDelayMs)
    answer(200, result)
  }

  /** The hub's "Test connection": signed like a fulfilment and checked the same way, but changes nothing. */
  async #ping (req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const verdict = await this.faults.next()
    if (verdict.kind === 'hang') return
    if (verdict.kind === 'rate_limit') return sendJson(res, 429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'retry-after': String(verdict.retryAfter) })
    if (verdict.kind === 'fail') return sendJson(res, verdict.status, { error: { code: 'UPSTREAM', message: 'injected failure' } })
    if (this.options.secret && !verifies(this.options.secret, body, req.headers)) return sendJson(res, 401, { error: { code: 'BAD_SIGNATURE', message: 'signature does not match' } })
    sendJson(res, 200, { ok: true })
  }

  /** Live availability of one SKU (the gateway's StockLevel.warehouseAvailable); faults apply as for fulfilments. */
  async #stock (sku: string, res: ServerResponse): Promise<void> {
    const verdict = await this.faults.next()
    if (verdict.kind === 'hang') return
    if (verdict.kind === 'rate_limit') return sendJson(res, 429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'retry-after': String(verdict.retryAfter) })
    if (verdict.kind === 'fail') return sendJson(res, verdict.status, { error: { code: 'UPSTREAM', message: 'injected failure' } })
    sendJson(res, 200, { sku, available: this.stock.get(sku) ?? 0 })
  }

  async #sendCallback (f: Fulfilment, stage: Stage, webhookId: string, quantities: Record<string, number>): Promise<void> {
    const { callbackUrl, callbackSecret } = this.options
    if (!callbackUrl || !callbackSecret) return
    const payload = JSON.stringify({
      event_type: stage,
      fulfilment_id: f.fulfilment_id,
      client_reference: f.request.client_reference,
      correlation_id: f.request.correlation_id,
      occurred_at: new Date().toISOString(),
      items: (f.request.items as Array<Record<string, any>>).map(i => ({ line_ref: i.line_ref, sku: i.sku, quantity: quantities[i.sku] ?? i.quantity }))
    })
    // like a real WMS: retry with backoff until the hub acknowledges (2xx), a bounded number of times
    for (let attempt = 1; attempt <= 8 && !this.#stopped; attempt++) {
      const status = await postSignedCallback(callbackUrl, callbackSecret, webhookId, payload)
      this.callbacks.push({ webhook_id: webhookId, stage, fulfilment_id: f.fulfilment_id, status, attempt })
      if (typeof status === 'number' && status < 300) return
      if (typeof status === 'number' && status >= 400 && status < 500) return // rejected: a person must look
      await sleep(Math.min(200 * 2 ** attempt, 5000))
    }
  }

  #admin (method: string, path: string, body: string, res: ServerResponse): void {
    if (method === 'GET' && path === '/_sim/state') {
      return sendJson(res, 200, {
        requests: this.requests, fulfilments: [...this.fulfilments.values()], callbacks: this.callbacks,
        cancellations: this.cancellations, duplicate_cancellations: this.duplicateCancellations, faults: this.faults.settings
      })
    }
    if (method === 'POST' && path === '/_sim/faults') return sendJson(res, 200, this.faults.set(JSON.parse(body || '{}') as Partial<FaultSettings>))
    if (method === 'POST' && path === '/_sim/stock') {
      for (const [sku, qty] of Object.entries(JSON.parse(body || '{}') as Record<string, number>)) this.stock.set(sku, Number(qty))
      return sendJson(res, 200, Object.fromEntries(this.stock))
    }
    if (method === 'POST' && path === '/_sim/configure') { this.configure(JSON.parse(body || '{}')); return sendJson(res, 200, { ok: true }) }
    if (method === 'POST' && path === '/_sim/reset') {
      this.faults.reset(); this.requests.length = 0; this.callbacks.length = 0; this.fulfilments.clear()
      this.cancellations.length = 0; this.duplicateCancellations.length = 0; this.#cancelAnswers.clear()
      return sendJson(res, 200, { ok: true })
    }
    const advance = /^\/_sim\/fulfilments\/([^/]+)\/advance$/.exec(path)
    if (method === 'POST' && advance) {
      const { stages, shipped_quantities: shippedQuantities } = JSON.parse(body || '{}') as { stages?: Stage[], shipped_quantities?: Record<string, number> }
      if (!this.fulfilments.has(advance[1]!)) return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'unknown fulfilment' } })
      void this.advance(advance[1]!, stages ?? ['PICKED', 'PACKED'], { shippedQuantities })
      return sendJson(res, 202, { ok: true })
    }
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no admin route ${method} ${path}` } })
  }
}

function verifies (secret: string, body: string, headers: IncomingMessage['headers']): boolean {
  try {
    new Webhook(secret).verify(body, headers as Record<string, string>)
    return true
  } catch {
    return false
  }
}
