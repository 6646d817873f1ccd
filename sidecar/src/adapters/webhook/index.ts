import { traceHeaders } from '../../observability/trace.ts'
import { callPartner } from '../partner-call.ts'
import { signedProbe } from '../probe.ts'
import { type Adapter, type Connector, type Envelope, InboundFormatError } from '../types.ts'

/**
 * Generic webhook: the canonical envelope as is, signed per Standard Webhooks. Any 2xx is a delivery;
 * a callback must itself be a canonical message `{ type, correlation_id?, data }`.
 */
export const webhookAdapter: Adapter = {
  name: 'webhook',

  async deliver (envelope: Envelope, connector: Connector) {
    // the body of a 2xx is not read: a receiver acknowledges with any 2xx (Standard Webhooks)
    await callPartner(connector, {
      method: 'POST', path: null, body: envelope, auth: { signedAs: envelope.id }, headers: traceHeaders(envelope.correlation_id)
    }, () => null) // receivers have no error format of their own: their raw answer is quoted
    return { externalRef: null }
  },

  // GitHub's "ping": a signed `hub.ping` envelope receivers acknowledge and otherwise ignore (docs/contract.md)
  probe: signedProbe(null, (connector, id) => ({
    id, type: 'hub.ping', occurred_at: new Date().toISOString(), correlation_id: id, source: { model: 'hub.connector', id: connector.id }, data: {}
  })),

  parseInbound (webhookId: string, body: unknown) {
    const msg = body as { type?: unknown, correlation_id?: unknown, data?: unknown } | null
    const issues: string[] = []
    if (typeof msg?.type !== 'string' || msg.type === '') issues.push('type: expected a non-empty string')
    if (msg?.data === null || typeof msg?.data !== 'object' || Array.isArray(msg.data)) issues.push('data: expected an object')
    if (issues.length) throw new InboundFormatError('not a canonical hub message', issues)
    return {
      id: webhookId,
      type: msg!.type as string,
      correlation_id: typeof msg!.correlation_id === 'string' ? msg!.correlation_id : null,
      data: msg!.data as Record<string, unknown>
    }
  }
}
