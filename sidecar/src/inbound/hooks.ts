import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { WebhookVerificationError } from 'standardwebhooks'
import { adapterFor } from '../adapters/registry.ts'
import { signingSecrets, verifyWithAny } from '../adapters/signing.ts'
import { InboundFormatError } from '../adapters/types.ts'
import type { Pool } from '../db/pool.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { InboundJob } from '../queues.ts'
import { ConnectorCache } from './connector-cache.ts'
import type { InboundStore } from './inbound-store.ts'
import type { RefusalLog } from './refusal-log.ts'
import { warnUnknownStatuses } from './unknown-statuses.ts'

export interface HookDeps { pool: Pool, inbound: InboundStore, metrics: Metrics, refusals: RefusalLog }

interface Params { Params: { connectorCode: string } }

/** A refusal as answered (`status`, `error`, `message`, `issues`), counted (`outcome`) and recorded (`reason`). */
interface Refused { status: number, error: string, message: string, reason: string, outcome: string, known: boolean, secrets?: string[], issues?: string[] }

/**
 * POST /hooks/:connectorCode — a partner callback. Order matters: the signature is checked on the raw
 * bytes before anything is parsed or stored; the accepted message is committed (InboundStore, shared
 * commits for concurrent callbacks) before we answer, so a 2xx means it will be applied, and a replay of
 * the same webhook-id is answered 200 `duplicate` without a second job. Every refusal is also recorded
 * (RefusalLog, rate limited) for Odoo to list, with its reason and a masked excerpt of the body.
 */
export function registerHookRoutes (app: FastifyInstance, { pool, inbound, metrics, refusals }: HookDeps): void {
  const connectors = new ConnectorCache(pool)
  const refuse = async (req: FastifyRequest<Params>, reply: FastifyReply, r: Refused) => {
    // callers choose the code: only known connectors may become metric labels
    metrics.inbound.inc({ connector: r.known ? req.params.connectorCode : 'unknown', outcome: r.outcome })
    await refusals.record({
      connectorCode: req.params.connectorCode,
      reason: r.reason,
      httpStatus: r.status,
      detail: r.issues?.length ? `${r.message}: ${r.issues.join('; ')}` : r.message,
      remoteAddr: req.ip,
      webhookId: headerValue(req.headers['webhook-id']),
      body: typeof req.body === 'string' ? req.body : null,
      secrets: r.secrets
    })
    return await reply.code(r.status).send({ error: r.error, message: r.message, ...(r.issues ? { issues: r.issues } : {}) })
  }

  app.post<Params>('/hooks/:connectorCode', {
    // fastify refuses an oversized body (413) before the handler runs: a refused callback all the same
    onError: async (req, _reply, err: { statusCode?: number, message: string }) => {
      const status = err.statusCode ?? 500
      if (status < 400 || status >= 500) return
      metrics.inbound.inc({ connector: 'unknown', outcome: status === 413 ? 'oversized' : 'malformed' })
      await refusals.record({
        connectorCode: req.params.connectorCode, reason: status === 413 ? 'oversized' : 'bad_request', httpStatus: status,
        detail: err.message, remoteAddr: req.ip, webhookId: headerValue(req.headers['webhook-id']), body: null
      })
    }
  }, async (req, reply) => {
    const code = req.params.connectorCode
    const connector = await connectors.get(code)
    const adapter = connector && adapterFor(connector.adapter)
    // callers choose the code: only known connectors may become metric labels
    const count = (outcome: string) => metrics.inbound.inc({ connector: adapter ? code : 'unknown', outcome })
    if (!connector || !adapter) {
      return await refuse(req, reply, { status: 404, error: 'unknown_connector', message: `no active connector ${code}`, reason: 'unknown_connector', outcome: 'unknown_connector', known: false })
    }
    if (!connector.secret) {
      return await refuse(req, reply, { status: 401, error: 'unsigned', message: 'connector has no secret; inbound hooks are refused', reason: 'no_secret', outcome: 'no_secret', known: true })
    }
    const known = { known: true, secrets: signingSecrets(connector) }
    const raw = typeof req.body === 'string' ? req.body : ''
    let body: unknown
    try {
      body = verifyWithAny(signingSecrets(connector), raw, req.headers as Record<string, string>)
    } catch (err) {
      if (err instanceof WebhookVerificationError) {
        return await refuse(req, reply, { status: 401, error: 'invalid_signature', message: err.message, reason: signatureReason(err.message), outcome: 'bad_signature', ...known })
      }
      return await refuse(req, reply, { status: 400, error: 'malformed_json', message: 'body is not valid JSON', reason: 'malformed_json', outcome: 'malformed', ...known })
    }
    const webhookId = String(req.headers['webhook-id'])
    let message: InboundJob['message']
    try {
      message = await adapter.parseInbound(webhookId, body)
    } catch (err) {
      if (!(err instanceof InboundFormatError)) throw err
      return await refuse(req, reply, { status: 400, error: 'malformed_message', message: err.message, reason: 'malformed_message', outcome: 'malformed', issues: err.issues, ...known })
    }
    const stored = await inbound.store(code, message)
    count(stored ? 'accepted' : 'duplicate')
    warnUnknownStatuses(req.log, code, message)
    req.log.info({ correlation_id: message.correlation_id, message_id: webhookId, connector: code, type: message.type, duplicate: !stored }, 'partner callback received')
    return await reply.code(stored ? 202 : 200).send({ status: stored ? 'accepted' : 'duplicate', id: webhookId })
  })
}

function headerValue (value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null
}

/** standardwebhooks' messages: "Missing required headers", "Message timestamp too old/new", else no matching signature. */
function signatureReason (message: string): string {
  if (/missing required headers/i.test(message)) return 'missing_signature'
  if (/timestamp/i.test(message)) return 'bad_timestamp'
  return 'bad_signature'
}
