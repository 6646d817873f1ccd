import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import type { Connector } from './types.ts'

/**
 * Standard Webhooks signing with secret rotation (as Svix does it). While a rotation's overlap lasts
 * (Odoo's hub.connector.previous_secret_expires, checked in SQL by db/connector-plans.ts) a connector
 * has two secrets: outbound messages carry one signature per secret (the header takes a space-separated
 * list), and inbound messages verify against either, so the partner switches at its own pace.
 */
export function signingSecrets (connector: Pick<Connector, 'secret' | 'previous_secret'>): string[] {
  return [connector.secret, connector.previous_secret].filter((s): s is string => Boolean(s))
}

/** The `webhook-signature` header value: `v1,<sig>` per secret, newest first. */
export function signatureHeader (secrets: string[], messageId: string, at: Date, payload: string): string {
  return secrets.map(secret => new Webhook(secret).sign(messageId, at, payload)).join(' ')
}

/** Unix seconds, digits only: what the Standard Webhooks spec sends and what we sign (http-transport.ts). */
const TIMESTAMP = /^[0-9]{1,12}$/

/**
 * The verified payload of a message signed by any of `secrets`; throws WebhookVerificationError otherwise.
 * The timestamp is checked strictly first: standardwebhooks reads it with parseInt, which stops at the
 * first non-digit, so `1700000000junk` would verify with the signature of `1700000000`.
 */
export function verifyWithAny (secrets: string[], raw: string, headers: Record<string, string>): unknown {
  const timestamp = headers['webhook-timestamp']
  if (typeof timestamp === 'string' && !TIMESTAMP.test(timestamp)) {
    throw new WebhookVerificationError('Invalid message timestamp')
  }
  let refusal: unknown = new WebhookVerificationError('No matching signature found')
  for (const secret of secrets) {
    try {
      return new Webhook(secret).verify(raw, headers)
    } catch (err) {
      // a JSON error is the same whichever secret matched: stop there
      if (!(err instanceof WebhookVerificationError)) throw err
      refusal = err
    }
  }
  throw refusal
}
