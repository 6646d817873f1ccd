import { Webhook } from 'standardwebhooks'
import { request } from 'undici'

/**
 * How every simulated partner calls the hub back: a JSON body signed per Standard Webhooks with the
 * partner's secret. Returns the HTTP status, or 'error' when the hub could not be reached.
 */
export async function postSignedCallback (url: string, secret: string, webhookId: string, payload: string): Promise<number | 'error'> {
  const now = new Date()
  try {
    const res = await request(url, {
      method: 'POST',
      body: payload,
      headersTimeout: 10_000,
      headers: {
        'content-type': 'application/json',
        'webhook-id': webhookId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(webhookId, now, payload)
      }
    })
    await res.body.dump()
    return res.statusCode
  } catch {
    return 'error'
  }
}
