import { PermanentError, RetryableError } from '../../errors.ts'
import { traceHeaders } from '../../observability/trace.ts'
import { callPartnerJson, callPartner, connectorLabel } from '../partner-call.ts'
import { type Adapter, type Connector, type Envelope, InboundFormatError } from '../types.ts'
import { restMapping } from './mapping.ts'

/**
 * A REST partner described by data only (docs/architecture.md, "Adding a partner system"): the
 * connector's `rest_mapping` says what to POST where and where the partner's reference is in its answer.
 * The call is signed like the webhook adapter's and goes through the one failure policy (partner-call.ts),
 * so a simple partner needs no code at all.
 */
export const restAdapter: Adapter = {
  name: 'rest',

  async deliver (envelope: Envelope, connector: Connector) {
    const mapping = restMapping(connector)
    const body: unknown = await mapping.request.evaluate(envelope).catch((err: unknown) => {
      throw new PermanentError(`connector ${connector.code}: its REST mapping's request expression failed on ${envelope.type} (${(err as Error).message})`, { cause: err })
    })
    if (body === undefined) throw new PermanentError(`connector ${connector.code}: its REST mapping's request expression gave nothing for ${envelope.type}`)
    const call = {
      method: 'POST' as const,
      path: mapping.path || null,
      body,
      auth: { signedAs: envelope.id },
      headers: traceHeaders(envelope.correlation_id)
    }
    // a partner without an error format of its own: its raw answer is quoted
    if (!mapping.reference) {
      await callPartner(connector, call, () => null)
      return { externalRef: null }
    }
    const answered = await callPartnerJson(connector, call, () => null)
    const reference: unknown = await mapping.reference.evaluate(answered).catch(() => undefined)
    // Retrying a 2xx without the reference is safe: the partner dedupes on Idempotency-Key (the event id, also
    // the webhook-id when the connector has a secret to sign with).
    if (!(typeof reference === 'string' && reference !== '') && typeof reference !== 'number') {
      throw new RetryableError(`${connectorLabel(connector)} accepted the message but its answer has no reference where the REST mapping looks`)
    }
    return { externalRef: String(reference) }
  },

  parseInbound () {
    throw new InboundFormatError('the REST partner adapter takes no callbacks')
  }
}
