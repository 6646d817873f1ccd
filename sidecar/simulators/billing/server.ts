import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { Webhook } from 'standardwebhooks'
import { FaultInjector } from '../faults.ts'
import { readBody, sendJson } from '../http-util.ts'

/**
 * An external billing engine: takes charges (`POST /v1/charges`, signed per Standard Webhooks) and puts
 * each on the open invoice of its customer and currency, answering that invoice's number. Like a
 * well-behaved engine it is idempotent twice over: on the request key (webhook-id, the hub's event id) and
 * on the business key of the charge (`key`), so a re-sent request, or the same charge in a new request,
 * gets the invoice number it got the first time and adds no line. `answerDelayMs` answers late AFTER the
 * charge is on the invoice, the window where a caller that dies loses the answer, not the effect.
 */
export interface EngineInvoice { number: string, customer: string, currency: string, lines: Array<{ key: string, amount: number, webhookId: string }> }

export class BillingEngineSimulator {
  readonly faults = new FaultInjector()
  readonly invoices = new Map<string, EngineInvoice>()
  /** requests for a charge already invoiced, and why they repeated */
  readonly duplicates: Array<{ key: string, cause: 'repeated_request' | 'same_charge_new_request' }> = []
  readonly requests: Array<{ webhookId: string, status: number | 'hang' }> = []
  #invoiceOf = new Map<string, string>()
  #seenRequests = new Set<string>()
  #server: Server = createServer((req, res) => { void this.#handle(req, res).catch(() => res.destroy()) })

  constructor (private options: { secret: string, answerDelayMs?: number }) {}

  configure (patch: Partial<BillingEngineSimulator['options']>): void { this.options = { ...this.options, ...patch } }

  async start (port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>(resolve => this.#server.listen(port, host, resolve))
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  async stop (): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }

  /** The invoice number and line count of each charge key, for assertions. */
  lineCounts (): Map<string, number> {
    const counts = new Map<string, number>()
    for (const invoice of this.invoices.values()) for (const line of invoice.lines) counts.set(line.key, (counts.get(line.key) ?? 0) + 1)
    return counts
  }

  invoiceOf (key: string): string | undefined { return this.#invoiceOf.get(key) }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    const webhookId = String(req.headers['webhook-id'] ?? '')
    const answer = (status: number, json: unknown) => { this.requests.push({ webhookId, status }); sendJson(res, status, json) }
    if (req.method !== 'POST' || req.url !== '/v1/charges') return answer(404, { error: 'not_found' })
    const verdict = await this.faults.next()
    if (verdict.kind === 'hang') { this.requests.push({ webhookId, status: 'hang' }); return }
    if (verdict.kind === 'rate_limit') return answer(429, { error: 'rate_limited' })
    if (verdict.kind === 'fail') return answer(verdict.status, verdict.body ?? { error: 'injected' })
    let message: any
    try { message = new Webhook(this.options.secret).verify(body, req.headers as Record<string, string>) } catch { return answer(401, { error: 'bad_signature' }) }
    if (message?.type === 'hub.ping') return answer(200, { ok: true })
    const charge = message?.chargeKey === undefined ? null : message
    if (!charge || typeof charge.chargeKey !== 'string' || typeof charge.amount !== 'number' || typeof charge.currency !== 'string' || typeof charge.customer !== 'string') {
      return answer(422, { error: 'invalid_charge', detail: 'chargeKey, amount, currency and customer are required' })
    }
    const known = this.#invoiceOf.get(charge.chargeKey)
    if (known) {
      this.duplicates.push({ key: charge.chargeKey, cause: this.#seenRequests.has(webhookId) ? 'repeated_request' : 'same_charge_new_request' })
    } else {
      const openKey = `${charge.customer}|${charge.currency}`
      let invoice = this.invoices.get(openKey)
      if (!invoice) {
        invoice = { number: `ENG-${String(this.invoices.size + 1).padStart(5, '0')}`, customer: charge.customer, currency: charge.currency, lines: [] }
        this.invoices.set(openKey, invoice)
      }
      invoice.lines.push({ key: charge.chargeKey, amount: charge.amount, webhookId })
      this.#invoiceOf.set(charge.chargeKey, invoice.number)
    }
    this.#seenRequests.add(webhookId)
    if (this.options.answerDelayMs) await sleep(this.options.answerDelayMs)
    answer(201, { invoice: { number: this.#invoiceOf.get(charge.chargeKey), status: 'open' } })
  }
}
