import type { FastifyInstance } from 'fastify'
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { adapterFor } from '../adapters/registry.ts'
import { InboundFormatError } from '../adapters/types.ts'
import type { Pool } from '../db/pool.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { InboundJob } from '../queues.ts'
import { ConnectorCache } from './connector-cache.ts'
import type { InboundStore } from './inbound-store.ts'
import { warnUnknownStatuses } from './unknown-statuses.ts'

export interface HookDeps { pool: Pool, inbound: InboundStore, metrics: Metrics }

/**
 * POST /hooks/:connectorCode — a partner callback. Order matters: the signature is checked on the raw
 * bytes before anything is parsed or stored; the accepted message is committed (InboundStore, shared
 * commits for concurrent callbacks) before we answer, so a 2xx means it will be applied, and a replay of
 * the same webhook-id is answered 200 `duplicate` without a second job.
 */
export function registerHookRoutes (app: FastifyInstance, { pool, inbound, metrics }: HookDeps): void {
  const connectors = new ConnectorCache(pool)
  app.post<{ Params: { connectorCode: string } }>('/hooks/:connectorCode', async (req, reply) => {
    const code = req.params.connectorCode
    const connector = await connectors.get(code)
    const adapter = connector && adapterFor(connector.adapter)
    // callers choose the code: only known connectors may become metric labels
    const count = (outcome: string) => metrics.inbound.inc({ connector: adapter ? code : 'unknown', outcome })
    if (!connector || !adapter) {
      count('unknown_connector')
      return await reply.code(404).send({ error: 'unknown_connector', message: `no active connector ${code}` })
    }
    if (!connector.secret) {
      count('no_secret')
      return await reply.code(401).send({ error: 'unsigned', message: 'connector has no secret; inbound hooks are refused' })
    }
    const raw = typeof req.body === 'string' ? req.body : ''
    let body: unknown
    try {
      body = new Webhook(connector.secret).verify(raw, req.headers as Record<string, string>)
    } catch (err) {
      if (err instanceof WebhookVerificationError) {
        count('bad_signature')
        return await reply.code(401).send({ error: 'invalid_signature', message: err.message })
      }
      count('malformed')
      return await reply.code(400).send({ error: 'malformed_json', message: 'body is not valid JSON' })
    }
    const webhookId = String(req.headers['webhook-id'])
    let message: InboundJob['message']
    try {
      message = await adapter.parseInbound(webhookId, body)
    } catch (err) {
      if (!(err instanceof InboundFormatError)) throw err
      count('malformed')
      return await reply.code(400).send({ error: 'malformed_message', message: err.message, issues: err.issues })
    }
    const stored = await inbound.store(code, message)
    count(stored ? 'accepted' : 'duplicate')
    warnUnknownStatuses(req.log, code, message)
    req.log.info({ correlation_id: message.correlation_id, message_id: webhookId, connector: code, type: message.type, duplicate: !stored }, 'partner callback received')
    return await reply.code(stored ? 202 : 200).send({ status: stored ? 'accepted' : 'duplicate', id: webhookId })
  })
}
