import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { FaultInjector } from './faults.ts'
import { readBody, sendJson } from './http-util.ts'

/**
 * A partner that consumes the hub's generic signed webhooks (a portal or billing engine): it verifies
 * signatures, dedupes on webhook-id like a well-behaved consumer, and injects faults on demand.
 */
export class WebhookReceiver {
  readonly faults = new FaultInjector()
  /** every attempt, in arrival order */
  readonly attempts: Array<{ webhook_id: string, status: number | 'hang', at: number }> = []
  /** accepted messages, first delivery of each webhook-id only */
  readonly accepted: Array<{ webhook_id: string, body: any, headers: Record<string, unknown>, path: string }> = []
  /** verified `hub.ping` messages (the hub's "Test connection"): acknowledged, not business messages */
  readonly pings: string[] = []
  #server: Server

  /** `reply` answers an accepted message (default `{ ok: true }`): a REST partner returns its own reference */
  constructor (readonly secret: string, readonly reply: (body: any) => unknown = () => ({ ok: true })) {
    this.#server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req)
        const webhookId = String(req.headers['webhook-id'] ?? '')
        const verdict = await this.faults.next()
        if (verdict.kind === 'hang') { this.attempts.push({ webhook_id: webhookId, status: 'hang', at: Date.now() }); return }
        const answer = (status: number, json: unknown, headers?: Record<string, string>) => {
          this.attempts.push({ webhook_id: webhookId, status, at: Date.now() })
          sendJson(res, status, json, headers)
        }
        if (verdict.kind === 'rate_limit') return answer(429, { error: 'rate_limited' }, { 'retry-after': String(verdict.retryAfter) })
        if (verdict.kind === 'fail') return answer(verdict.status, verdict.body ?? { error: 'injected' })
        let parsed: unknown
        try { parsed = new Webhook(this.secret).verify(body, req.headers as Record<string, string>) } catch { return answer(401, { error: 'bad_signature' }) }
        if ((parsed as { type?: unknown } | null)?.type === 'hub.ping') { this.pings.push(webhookId); return answer(200, { ok: true }) }
        if (!this.accepted.some(a => a.webhook_id === webhookId)) this.accepted.push({ webhook_id: webhookId, body: parsed, headers: { ...req.headers }, path: req.url ?? '' })
        answer(200, this.reply(parsed))
      })().catch(() => { res.destroy() })
    })
  }

  async start (): Promise<string> {
    await new Promise<void>(resolve => this.#server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`
  }

  async stop (): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }
}
